using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Tests;

public sealed class ReplicaSetControllerTests : WorkloadTestKit
{
    private static readonly JsonObject AppLabels = Labels(("app", "web"));

    [Fact]
    public void Creates_pods_from_the_template_with_owner_references_and_events()
    {
        StartReplicaSetController();
        var rs = new KubeObject(Ok(new CreateObject(ReplicaSets, ReplicaSet("web", 3, AppLabels))).ToJsonObject());
        AwaitAssert(() => Assert.Equal(3, PodsOf(rs).Count));
        var pods = PodsOf(rs);
        Assert.All(pods, p =>
        {
            Assert.Matches("^web-[bcdfghjklmnpqrstvwxz2456789]{5}$", p.Name);
            Assert.Equal("web", p.Labels["app"]);
            var owner = p.ControllerReference!;
            Assert.Equal(("ReplicaSet", "web", true), (owner.Kind, owner.Name, owner.BlockOwnerDeletion == true));
        });
        AwaitAssert(() => Assert.Equal(pods.Select(p => $"Created pod: {p.Name}").Order(), EventMessages("SuccessfulCreate").Order()));
        var status = Get(ReplicaSets, "web").Status!;
        Assert.Equal(3, JsonTree.GetInt(status, "replicas"));
        Assert.Equal(0, JsonTree.GetInt(status, "readyReplicas"));
        Assert.Equal(1, JsonTree.GetInt(status, "observedGeneration"));

        KubeletStep();
        AwaitAssert(() =>
        {
            var s = Get(ReplicaSets, "web").Status!;
            Assert.Equal((3L, 3L, 3L), (JsonTree.GetInt(s, "readyReplicas")!.Value, JsonTree.GetInt(s, "availableReplicas")!.Value, JsonTree.GetInt(s, "fullyLabeledReplicas")!.Value));
        });
    }

    [Fact]
    public void Replaces_deleted_and_failed_pods_and_scales_down()
    {
        StartReplicaSetController();
        var rs = new KubeObject(Ok(new CreateObject(ReplicaSets, ReplicaSet("web", 2, AppLabels))).ToJsonObject());
        AwaitAssert(() => Assert.Equal(2, PodsOf(rs).Count));
        var first = PodsOf(rs)[0];
        Ok(new DeleteObject(Pods, "default", first.Name!, new DeleteOptions()));
        AwaitAssert(() => Assert.Equal(2, PodsOf(rs).Count(PodState.IsActive)));
        Assert.DoesNotContain(PodsOf(rs), p => p.Name == first.Name);

        // A Failed (evicted) pod is neither counted nor deleted.
        var failed = Get(Pods, PodsOf(rs)[0].Name!);
        failed.EnsureStatus()["phase"] = "Failed";
        failed.EnsureStatus()["reason"] = "Evicted";
        Ok(new UpdateObject(Pods, failed.Document, UpdateScope.Status));
        AwaitAssert(() => Assert.Equal(2, PodsOf(rs).Count(PodState.IsActive)));
        Assert.Contains(PodsOf(rs), p => p.Name == failed.Name);

        var scaled = Get(ReplicaSets, "web");
        new WorkloadView(scaled).Replicas = 0;
        Ok(new UpdateObject(ReplicaSets, scaled.Document));
        AwaitAssert(() => Assert.Equal(0, PodsOf(rs).Count(PodState.IsActive)));
        Assert.Contains(PodsOf(rs), p => p.Name == failed.Name);
        Assert.Equal(2, EventMessages("SuccessfulDelete").Count);
        AwaitAssert(() => Assert.Equal(2, JsonTree.GetInt(Get(ReplicaSets, "web").Status, "observedGeneration")));
    }

    [Fact]
    public void Scaling_down_bound_pods_deletes_exactly_the_surplus_while_they_terminate()
    {
        StartReplicaSetController();
        var rs = new KubeObject(Ok(new CreateObject(ReplicaSets, ReplicaSet("web", 4, AppLabels))).ToJsonObject());
        AwaitAssert(() => Assert.Equal(4, PodsOf(rs).Count));
        KubeletStep();
        var scaled = Get(ReplicaSets, "web");
        new WorkloadView(scaled).Replicas = 1;
        Ok(new UpdateObject(ReplicaSets, scaled.Document));
        RunUntilIdleIfDeterministic();
        // The kubelet has not confirmed the kills: three pods terminate, one stays, no more are deleted or created.
        var pods = PodsOf(rs);
        Assert.Equal(4, pods.Count);
        Assert.Equal(3, pods.Count(p => p.DeletionTimestamp is not null));
        Assert.Equal(3, EventMessages("SuccessfulDelete").Count);
        AwaitAssert(() => Assert.Equal(1, JsonTree.GetInt(Get(ReplicaSets, "web").Status, "replicas")));
        KubeletStep();
        Assert.Single(PodsOf(rs));
    }

