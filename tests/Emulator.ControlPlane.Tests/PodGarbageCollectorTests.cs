using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.PodGarbageCollection;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Tests;

public sealed class PodGarbageCollectorTests : ClusterTestKit
{
    private readonly ConcurrentQueue<KubeObject> _podVersions = new();

    public PodGarbageCollectorTests()
    {
        // Records every pod version, so the test can see what a pod looked like just before it was removed.
        var recorder = Sys.ActorOf(Props.Create(() => new PodVersions(_podVersions)));
        Hub.Tell(new StartWatch(ResourceTypes.Pods.Key, null, 0, null, recorder), recorder);
        Settle();
    }

    private void StartCollector(int threshold = PodGarbageCollector.DefaultTerminatedPodThreshold) =>
        Sys.ActorOf(Props.Create(() => new PodGarbageCollector(Store, Hub, threshold)), "pod-gc");

    private bool Exists(string name) => Send(new GetObject(ResourceTypes.Pods, "default", name)).IsSuccess;

    private void CreateBound(string name, string node, string phase = "Running", string? reason = null)
    {
        var pod = Pod(name);
        pod["spec"]!["nodeName"] = node;
        Ok(new CreateObject(ResourceTypes.Pods, pod));
        var current = GetPod(name);
        current.EnsureStatus()["phase"] = phase;
        if (reason is not null)
        {
            current.EnsureStatus()["reason"] = reason;
        }
        Ok(new UpdateObject(ResourceTypes.Pods, current.Document, UpdateScope.Status));
    }

    private KubeObject LastVersion(string name) => _podVersions.Last(p => p.Name == name);

    [Fact]
    public void Pods_of_a_deleted_node_are_failed_with_DisruptionTarget_and_deleted_after_the_quarantine()
    {
        AddNode("n1");
        AddNode("n2");
        CreateBound("a", "n1");
        CreateBound("b", "n1", phase: "Succeeded");
        CreateBound("c", "n2");
        StartCollector();
        Settle();
        Ok(new DeleteObject(ResourceTypes.Nodes, null, "n1", new DeleteOptions()));
        Advance(TimeSpan.FromSeconds(39));
        Assert.True(Exists("a"), "a node missing for less than the quarantine keeps its pods");
        Advance(TimeSpan.FromSeconds(2));
        Assert.False(Exists("a"));
        Assert.False(Exists("b"));
        Assert.True(Exists("c"));

        var last = LastVersion("a");
        Assert.Equal("Failed", new PodView(last).Phase);
        var condition = Conditions.Find(last.Status!, "DisruptionTarget")!;
        Assert.Equal("True", JsonTree.GetString(condition, "status"));
        Assert.Equal("DeletionByPodGC", JsonTree.GetString(condition, "reason"));
        Assert.Equal("PodGC: node no longer exists", JsonTree.GetString(condition, "message"));
        // An already terminated pod is deleted as it is.
        Assert.Equal("Succeeded", new PodView(LastVersion("b")).Phase);
        Assert.Null(Conditions.Find(LastVersion("b").Status!, "DisruptionTarget"));
    }

    [Fact]
    public void A_node_that_comes_back_within_the_quarantine_keeps_its_pods()
    {
        AddNode("n1");
        CreateBound("a", "n1");
        StartCollector();
        Ok(new DeleteObject(ResourceTypes.Nodes, null, "n1", new DeleteOptions()));
        Advance(TimeSpan.FromSeconds(30));
        AddNode("n1");
        Advance(TimeSpan.FromMinutes(2));
        Assert.True(Exists("a"));
        Assert.Equal("Running", new PodView(GetPod("a")).Phase);
    }

    [Fact]
    public void Terminated_pods_beyond_the_threshold_go_evicted_first_then_oldest()
    {
        AddNode("n1");
        StartCollector(threshold: 3);
        CreateBound("old-ok", "n1", phase: "Succeeded");
        Advance(TimeSpan.FromSeconds(1));
        CreateBound("old-failed", "n1", phase: "Failed");
        Advance(TimeSpan.FromSeconds(1));
        CreateBound("running", "n1");
        CreateBound("new-ok", "n1", phase: "Succeeded");
        Advance(TimeSpan.FromSeconds(1));
        Assert.True(Exists("old-ok"), "at the threshold nothing goes");
        CreateBound("evicted", "n1", phase: "Failed", reason: "Evicted");
        Advance(TimeSpan.FromSeconds(1));
        CreateBound("newest", "n1", phase: "Succeeded");
        Advance(PodGarbageCollector.CheckPeriod);

        Assert.False(Exists("evicted"));
        Assert.False(Exists("old-ok"));
        Assert.True(Exists("old-failed"));
        Assert.True(Exists("new-ok"));
        Assert.True(Exists("newest"));
        Assert.True(Exists("running"));
    }

    [Fact]
    public void A_threshold_of_zero_keeps_every_terminated_pod()
    {
        AddNode("n1");
        StartCollector(threshold: 0);
        CreateBound("done", "n1", phase: "Succeeded");
        Advance(TimeSpan.FromMinutes(1));
        Assert.True(Exists("done"));
    }

    [Fact]
    public void Unscheduled_terminating_pods_are_failed_and_force_deleted()
    {
        StartCollector();
        var pod = Pod("pending");
        pod["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        Ok(new CreateObject(ResourceTypes.Pods, pod));
        Ok(new DeleteObject(ResourceTypes.Pods, "default", "pending", new DeleteOptions()));
        Advance(PodGarbageCollector.CheckPeriod);
        var current = GetPod("pending");
        Assert.NotNull(current.DeletionTimestamp);
        Assert.Equal("Failed", new PodView(current).Phase);
        // The finalizer's owner lets go: the pod goes.
        current.SetFinalizers([]);
        Ok(new UpdateObject(ResourceTypes.Pods, current.Document));
        Settle();
        Assert.False(Exists("pending"));
    }

    private sealed class PodVersions : ReceiveActor
    {
        public PodVersions(ConcurrentQueue<KubeObject> versions) =>
            Receive<WatchEvent>(e =>
            {
                if (e.Type != WatchEventType.Deleted)
                {
                    versions.Enqueue(new KubeObject(e.Object.ToJsonObject()));
                }
            });
    }
}
