using System.Diagnostics;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Deployment;
using Emulator.ControlPlane.GarbageCollection;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// A Deployment asking for int32's maximum of replicas is valid Kubernetes: the controllers work through it in bursts of
/// <see cref="ReplicaSetController.BurstReplicas"/> (paced here as the controller manager's client rate limit paces
/// them, so that virtual time bounds the run), the store keeps answering, and scaling to 0 or deleting the Deployment
/// takes effect at once.
/// </summary>
public sealed class RunawayWorkloadTests : WorkloadTestKit
{
    private static readonly JsonObject AppLabels = Labels(("app", "huge"));

    public RunawayWorkloadTests()
    {
        StartReplicaSetController(burstPause: ReplicaSetController.ClientRateBurstPause);
        Sys.ActorOf(Props.Create(() => new DeploymentController(Store, Hub, Recorder, null)), "deployment-controller");
        Sys.ActorOf(Props.Create(() => new GarbageCollector(Store, Hub, new[] { Pods, Deployments, ReplicaSets }, TimeSpan.FromSeconds(10))), "garbage-collector");
    }

    private static JsonObject Deployment(int replicas) => Object("Deployment", "default", "huge", new JsonObject
    {
        ["replicas"] = replicas,
        ["selector"] = new JsonObject { ["matchLabels"] = AppLabels.DeepClone() },
        ["template"] = Template(AppLabels),
    });

    private int PodCount() => Request<ListReply>(new ListObjects(Pods, "default")).Items.Count;

    /// <summary>A read answered within a second of real time while the controllers work.</summary>
    private void StoreAnswersPromptly()
    {
        var watch = Stopwatch.StartNew();
        Store.Tell(new GetObject(Deployments, "default", "huge"), TestActor);
        ExpectMsg<StoreReply>(TimeSpan.FromSeconds(1));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"the store took {watch.Elapsed} to answer");
    }

    [Fact]
    public void A_deployment_with_int32_max_replicas_is_paced_and_scaling_to_zero_stops_it_at_once()
    {
        Ok(new CreateObject(Deployments, Deployment(int.MaxValue)));
        Settle();
        var rs = Assert.Single(List(ReplicaSets));
        // The new ReplicaSet asks for everything (maxSurge cannot take the total past int32).
        Assert.Equal(int.MaxValue, JsonTree.GetInt(rs.Document, "spec", "replicas"));

        // One burst at once, then one burst per pause: a minute of emulated time creates a bounded number of pods.
        var first = PodCount();
        Assert.Equal(ReplicaSetController.BurstReplicas, first);
        StoreAnswersPromptly();
        for (var second = 0; second < 60; second += 5)
        {
            Advance(TimeSpan.FromSeconds(5));
            StoreAnswersPromptly();
        }
        var afterAMinute = PodCount();
        var bursts = 1 + (int)Math.Floor(60 / ReplicaSetController.ClientRateBurstPause.TotalSeconds);
        Assert.InRange(afterAMinute, first + 1, bursts * ReplicaSetController.BurstReplicas);

        // kubectl scale --replicas=0: creation stops at once and the pods go (deleted a burst at a time).
        var d = Get(Deployments, "huge");
        d.EnsureSpec()["replicas"] = 0;
        Ok(new UpdateObject(Deployments, d.Document));
        Settle();
        Assert.True(PodCount() < afterAMinute, "scaling to 0 started no deletion");
        AwaitCondition(() =>
        {
            Advance(TimeSpan.FromSeconds(1));
            return PodCount() == 0;
        }, TimeSpan.FromSeconds(30), "pods left after scaling to 0");
        Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, PodCount());
        Assert.Equal(0, JsonTree.GetInt(Assert.Single(List(ReplicaSets)).Document, "spec", "replicas"));
    }

    [Fact]
    public void Deleting_a_runaway_deployment_stops_creation_and_its_pods_go()
    {
        Ok(new CreateObject(Deployments, Deployment(int.MaxValue)));
        Settle();
        Advance(TimeSpan.FromSeconds(30));
        Assert.True(PodCount() > 0);

        Ok(new DeleteObject(Deployments, "default", "huge", new DeleteOptions()));
        Settle();
        StoreAnswersPromptly();
        Assert.Equal(404, Send(new GetObject(Deployments, "default", "huge")).Error!.Code);
        // Background propagation: the garbage collector removes the ReplicaSet, then its pods; no pod is created meanwhile.
        AwaitCondition(() =>
        {
            Advance(TimeSpan.FromSeconds(1));
            return List(ReplicaSets).Count == 0 && PodCount() == 0;
        }, TimeSpan.FromSeconds(30), "the deployment's replica set or pods stayed");
        Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, PodCount());
    }
}