    [Fact]
    public void Creates_exactly_the_requested_number_of_pods()
    {
        StartReplicaSetController();
        var rs = new KubeObject(Ok(new CreateObject(ReplicaSets, ReplicaSet("big", 20, AppLabels))).ToJsonObject());
        AwaitAssert(() => Assert.Equal(20, PodsOf(rs).Count));
        RunUntilIdleIfDeterministic();
        Assert.Equal(20, PodsOf(rs).Count);
        // client-go's event correlator: nine Events as they are, the other eleven creates combined into one.
        var events = EventMessages("SuccessfulCreate");
        Assert.Equal(10, events.Count);
        Assert.Single(events, m => m.StartsWith("(combined from similar events): Created pod: big-", StringComparison.Ordinal));
    }

    /// <summary>Stands between a controller and the store; records how many creates each burst sent (a burst ends when all its replies are in).</summary>
    private sealed class CreateBatches(IActorRef store, List<int> batches) : UntypedActor
    {
        private readonly Queue<IActorRef> _senders = new();
        private int _outstanding;

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case StoreReply or ListReply:
                    if (message is StoreReply && _outstanding > 0)
                    {
                        _outstanding--;
                    }
                    _senders.Dequeue().Tell(message, Self);
                    break;
                case StoreCommand command:
                    if (command is CreateObject)
                    {
                        if (_outstanding == 0)
                        {
                            batches.Add(0);
                        }
                        batches[^1]++;
                        _outstanding++;
                    }
                    _senders.Enqueue(Sender);
                    store.Tell(command, Self);
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }
    }

    [Fact]
    public void Creates_in_slow_start_batches_each_waiting_for_the_previous()
    {
        var batches = new List<int>();
        var proxy = Sys.ActorOf(Props.Create(() => new CreateBatches(Store, batches)), "store-proxy");
        Sys.ActorOf(Props.Create(() => new ReplicaSetController(proxy, Hub, Recorder, null)), "replicaset-controller");
        var rs = new KubeObject(Ok(new CreateObject(ReplicaSets, ReplicaSet("batched", 20, AppLabels))).ToJsonObject());
        AwaitAssert(() => Assert.Equal(20, PodsOf(rs).Count));
        RunUntilIdleIfDeterministic();
        Assert.Equal([1, 2, 4, 8, 5], batches);
    }

    [Fact]
    public void Adopts_matching_orphans_and_releases_pods_that_stop_matching()
    {
        Ok(new CreateObject(Pods, Pod("orphan", labels: Labels(("app", "web")))));
        Ok(new CreateObject(Pods, Pod("other", labels: Labels(("app", "db")))));
        StartReplicaSetController();
        var rs = new KubeObject(Ok(new CreateObject(ReplicaSets, ReplicaSet("web", 2, AppLabels))).ToJsonObject());
        AwaitAssert(() => Assert.Equal(2, PodsOf(rs).Count));
        Assert.Contains(PodsOf(rs), p => p.Name == "orphan");
        Assert.Null(Get(Pods, "other").ControllerReference);

        // Relabelled: released (owner reference removed) and replaced.
        var relabelled = Get(Pods, "orphan");
        relabelled.SetLabel("app", "debug");
        Ok(new UpdateObject(Pods, relabelled.Document));
        AwaitAssert(() => Assert.Null(Get(Pods, "orphan").ControllerReference));
        AwaitAssert(() => Assert.Equal(2, PodsOf(rs).Count));
        Assert.DoesNotContain(PodsOf(rs), p => p.Name == "orphan");
    }

    [Fact]
    public void Does_not_adopt_while_being_deleted()
    {
        StartReplicaSetController();
        var rs = ReplicaSet("going", 1, AppLabels);
        rs["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        var created = new KubeObject(Ok(new CreateObject(ReplicaSets, rs)).ToJsonObject());
        AwaitAssert(() => Assert.Single(PodsOf(created)));
        Ok(new DeleteObject(ReplicaSets, "default", "going", new DeleteOptions(PropagationPolicy: "Orphan")));
        Ok(new CreateObject(Pods, Pod("late", labels: Labels(("app", "web")))));
        RunUntilIdleIfDeterministic();
        Assert.Null(Get(Pods, "late").ControllerReference);
    }

    [Fact]
    public void Scale_down_ranking_follows_kubernetes()
    {
        var now = DateTimeOffset.Parse("2026-01-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        KubeObject P(string name, string? node = "n1", string phase = "Running", DateTimeOffset? readySince = null, int cost = 0, int restarts = 0, int createdAgo = 1000)
        {
            var pod = KubeObject.Create("v1", "Pod", name, "default");
            pod.Metadata["uid"] = name;
            pod.Metadata["creationTimestamp"] = Rfc3339Time.Format(now.AddSeconds(-createdAgo));
            if (cost != 0)
            {
                pod.SetAnnotation(PodState.DeletionCostAnnotation, cost.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            if (node is not null)
            {
                pod.EnsureSpec()["nodeName"] = node;
            }
            var status = pod.EnsureStatus();
            status["phase"] = phase;
            if (readySince is { } since)
            {
                Conditions.Set(status, "Ready", "True", null, null, since);
            }
            status["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = "app", ["restartCount"] = restarts });
            return pod;
        }
        var ready = now.AddHours(-5);
        var pods = new[]
        {
            P("old-ready", readySince: ready, createdAgo: 20000),
            P("unscheduled", node: null, phase: "Pending"),
            P("pending", phase: "Pending"),
            P("unknown", phase: "Unknown"),
            P("not-ready"),
            P("cheap", readySince: ready, cost: -10),
            P("expensive", readySince: ready, cost: 100),
            P("crowded", node: "n2", readySince: ready),
            P("crowded-2", node: "n2", readySince: ready, createdAgo: 20000),
            P("recent", node: "n3", readySince: now.AddSeconds(-10)),
            P("restarting", node: "n4", readySince: ready, restarts: 5),
            P("newer", node: "n5", readySince: ready, createdAgo: 10),
        };
        var order = new ScaleDownRanking(pods, now).Order(pods.Reverse()).Select(p => p.Name!).ToArray();
        // n1 holds six pods (most crowded), n2 two; equal ready times fall through to restarts, then newer first.
        Assert.Equal(new[] { "unscheduled", "pending", "unknown", "not-ready", "cheap", "old-ready", "crowded", "crowded-2", "recent", "restarting", "newer", "expensive" }, order);
    }

    [Fact]
    public void Available_replicas_wait_for_min_ready_seconds()
    {
        StartReplicaSetController();
        var rs = new KubeObject(Ok(new CreateObject(ReplicaSets, ReplicaSet("slow", 2, AppLabels, minReadySeconds: 30))).ToJsonObject());
        AwaitAssert(() => Assert.Equal(2, PodsOf(rs).Count));
        KubeletStep();
        AwaitAssert(() => Assert.Equal(2, JsonTree.GetInt(Get(ReplicaSets, "slow").Status, "readyReplicas")));
        Assert.Equal(0, JsonTree.GetInt(Get(ReplicaSets, "slow").Status, "availableReplicas"));
        Advance(TimeSpan.FromSeconds(32));
        AwaitAssert(() => Assert.Equal(2, JsonTree.GetInt(Get(ReplicaSets, "slow").Status, "availableReplicas")));
    }

    [Fact]
    public void A_failed_create_sets_replica_failure_and_records_failed_create()
    {
        // The namespace is terminating before the controller starts, so every pod create is refused.
        var rs = ReplicaSet("lost", 1, AppLabels);
        rs["metadata"]!["namespace"] = "missing";
        Ok(new CreateObject(Namespaces, Object("Namespace", null, "missing")));
        Ok(new CreateObject(ReplicaSets, rs));
        Ok(new DeleteObject(Namespaces, null, "missing", new DeleteOptions()));
        var events = CreateTestProbe();
        StartReplicaSetController(events: events.Ref);
        AwaitAssert(() => Assert.True(Conditions.IsTrue(Get(ReplicaSets, "lost", "missing").Status ?? [], "ReplicaFailure")));
        var condition = Conditions.Find(Get(ReplicaSets, "lost", "missing").Status!, "ReplicaFailure")!;
        Assert.Equal("FailedCreate", JsonTree.GetString(condition, "reason"));
        Assert.Contains("being terminated", JsonTree.GetString(condition, "message"), StringComparison.Ordinal);
        var recorded = events.FishForMessage<Events.RecordEvent>(e => e.Reason == "FailedCreate");
        Assert.Equal("Warning", recorded.Type);
        Assert.StartsWith("Error creating: ", recorded.Message, StringComparison.Ordinal);
        Assert.Empty(List(Pods, "missing"));
    }
}
