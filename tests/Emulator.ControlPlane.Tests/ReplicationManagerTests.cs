using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.ReplicationController;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Tests;

/// <summary>The replication manager: the ReplicaSet controller's reconcile over v1 ReplicationControllers.</summary>
public sealed class ReplicationManagerTests : WorkloadTestKit
{
    private static readonly ResourceType ReplicationControllers = ResourceTypes.Of("", "replicationcontrollers");

    private void StartReplicationManager(IActorRef? events = null)
    {
        var recorder = events ?? Recorder;
        Sys.ActorOf(Props.Create(() => new ReplicationManager(Store, Hub, recorder, null, default)), "replication-manager");
    }

    /// <summary>An RC as the public examples write it: no selector (defaulted from the template's labels).</summary>
    private static JsonObject ReplicationController(string name, int replicas, JsonObject labels, JsonObject? selector = null)
    {
        var spec = new JsonObject { ["replicas"] = replicas, ["template"] = Template(labels) };
        spec["template"]!["spec"]!["restartPolicy"] = "Always";
        if (selector is not null)
        {
            spec["selector"] = selector;
        }
        return Object("ReplicationController", "default", name, spec);
    }

    private KubeObject CreateRc(JsonObject rc) => new(Ok(new CreateObject(ReplicationControllers, rc)).ToJsonObject());

    [Fact]
    public void Creates_pods_owned_by_the_replication_controller_and_reports_status()
    {
        var events = CreateTestProbe();
        StartReplicationManager(events.Ref);
        var rc = CreateRc(ReplicationController("frontend", 3, Labels(("app", "guestbook"), ("tier", "frontend"))));
        Assert.Equal("frontend", JsonTree.GetString(rc.Document, "spec", "selector", "tier"));
        AwaitAssert(() => Assert.Equal(3, PodsOf(rc).Count));
        Assert.All(PodsOf(rc), p =>
        {
            Assert.StartsWith("frontend-", p.Name, StringComparison.Ordinal);
            var owner = p.ControllerReference!;
            Assert.Equal(("v1", "ReplicationController", "frontend", true), (owner.ApiVersion, owner.Kind, owner.Name, owner.BlockOwnerDeletion == true));
            Assert.Equal("guestbook", p.Labels["app"]);
        });
        var created = events.FishForMessage<Events.RecordEvent>(e => e.Reason == "SuccessfulCreate");
        Assert.Equal(ReplicationManager.Component, created.Component);
        Assert.Equal(("ReplicationController", "frontend"), (created.Object.Kind, created.Object.Name));
        Assert.StartsWith("Created pod: frontend-", created.Message, StringComparison.Ordinal);

        KubeletStep();
        AwaitAssert(() =>
        {
            var status = Get(ReplicationControllers, "frontend").Status!;
            Assert.Equal(3, JsonTree.GetInt(status, "replicas"));
            Assert.Equal(3, JsonTree.GetInt(status, "fullyLabeledReplicas"));
            Assert.Equal(3, JsonTree.GetInt(status, "readyReplicas"));
            Assert.Equal(3, JsonTree.GetInt(status, "availableReplicas"));
            Assert.Equal(1, JsonTree.GetInt(status, "observedGeneration"));
        });
    }

    [Fact]
    public void Replaces_a_deleted_pod_and_follows_scaling()
    {
        StartReplicationManager();
        var rc = CreateRc(ReplicationController("nginx", 2, Labels(("app", "nginx"))));
        AwaitAssert(() => Assert.Equal(2, PodsOf(rc).Count));
        var first = PodsOf(rc)[0];
        Ok(new DeleteObject(Pods, "default", first.Name!, new DeleteOptions()));
        AwaitAssert(() => Assert.Equal(2, PodsOf(rc).Count(PodState.IsActive)));
        Assert.DoesNotContain(PodsOf(rc), p => p.Name == first.Name);

        var scaled = Get(ReplicationControllers, "nginx");
        new WorkloadView(scaled).Replicas = 5;
        Ok(new UpdateObject(ReplicationControllers, scaled.Document));
        AwaitAssert(() => Assert.Equal(5, PodsOf(rc).Count(PodState.IsActive)));

        scaled = Get(ReplicationControllers, "nginx");
        new WorkloadView(scaled).Replicas = 1;
        Ok(new UpdateObject(ReplicationControllers, scaled.Document));
        AwaitAssert(() => Assert.Equal(1, PodsOf(rc).Count(PodState.IsActive)));
        Assert.Equal(4, EventMessages("SuccessfulDelete").Count);
        AwaitAssert(() =>
        {
            var status = Get(ReplicationControllers, "nginx").Status!;
            Assert.Equal((1L, 3L), (JsonTree.GetInt(status, "replicas")!.Value, JsonTree.GetInt(status, "observedGeneration")!.Value));
        });
    }

