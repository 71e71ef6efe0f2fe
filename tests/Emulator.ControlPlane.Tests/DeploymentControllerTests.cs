using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Deployment;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Tests;

public sealed class DeploymentControllerTests : WorkloadTestKit
{
    private static readonly JsonObject AppLabels = Labels(("app", "web"));

    public DeploymentControllerTests()
    {
        ReplicaSetControllerRef = StartReplicaSetController();
        DeploymentControllerRef = StartDeploymentController();
    }

    private IActorRef ReplicaSetControllerRef { get; }

    private IActorRef DeploymentControllerRef { get; set; }

    private IActorRef StartDeploymentController(string name = "deployment-controller") =>
        Sys.ActorOf(Props.Create(() => new DeploymentController(Store, Hub, Recorder, null)), name);

    private static JsonObject Deployment(string name, int replicas, string image = "nginx:1.25", JsonObject? strategy = null, Action<JsonObject>? spec = null)
    {
        var body = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = AppLabels.DeepClone() },
            ["template"] = Template(AppLabels, image),
        };
        if (strategy is not null)
        {
            body["strategy"] = strategy;
        }
        spec?.Invoke(body);
        return Object("Deployment", "default", name, body);
    }

    private static JsonObject Rolling(object maxSurge, object maxUnavailable) => new()
    {
        ["type"] = "RollingUpdate",
        ["rollingUpdate"] = new JsonObject { ["maxSurge"] = JsonValue.Create(maxSurge), ["maxUnavailable"] = JsonValue.Create(maxUnavailable) },
    };

    private KubeObject Deploy(JsonObject deployment) => new(Ok(new CreateObject(Deployments, deployment)).ToJsonObject());

    private void Change(string name, Action<KubeObject> change)
    {
        var d = Get(Deployments, name);
        change(d);
        Ok(new UpdateObject(Deployments, d.Document));
    }

    private static void SetImage(KubeObject d, string image) =>
        ((JsonObject)JsonTree.GetArray(d.Document, "spec", "template", "spec", "containers")![0]!)["image"] = image;

    private List<KubeObject> ReplicaSetsOf(string deployment)
    {
        var d = Get(Deployments, deployment);
        // Oldest first: by first revision (creation timestamps have a one-second resolution).
        return List(ReplicaSets).Where(r => r.ControllerReference?.Uid == d.Uid)
            .OrderBy(r => long.Parse(r.Annotations.GetValueOrDefault(DeploymentAnnotations.RevisionHistory, "")?.Split(',')[0] is { Length: > 0 } first ? first : r.Annotations.GetValueOrDefault(DeploymentAnnotations.Revision, "0"), System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
    }

    private List<KubeObject> ActivePodsOf(string deployment)
    {
        var owners = ReplicaSetsOf(deployment).Select(r => r.Uid).ToHashSet();
        return List(Pods).Where(p => owners.Contains(p.ControllerReference?.Uid) && PodState.IsActive(p)).ToList();
    }

    /// <summary>kubectl rollout status: done when observed, updated == replicas == available.</summary>
    private bool RolloutDone(string name)
    {
        var d = Get(Deployments, name);
        var status = d.Status;
        var replicas = new WorkloadView(d).Replicas;
        return (d.Generation ?? 0) <= (JsonTree.GetInt(status, "observedGeneration") ?? 0)
            && JsonTree.GetInt(status, "updatedReplicas") == replicas
            && JsonTree.GetInt(status, "replicas") == replicas
            && JsonTree.GetInt(status, "availableReplicas") == replicas;
    }

    /// <summary>Plays kubelets one pod at a time until the rollout is done, checking <paramref name="invariant"/> after every step.</summary>
    private int RunRollout(string name, Action? invariant = null, int readyPerStep = 1, int maxSteps = 300)
    {
        RunUntilIdleIfDeterministic();
        for (var step = 0; step < maxSteps; step++)
        {
            invariant?.Invoke();
            if (RolloutDone(name) && ActivePodsOf(name).Count == new WorkloadView(Get(Deployments, name)).Replicas)
            {
                return step;
            }
            KubeletStep(readyPerStep);
        }
        throw new InvalidOperationException($"rollout of {name} did not finish: {Get(Deployments, name).Status?.ToJsonString()}");
    }

    private static JsonObject? Condition(KubeObject d, string type) => d.Status is { } s ? DeploymentConditions.Find(s, type) : null;

    [Fact]
    public void Creates_a_replica_set_with_hash_name_labels_annotations_and_pods()
    {
        var created = Deploy(Deployment("web", 3));
        var annotated = Get(Deployments, "web");
        annotated.SetAnnotation("kubernetes.io/change-cause", "first");
        annotated.SetAnnotation("kubectl.kubernetes.io/last-applied-configuration", "{}");
        Ok(new UpdateObject(Deployments, annotated.Document));
        RunRollout("web");

        var live = Get(Deployments, "web");
        var rs = Assert.Single(ReplicaSetsOf("web"));
        var hash = PodTemplateHash.Compute(new WorkloadView(live).Template, null);
        Assert.Equal($"web-{hash}", rs.Name);
        Assert.Equal(hash, rs.Labels[PodTemplateHash.LabelKey]);
        Assert.Equal(hash, JsonTree.GetString(rs.Document, "spec", "selector", "matchLabels", PodTemplateHash.LabelKey));
        Assert.Equal(hash, JsonTree.GetString(rs.Document, "spec", "template", "metadata", "labels", PodTemplateHash.LabelKey));
        var owner = rs.ControllerReference!;
        Assert.Equal(("Deployment", "web", created.Uid, true), (owner.Kind, owner.Name, owner.Uid, owner.BlockOwnerDeletion == true));
        Assert.Equal("1", rs.Annotations[DeploymentAnnotations.Revision]);
        Assert.Equal("3", rs.Annotations[DeploymentAnnotations.DesiredReplicas]);
        Assert.Equal("4", rs.Annotations[DeploymentAnnotations.MaxReplicas]);
        Assert.Equal("first", rs.Annotations["kubernetes.io/change-cause"]);
        Assert.False(rs.Annotations.ContainsKey("kubectl.kubernetes.io/last-applied-configuration"));
        Assert.Equal("1", live.Annotations[DeploymentAnnotations.Revision]);

        var pods = ActivePodsOf("web");
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p => Assert.StartsWith($"web-{hash}-", p.Name, StringComparison.Ordinal));
        Assert.All(pods, p => Assert.Equal(hash, p.Labels[PodTemplateHash.LabelKey]));

        var status = live.Status!;
        Assert.Equal((3L, 3L, 3L, 3L, 0L), (JsonTree.GetInt(status, "replicas")!.Value, JsonTree.GetInt(status, "updatedReplicas")!.Value,
            JsonTree.GetInt(status, "readyReplicas")!.Value, JsonTree.GetInt(status, "availableReplicas")!.Value, JsonTree.GetInt(status, "unavailableReplicas")!.Value));
        var available = Condition(live, "Available")!;
        Assert.Equal(("True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
            (JsonTree.GetString(available, "status"), JsonTree.GetString(available, "reason"), JsonTree.GetString(available, "message")));
        var progressing = Condition(live, "Progressing")!;
        Assert.Equal(("True", "NewReplicaSetAvailable", $"ReplicaSet \"web-{hash}\" has successfully progressed."),
            (JsonTree.GetString(progressing, "status"), JsonTree.GetString(progressing, "reason"), JsonTree.GetString(progressing, "message")));
        Assert.Contains($"Scaled up replica set web-{hash} from 0 to 3", EventMessages("ScalingReplicaSet"));
    }

    [Theory]
    [InlineData(10, "25%", "25%")]
    [InlineData(3, 1, 0)]
    [InlineData(4, 0, 1)]
    public void Rolling_update_keeps_availability_and_surge_bounds(int replicas, object maxSurge, object maxUnavailable)
    {
        Deploy(Deployment("web", replicas, strategy: Rolling(maxSurge, maxUnavailable)));
        RunRollout("web", readyPerStep: int.MaxValue);
        var bounds = new WorkloadView(Get(Deployments, "web")).RollingUpdateBounds;

        // Every pod change of the rollout, in store order, to check the bounds at each one (not only between steps).
        var listed = Request<ListReply>(new ListObjects(Pods, "default"));
        var seen = listed.Items.ToDictionary(i => i.Name, i => new KubeObject(i.ToJsonObject()));
        var changes = CreateTestProbe();
        Hub.Tell(new StartWatch(Pods.Key, "default", listed.ResourceVersion, null, changes.Ref));
        RunUntilIdleIfDeterministic();

        Change("web", d => SetImage(d, "nginx:1.26"));
        var maxTotal = 0;
        var minAvailable = int.MaxValue;
        RunRollout("web", () =>
        {
            var pods = ActivePodsOf("web");
            var ready = pods.Count(PodState.IsReady);
            maxTotal = Math.Max(maxTotal, pods.Count);
            minAvailable = Math.Min(minAvailable, ready);
            Assert.True(pods.Count <= replicas + bounds.MaxSurge, $"{pods.Count} pods > {replicas} + {bounds.MaxSurge}");
            Assert.True(ready >= replicas - bounds.MaxUnavailable, $"{ready} ready < {replicas} - {bounds.MaxUnavailable}");
        });
        Assert.Equal(replicas + bounds.MaxSurge, maxTotal);
        var events = 0;
        while (changes.ReceiveOne(TimeSpan.Zero) is WatchEvent change)
        {
            events++;
            if (change.Type == WatchEventType.Deleted)
            {
                seen.Remove(change.Object.Name);
            }
            else
            {
                seen[change.Object.Name] = new KubeObject(change.Object.ToJsonObject());
            }
            var active = seen.Values.Where(PodState.IsActive).ToList();
            Assert.True(active.Count <= replicas + bounds.MaxSurge, $"after event {events}: {active.Count} pods > {replicas} + {bounds.MaxSurge}");
            Assert.True(active.Count(PodState.IsReady) >= replicas - bounds.MaxUnavailable, $"after event {events}: {active.Count(PodState.IsReady)} ready < {replicas} - {bounds.MaxUnavailable}");
        }
        Assert.True(events > replicas * 3);

        var sets = ReplicaSetsOf("web");
        Assert.Equal(2, sets.Count);
        Assert.Equal(0, new WorkloadView(sets[0]).Replicas);
        Assert.Equal(replicas, new WorkloadView(sets[1]).Replicas);
        Assert.Equal("2", sets[1].Annotations[DeploymentAnnotations.Revision]);
        Assert.All(ActivePodsOf("web"), p => Assert.Equal(sets[1].Uid, p.ControllerReference!.Uid));
        Assert.Contains(EventMessages("ScalingReplicaSet"), m => m.StartsWith($"Scaled down replica set {sets[0].Name} from {replicas} to ", StringComparison.Ordinal));
        Assert.Equal("2", Get(Deployments, "web").Annotations[DeploymentAnnotations.Revision]);
    }

    [Fact]
    public void Recreate_never_runs_old_and_new_pods_together()
    {
        Deploy(Deployment("web", 3, strategy: new JsonObject { ["type"] = "Recreate" }));
        RunRollout("web", readyPerStep: int.MaxValue);
        var first = Assert.Single(ReplicaSetsOf("web"));

        Change("web", d => SetImage(d, "nginx:1.26"));
        RunRollout("web", () =>
        {
            // Terminating pods count as old pods still running.
            var owners = ReplicaSetsOf("web").ToDictionary(r => r.Uid!, r => r.Uid == first.Uid);
            var pods = List(Pods).Where(p => owners.ContainsKey(p.ControllerReference?.Uid ?? "") && PodState.IsNonTerminal(p)).ToList();
            Assert.False(pods.Any(p => owners[p.ControllerReference!.Uid]) && pods.Any(p => !owners[p.ControllerReference!.Uid]),
                "old and new pods at once");
        });
        Assert.Equal(2, ReplicaSetsOf("web").Count);
    }

    [Fact]
    public void Undo_reuses_the_old_replica_set_and_bumps_its_revision()
    {
        Deploy(Deployment("web", 2));
        RunRollout("web", readyPerStep: int.MaxValue);
        var v1 = Get(Deployments, "web");
        var v1Template = new WorkloadView(v1).Template!.DeepClone();
        Change("web", d => SetImage(d, "nginx:1.26"));
        RunRollout("web", readyPerStep: int.MaxValue);
        Assert.Equal(2, ReplicaSetsOf("web").Count);

        // kubectl rollout undo: the old ReplicaSet's template (minus pod-template-hash) goes back into the Deployment.
        var old = ReplicaSetsOf("web")[0];
        var template = (JsonObject)new WorkloadView(old).Template!.DeepClone();
        ((JsonObject)template["metadata"]!["labels"]!).Remove(PodTemplateHash.LabelKey);
        Assert.True(PodTemplateHash.EqualIgnoringHash(template, v1Template));
        Change("web", d => d.EnsureSpec()["template"] = template);
        RunRollout("web", readyPerStep: int.MaxValue);

        var sets = ReplicaSetsOf("web");
        Assert.Equal(2, sets.Count);
        var reused = sets.Single(r => r.Uid == old.Uid);
        Assert.Equal("3", reused.Annotations[DeploymentAnnotations.Revision]);
        Assert.Equal("1", reused.Annotations[DeploymentAnnotations.RevisionHistory]);
        Assert.Equal(2, new WorkloadView(reused).Replicas);
        Assert.Equal(0, new WorkloadView(sets.Single(r => r.Uid != old.Uid)).Replicas);
        Assert.Equal("3", Get(Deployments, "web").Annotations[DeploymentAnnotations.Revision]);
    }

    [Fact]
    public void Old_replica_sets_beyond_the_revision_history_limit_are_deleted()
    {
        Deploy(Deployment("web", 1, spec: s => s["revisionHistoryLimit"] = 1));
        RunRollout("web", readyPerStep: int.MaxValue);
        foreach (var image in new[] { "nginx:1.26", "nginx:1.27", "nginx:1.28" })
        {
            Change("web", d => SetImage(d, image));
            RunRollout("web", readyPerStep: int.MaxValue);
        }
        AwaitAssert(() => Assert.Equal(2, ReplicaSetsOf("web").Count));
        var sets = ReplicaSetsOf("web");
        Assert.Equal(["3", "4"], sets.Select(r => r.Annotations[DeploymentAnnotations.Revision]).Order().ToArray());
    }

    [Fact]
    public void A_paused_deployment_does_not_roll_out_until_resumed()
    {
        Deploy(Deployment("web", 2));
        RunRollout("web", readyPerStep: int.MaxValue);
        Change("web", d => d.EnsureSpec()["paused"] = true);
        RunUntilIdleIfDeterministic();
        Change("web", d => SetImage(d, "nginx:1.26"));
        KubeletStep();
        AwaitAssert(() =>
        {
            var progressing = Condition(Get(Deployments, "web"), "Progressing")!;
            Assert.Equal(("Unknown", "DeploymentPaused", "Deployment is paused"),
                (JsonTree.GetString(progressing, "status"), JsonTree.GetString(progressing, "reason"), JsonTree.GetString(progressing, "message")));
        });
        Assert.Single(ReplicaSetsOf("web"));

        // Scaling while paused still works.
        Change("web", d => new WorkloadView(d).Replicas = 3);
        KubeletStep();
        AwaitAssert(() => Assert.Equal(3, ActivePodsOf("web").Count));
        Assert.Single(ReplicaSetsOf("web"));

        Change("web", d => d.EnsureSpec()["paused"] = false);
        RunUntilIdleIfDeterministic();
        Assert.Equal(2, ReplicaSetsOf("web").Count);
        RunRollout("web");
        Assert.Equal(3, ActivePodsOf("web").Count);
        Assert.Equal("NewReplicaSetAvailable", JsonTree.GetString(Condition(Get(Deployments, "web"), "Progressing"), "reason"));
    }

    [Fact]
    public void A_stuck_rollout_exceeds_its_progress_deadline()
    {
        Deploy(Deployment("web", 2, spec: s => s["progressDeadlineSeconds"] = 60));
        RunRollout("web", readyPerStep: int.MaxValue);
        Change("web", d => SetImage(d, "nginx:broken"));
        RunUntilIdleIfDeterministic();
        // The new pods never become ready.
        Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("True", JsonTree.GetString(Condition(Get(Deployments, "web"), "Progressing"), "status"));
        Advance(TimeSpan.FromSeconds(35));
        AwaitAssert(() =>
        {
            var d = Get(Deployments, "web");
            var progressing = Condition(d, "Progressing")!;
            var newRs = ReplicaSetsOf("web").Last();
            Assert.Equal(("False", "ProgressDeadlineExceeded", $"ReplicaSet \"{newRs.Name}\" has timed out progressing."),
                (JsonTree.GetString(progressing, "status"), JsonTree.GetString(progressing, "reason"), JsonTree.GetString(progressing, "message")));
        });
        // Later progress clears it.
        RunRollout("web");
        Assert.Equal("NewReplicaSetAvailable", JsonTree.GetString(Condition(Get(Deployments, "web"), "Progressing"), "reason"));
    }

    [Fact]
    public void Scaling_mid_rollout_is_proportional()
    {
        Deploy(Deployment("web", 10, strategy: Rolling(3, 2)));
        RunRollout("web", readyPerStep: int.MaxValue);
        Change("web", d => SetImage(d, "nginx:1.26"));
        // The new pods never become ready: the rollout stops at 8 old + 5 new (10 + 3 surge).
        RunUntilIdleIfDeterministic();
        KubeletStep(readyBudget: 0);
        AwaitAssert(() => Assert.Equal([8, 5], ReplicaSetsOf("web").Select(r => new WorkloadView(r).Replicas).ToArray()));

        Change("web", d => new WorkloadView(d).Replicas = 15);
        RunUntilIdleIfDeterministic();
        AwaitAssert(() => Assert.Equal([11, 7], ReplicaSetsOf("web").Select(r => new WorkloadView(r).Replicas).ToArray()));
    }

    [Fact]
    public void Adopts_a_matching_orphan_replica_set_and_scales_it_down()
    {
        var legacy = ReplicaSet("legacy", 2, AppLabels);
        legacy["spec"]!["template"] = Template(AppLabels, "nginx:1.0");
        legacy["metadata"]!["labels"] = AppLabels.DeepClone();
        Ok(new CreateObject(ReplicaSets, legacy));
        KubeletStep();
        RunUntilIdleIfDeterministic();
        KubeletStep();
        Deploy(Deployment("web", 2));
        RunRollout("web");
        var d = Get(Deployments, "web");
        var adopted = Get(ReplicaSets, "legacy");
        Assert.Equal(d.Uid, adopted.ControllerReference?.Uid);
        Assert.Equal(0, new WorkloadView(adopted).Replicas);
        Assert.Equal(2, ReplicaSetsOf("web").Count);
    }

    [Fact]
    public void Min_ready_seconds_delays_availability()
    {
        Deploy(Deployment("web", 2, spec: s => s["minReadySeconds"] = 20));
        RunUntilIdleIfDeterministic();
        KubeletStep();
        KubeletStep();
        var d = Get(Deployments, "web");
        Assert.Equal((2L, 0L), (JsonTree.GetInt(d.Status, "readyReplicas")!.Value, JsonTree.GetInt(d.Status, "availableReplicas")!.Value));
        Assert.Equal("MinimumReplicasUnavailable", JsonTree.GetString(Condition(d, "Available"), "reason"));
        Assert.Equal(20, new WorkloadView(Assert.Single(ReplicaSetsOf("web"))).MinReadySeconds);
        Advance(TimeSpan.FromSeconds(22));
        AwaitAssert(() => Assert.True(RolloutDone("web")));
        Assert.Equal("MinimumReplicasAvailable", JsonTree.GetString(Condition(Get(Deployments, "web"), "Available"), "reason"));
    }

    [Fact]
    public void A_taken_replica_set_name_bumps_the_collision_count()
    {
        Deploy(Deployment("web", 1, spec: s => s["paused"] = true));
        RunUntilIdleIfDeterministic();
        Assert.Empty(ReplicaSetsOf("web"));
        var template = new WorkloadView(Get(Deployments, "web")).Template;
        var taken = $"web-{PodTemplateHash.Compute(template, null)}";
        var other = Labels(("app", "other"));
        Ok(new CreateObject(ReplicaSets, Object("ReplicaSet", "default", taken, new JsonObject
        {
            ["replicas"] = 0,
            ["selector"] = new JsonObject { ["matchLabels"] = other.DeepClone() },
            ["template"] = Template(other),
        }, other)));
        Change("web", d => d.EnsureSpec()["paused"] = false);
        RunRollout("web");
        Assert.Equal(1, JsonTree.GetInt(Get(Deployments, "web").Status, "collisionCount"));
        Assert.Equal($"web-{PodTemplateHash.Compute(template, 1)}", Assert.Single(ReplicaSetsOf("web")).Name);
        Assert.Null(Get(ReplicaSets, taken).ControllerReference);
    }

    [Fact]
    public void A_replica_failure_of_the_replica_set_shows_on_the_deployment()
    {
        Watch(ReplicaSetControllerRef);
        Sys.Stop(ReplicaSetControllerRef);
        ExpectTerminated(ReplicaSetControllerRef);
        Ok(new CreateObject(Namespaces, Object("Namespace", null, "doomed")));
        var deployment = Deployment("web", 1);
        deployment["metadata"]!["namespace"] = "doomed";
        Ok(new CreateObject(Deployments, deployment));
        AwaitAssert(() => Assert.Single(List(ReplicaSets, "doomed")));
        // The namespace terminates (no namespace controller here): pod creates are refused from now on.
        Ok(new DeleteObject(Namespaces, null, "doomed", new DeleteOptions()));
        StartReplicaSetController("replicaset-controller-2");
        AwaitAssert(() =>
        {
            var failure = Condition(Get(Deployments, "web", "doomed"), "ReplicaFailure");
            Assert.NotNull(failure);
            Assert.Equal(("True", "FailedCreate"), (JsonTree.GetString(failure, "status"), JsonTree.GetString(failure, "reason")));
            Assert.Contains("being terminated", JsonTree.GetString(failure, "message"), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_restarted_controller_finishes_the_rollout()
    {
        Deploy(Deployment("web", 6, strategy: Rolling(1, 1)));
        RunRollout("web", readyPerStep: int.MaxValue);
        Change("web", d => SetImage(d, "nginx:1.26"));
        RunUntilIdleIfDeterministic();
        KubeletStep(readyBudget: 2);
        KubeletStep(readyBudget: 1);
        // Mid-rollout: both ReplicaSets have replicas.
        Assert.All(ReplicaSetsOf("web"), r => Assert.True(new WorkloadView(r).Replicas > 0));

        Watch(DeploymentControllerRef);
        Sys.Stop(DeploymentControllerRef);
        ExpectTerminated(DeploymentControllerRef);
        DeploymentControllerRef = StartDeploymentController("deployment-controller-2");

        RunRollout("web", () =>
        {
            var pods = ActivePodsOf("web");
            Assert.True(pods.Count <= 7);
            Assert.True(pods.Count(PodState.IsReady) >= 5);
        });
        var sets = ReplicaSetsOf("web");
        Assert.Equal(2, sets.Count);
        Assert.Equal([0, 6], sets.Select(r => new WorkloadView(r).Replicas).ToArray());
        Assert.Equal("2", sets[1].Annotations[DeploymentAnnotations.Revision]);
    }
}
