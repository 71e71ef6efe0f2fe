using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Emulator.ControlPlane.NodeIpam;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class NodeIpamControllerTests : ClusterTestKit
{
    private IActorRef StartController(NodeIpamSettings? settings = null, string name = "node-ipam-controller") =>
        Sys.ActorOf(Props.Create(() => new NodeIpamController(Store, Hub, Events, settings)), name);

    private string? PodCidr(string node) => JsonTree.GetString(GetNode(node).Document, "spec", "podCIDR");

    private List<string> PodCidrs(string node) =>
        JsonTree.GetArray(GetNode(node).Document, "spec", "podCIDRs")?.Select(c => c!.GetValue<string>()).ToList() ?? [];

    [Fact]
    public void Each_registered_node_gets_the_next_free_range_of_the_cluster_cidr()
    {
        AddNode("a");
        StartController();
        Settle();
        AddNode("b");
        AddNode("c");
        Settle();
        Assert.Equal("10.244.0.0/24", PodCidr("a"));
        Assert.Equal(["10.244.0.0/24"], PodCidrs("a"));
        Assert.Equal(["10.244.1.0/24", "10.244.2.0/24"], new[] { PodCidr("b")!, PodCidr("c")! }.Order());
        Assert.NotEqual(PodCidr("b"), PodCidr("c"));
    }

    [Fact]
    public void A_restarted_controller_keeps_what_the_nodes_hold_and_a_deleted_node_frees_its_range()
    {
        AddNode("a");
        AddNode("b");
        var first = StartController();
        Settle();
        var a = PodCidr("a");
        var b = PodCidr("b");
        Sys.Stop(first);
        Settle();

        // A restarted controller occupies the stored ranges: a new node gets none of them.
        StartController(name: "node-ipam-controller-2");
        AddNode("c");
        Settle();
        Assert.Equal(a, PodCidr("a"));
        Assert.Equal(b, PodCidr("b"));
        Assert.Equal("10.244.2.0/24", PodCidr("c"));

        // The range of a deleted node is free again (after the candidate cursor comes around).
        Ok(new DeleteObject(ResourceTypes.Nodes, null, "a", new DeleteOptions()));
        Settle();
        AddNode("d");
        Settle();
        Assert.Equal("10.244.3.0/24", PodCidr("d"));
    }

    [Fact]
    public void When_the_cluster_cidr_is_exhausted_the_node_gets_CIDRNotAvailable_and_waits()
    {
        // A /30 of /31s: two node ranges.
        StartController(new NodeIpamSettings(true, "10.250.0.0/30", 31));
        AddNode("a");
        AddNode("b");
        Settle();
        AddNode("c");
        Settle();
        Assert.Equal(["10.250.0.0/31", "10.250.0.2/31"], new[] { PodCidr("a")!, PodCidr("b")! }.Order());
        Assert.Null(PodCidr("c"));
        var notAvailable = Assert.Single(EventsFor("c", "CIDRNotAvailable"));
        Assert.Equal("Node c status is now: CIDRNotAvailable", JsonTree.GetString(notAvailable.Document, "message"));
        Assert.Equal("Normal", JsonTree.GetString(notAvailable.Document, "type"));
        Assert.Equal("cidrAllocator", JsonTree.GetString(notAvailable.Document, "source", "component"));

        // A node leaves: the waiting one is tried again and gets the freed range.
        var freed = PodCidr("a");
        Ok(new DeleteObject(ResourceTypes.Nodes, null, "a", new DeleteOptions()));
        Settle();
        Assert.Equal(freed, PodCidr("c"));
    }

    [Fact]
    public void Settings_come_from_hocon_with_kubernetes_defaults()
    {
        Assert.Equal(new NodeIpamSettings(true, "10.244.0.0/16", 24), NodeIpamSettings.From(Emulator.Runtime.RuntimeConfig.Defaults));
        var custom = NodeIpamSettings.From(ConfigurationFactory.ParseString("emulator.node-ipam { cluster-cidr = \"10.8.0.0/14\", node-cidr-mask-size = 20 }"));
        Assert.Equal("10.8.16.0/20", NodeIpamController.CidrOf(custom, 1));
        Assert.Throws<ConfigurationException>(() => NodeIpamSettings.From(ConfigurationFactory.ParseString("emulator.node-ipam { node-cidr-mask-size = 8 }")));
    }

    [Fact]
    public void Nodes_keep_a_cidr_another_writer_set_and_the_allocator_avoids_it()
    {
        Ok(new CreateObject(ResourceTypes.Nodes, Object("Node", null, "preset", new JsonObject { ["podCIDR"] = "10.244.0.0/24", ["podCIDRs"] = new JsonArray("10.244.0.0/24") })));
        StartController();
        AddNode("fresh");
        Settle();
        Assert.Equal("10.244.0.0/24", PodCidr("preset"));
        Assert.Equal("10.244.1.0/24", PodCidr("fresh"));
    }
}
