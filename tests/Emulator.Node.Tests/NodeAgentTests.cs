using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.Node.Tests;

public sealed class NodeAgentTests : NodeTestKit
{
    private string RenewTime() => JsonTree.GetString(Get(ResourceTypes.Leases, "kube-node-lease", "node-1").Document, "spec", "renewTime")!;

    [Fact]
    public void Node_registers_ready_and_renews_its_lease_every_10_seconds()
    {
        StartHost();
        AwaitAssert(() =>
        {
            var node = Get(ResourceTypes.Nodes, null, "node-1");
            Assert.Equal("node-1", node.Labels["kubernetes.io/hostname"]);
            Assert.Equal("linux", node.Labels["kubernetes.io/os"]);
            Assert.Equal("amd64", node.Labels["kubernetes.io/arch"]);
            Assert.True(node.Labels.ContainsKey("topology.kubernetes.io/zone"));
            Assert.DoesNotContain(node.Labels.Keys, k => k.StartsWith("node-role", StringComparison.Ordinal));
            // Given by the node IPAM controller: the first /24 of 10.244.0.0/16.
            Assert.Equal("10.244.0.0/24", JsonTree.GetString(node.Document, "spec", "podCIDR"));
            Assert.Equal("110", JsonTree.GetString(node.Document, "status", "capacity", "pods"));
            Assert.Equal("16Gi", JsonTree.GetString(node.Document, "status", "allocatable", "memory"));
            var ready = Conditions.Find(node.Status!, "Ready")!;
            Assert.Equal("True", JsonTree.GetString(ready, "status"));
            Assert.Equal("KubeletReady", JsonTree.GetString(ready, "reason"));
            Assert.Equal("kubelet is posting ready status", JsonTree.GetString(ready, "message"));
            Assert.Equal("False", JsonTree.GetString(Conditions.Find(node.Status!, "MemoryPressure")!, "status"));
        });
        var lease = Get(ResourceTypes.Leases, "kube-node-lease", "node-1");
        Assert.Equal("node-1", JsonTree.GetString(lease.Document, "spec", "holderIdentity"));
        Assert.Equal(40, JsonTree.GetInt(lease.Document, "spec", "leaseDurationSeconds"));
        var first = Rfc3339Time.Parse(RenewTime());
        Run(TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal(first.AddSeconds(10), Rfc3339Time.Parse(RenewTime())));
        Run(TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal(first.AddSeconds(20), Rfc3339Time.Parse(RenewTime())));
    }

    [Fact]
    public void StopNode_stops_lease_renewal_and_StartNode_resumes_it()
    {
        StartHost();
        AwaitAssert(() => Assert.NotNull(RenewTime()));
        Host.Tell(new StopNode("node-1"), TestActor);
        Assert.True(ExpectMsg<NodeCommandReply>().Success);
        var stoppedAt = RenewTime();
        Run(TimeSpan.FromSeconds(60));
        Assert.Equal(stoppedAt, RenewTime());
        Host.Tell(new ListHostedNodes(), TestActor);
        Assert.False(ExpectMsg<HostedNodes>().Nodes.Single().Running);

        Host.Tell(new StartNode("node-1"), TestActor);
        Assert.True(ExpectMsg<NodeCommandReply>().Success);
        AwaitAssert(() => Assert.Equal(Now, Rfc3339Time.Parse(RenewTime())));
        Run(TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal(Now, Rfc3339Time.Parse(RenewTime())));
    }

    [Fact]
    public void A_node_marked_unknown_is_set_ready_again_on_its_next_beat()
    {
        StartHost();
        AwaitAssert(() => Assert.True(Conditions.IsTrue(Get(ResourceTypes.Nodes, null, "node-1").Status!, "Ready")));
        var node = Get(ResourceTypes.Nodes, null, "node-1");
        Conditions.Set(node.Status!, "Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", Now);
        node.Metadata.Remove("resourceVersion");
        Ok(new UpdateObject(ResourceTypes.Nodes, node.Document, UpdateScope.Status));
        Run(TimeSpan.FromSeconds(10));
        AwaitAssert(() =>
        {
            var ready = Conditions.Find(Get(ResourceTypes.Nodes, null, "node-1").Status!, "Ready")!;
            Assert.Equal("True", JsonTree.GetString(ready, "status"));
            Assert.Equal("KubeletReady", JsonTree.GetString(ready, "reason"));
        });
    }
}
