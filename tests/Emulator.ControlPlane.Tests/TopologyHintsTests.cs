using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.EndpointSlice;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using static Emulator.ControlPlane.EndpointSlice.TopologyHints;

namespace Emulator.ControlPlane.Tests;

/// <summary>The topology-mode Auto hints: shares of endpoints proportional to the zones' CPU.</summary>
public sealed class TopologyHintsTests : ClusterTestKit
{
    private static readonly NodeCapacity[] EvenZones = [new("a", 4000), new("b", 4000)];

    private static Candidate[] In(params string?[] zones) => zones.Select(z => new Candidate(z, true)).ToArray();

    [Fact]
    public void Zones_holding_more_than_their_share_give_endpoints_to_the_others()
    {
        // Even CPU, three endpoints in a and one in b: a gives its first one to b.
        Assert.Equal(["b", "a", "a", "b"], Allocate(EvenZones, In("a", "a", "a", "b")).Hints!);
        // a has three quarters of the CPU: of four endpoints all in a, one goes to b; not-ready endpoints get none.
        Candidate[] mixed = [.. In("a", "a", "a", "a"), new("a", false)];
        Assert.Equal(["b", "a", "a", "a", null], Allocate([new("a", 6000), new("b", 2000)], mixed).Hints!);
        // Shares already met: every endpoint keeps its own zone.
        Assert.Equal(["a", "b", "a", "b"], Allocate(EvenZones, In("a", "b", "a", "b")).Hints!);
    }

    [Fact]
    public void Hints_are_refused_with_the_controllers_reasons()
    {
        Assert.Equal(NodesReadyInOneZoneOnly, Allocate([new("a", 4000), new("a", 2000)], In("a", "a")).Refusal);
        Assert.Equal(InsufficientNodeInfo, Allocate([new("a", 4000), new(null, 4000)], In("a", "a")).Refusal);
        Assert.Equal(InsufficientNodeInfo, Allocate([new("a", 4000), new("b", 0)], In("a", "a")).Refusal);
        Assert.Equal("Insufficient number of endpoints (1 endpoints, 2 zones)", Allocate(EvenZones, In("a")).Refusal);
        Assert.Equal(NoZoneSpecified, Allocate(EvenZones, In("a", null)).Refusal);
        // Three even zones and four endpoints: each zone's minimum is 2 (4/3 / 1.2, rounded up), 6 in all.
        Assert.Equal(MinAllocationExceedsOverloadThreshold, Allocate([new("a", 1000), new("b", 1000), new("c", 1000)], In("a", "b", "c", "a")).Refusal);
    }

    [Fact]
    public void The_endpointslice_controller_hints_an_auto_service_and_says_when_it_cannot()
    {
        AddNode("node-a", labels: new JsonObject { ["topology.kubernetes.io/zone"] = "a" });
        AddNode("node-b", labels: new JsonObject { ["topology.kubernetes.io/zone"] = "b" });
        foreach (var (name, ip) in new[] { ("web-1", "10.244.1.2"), ("web-2", "10.244.1.3"), ("web-3", "10.244.1.4"), ("web-4", "10.244.1.5") })
        {
            var pod = Pod(name, labels: new JsonObject { ["app"] = "web" });
            pod["spec"]!["nodeName"] = "node-a";
            Ok(new CreateObject(ResourceTypes.Pods, pod));
            var stored = Ok(new GetObject(ResourceTypes.Pods, "default", name)).ToJsonObject();
            stored["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["podIP"] = ip,
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
            };
            Ok(new UpdateObject(ResourceTypes.Pods, stored, UpdateScope.Status));
        }
        var service = Object("Service", "default", "web", new JsonObject
        {
            ["selector"] = new JsonObject { ["app"] = "web" },
            ["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }),
        });
        service["metadata"]!["annotations"] = new JsonObject { ["service.kubernetes.io/topology-mode"] = "Auto" };
        Ok(new CreateObject(ResourceTypes.Of("", "services"), service));
        Sys.ActorOf(Props.Create(() => new EndpointSliceController(Store, Hub, null, Events)), "endpointslice-controller");
        Settle();

        List<string?> Hints()
        {
            var slice = Request<ListReply>(new ListObjects(EndpointSliceController.Slices, "default")).Items.Single().ToJsonObject();
            return JsonTree.Objects(slice["endpoints"] as JsonArray).Select(e => JsonTree.GetString((JsonTree.GetArray(e, "hints", "forZones")?.FirstOrDefault() as JsonObject), "name")).ToList();
        }
        // Four endpoints in a, CPU even: b's share is 2, so two of a's go to b.
        Assert.Equal(["b", "b", "a", "a"], Hints());
        Assert.Equal("Topology Aware Hints has been enabled, addressType: IPv4", JsonTree.GetString(EventsFor("web", "TopologyAwareHintsEnabled").Single().Document, "message"));

        // Zone b's node goes: hints are withdrawn and a warning says why.
        var nodeB = Ok(new GetObject(ResourceTypes.Nodes, null, "node-b")).ToJsonObject();
        nodeB["status"]!["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "False" });
        Ok(new UpdateObject(ResourceTypes.Nodes, nodeB, UpdateScope.Status));
        Settle();
        Assert.Equal([null, null, null, null], Hints());
        Assert.Equal("Nodes only ready in one zone, addressType: IPv4", JsonTree.GetString(EventsFor("web", "TopologyAwareHintsDisabled").Single().Document, "message"));
    }
}