    [Fact]
    public void Adopts_orphans_by_equality_selector_and_releases_relabelled_pods()
    {
        // The selector is a subset of the template's labels: pods need only the selector's pairs to be adopted.
        Ok(new CreateObject(Pods, Pod("orphan", labels: Labels(("app", "redis")))));
        Ok(new CreateObject(Pods, Pod("other", labels: Labels(("app", "db")))));
        Ok(new CreateObject(Pods, Pod("owned-elsewhere", labels: Labels(("app", "redis")))));
        var elsewhere = Get(Pods, "owned-elsewhere");
        elsewhere.SetOwnerReferences([new OwnerReference("apps/v1", "ReplicaSet", "someone", "uid-someone", Controller: true)]);
        Ok(new UpdateObject(Pods, elsewhere.Document));
        StartReplicationManager();
        var rc = CreateRc(ReplicationController("redis", 2, Labels(("app", "redis"), ("role", "leader")), selector: Labels(("app", "redis"))));
        AwaitAssert(() => Assert.Equal(2, PodsOf(rc).Count));
        Assert.Contains(PodsOf(rc), p => p.Name == "orphan");
        Assert.Null(Get(Pods, "other").ControllerReference);
        Assert.Equal("someone", Get(Pods, "owned-elsewhere").ControllerReference!.Name);

        // A fully labelled pod has every template label; the adopted orphan lacks role=leader.
        AwaitAssert(() => Assert.Equal(1, JsonTree.GetInt(Get(ReplicationControllers, "redis").Status, "fullyLabeledReplicas")));

        var relabelled = Get(Pods, "orphan");
        relabelled.SetLabel("app", "debug");
        Ok(new UpdateObject(Pods, relabelled.Document));
        AwaitAssert(() => Assert.Null(Get(Pods, "orphan").ControllerReference));
        AwaitAssert(() => Assert.Equal(2, PodsOf(rc).Count));
        Assert.DoesNotContain(PodsOf(rc), p => p.Name == "orphan");
    }

    [Fact]
    public void Ignores_replica_sets_and_their_pods()
    {
        StartReplicationManager();
        var rs = new KubeObject(Ok(new CreateObject(ReplicaSets, ReplicaSet("web", 2, Labels(("app", "web"))))).ToJsonObject());
        RunUntilIdleIfDeterministic();
        Assert.Empty(PodsOf(rs));
        var rc = CreateRc(ReplicationController("web", 1, Labels(("app", "web"))));
        AwaitAssert(() => Assert.Single(PodsOf(rc)));
        RunUntilIdleIfDeterministic();
        Assert.Single(List(Pods));
    }

    [Fact]
    public void A_failed_create_sets_replica_failure()
    {
        var rc = ReplicationController("lost", 1, Labels(("app", "lost")));
        rc["metadata"]!["namespace"] = "missing";
        Ok(new CreateObject(Namespaces, Object("Namespace", null, "missing")));
        Ok(new CreateObject(ReplicationControllers, rc));
        Ok(new DeleteObject(Namespaces, null, "missing", new DeleteOptions()));
        StartReplicationManager();
        AwaitAssert(() => Assert.True(Conditions.IsTrue(Get(ReplicationControllers, "lost", "missing").Status ?? [], "ReplicaFailure")));
        var condition = Conditions.Find(Get(ReplicationControllers, "lost", "missing").Status!, "ReplicaFailure")!;
        Assert.Equal("FailedCreate", JsonTree.GetString(condition, "reason"));
        Assert.Contains("being terminated", JsonTree.GetString(condition, "message"), StringComparison.Ordinal);
    }
}
