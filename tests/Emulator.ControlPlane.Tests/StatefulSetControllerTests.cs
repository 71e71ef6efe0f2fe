using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.GarbageCollection;
using Emulator.ControlPlane.History;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.StatefulSet;
using Emulator.ControlPlane.Store;
using Emulator.ControlPlane.Volumes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class StatefulSetControllerTests : WorkloadTestKit
{
    private static readonly ResourceType Sets = StatefulSetController.StatefulSets;
    private static readonly ResourceType Claims = StorageObjects.Claims;
    private static readonly JsonObject AppLabels = Labels(("app", "web"));

    private IActorRef StartController(string name = "statefulset-controller") =>
        Sys.ActorOf(Props.Create(() => new StatefulSetController(Store, Hub, Recorder, null)), name);

    private static JsonObject StatefulSet(string name, int replicas, string policy = "OrderedReady", JsonObject? retention = null, int minReadySeconds = 0, int? start = null, string strategy = "RollingUpdate")
    {
        var template = Template(AppLabels);
        template["spec"]!["containers"]![0]!["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "www", ["mountPath"] = "/usr/share/nginx/html" });
        var spec = new JsonObject
        {
            ["replicas"] = replicas,
            ["serviceName"] = "nginx",
            ["podManagementPolicy"] = policy,
            ["minReadySeconds"] = minReadySeconds,
            ["selector"] = new JsonObject { ["matchLabels"] = AppLabels.DeepClone() },
            ["template"] = template,
            ["updateStrategy"] = new JsonObject { ["type"] = strategy },
            ["volumeClaimTemplates"] = new JsonArray(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "www" },
                ["spec"] = new JsonObject
                {
                    ["accessModes"] = new JsonArray("ReadWriteOnce"),
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
                },
            }),
        };
        if (retention is not null)
        {
            spec["persistentVolumeClaimRetentionPolicy"] = retention;
        }
        if (start is not null)
        {
            spec["ordinals"] = new JsonObject { ["start"] = start };
        }
        var obj = Object("StatefulSet", "default", name, spec);
        obj["apiVersion"] = "apps/v1";
        return obj;
    }

    private KubeObject Create(JsonObject set) => new(Ok(new CreateObject(Sets, set)).ToJsonObject());

    private void Change(string name, Action<KubeObject> edit)
    {
        var set = Get(Sets, name);
        edit(set);
        Ok(new UpdateObject(Sets, set.Document));
    }

    private static void SetImage(KubeObject set, string image) => set.Document["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = image;

    private List<string> PodNames() => List(Pods).Where(p => p.DeletionTimestamp is null).Select(p => p.Name!).Order(StringComparer.Ordinal).ToList();

    private List<string> ClaimNames() => List(Claims).Select(c => c.Name!).Order(StringComparer.Ordinal).ToList();

    private JsonObject Status(string name) => Get(Sets, name).Status ?? [];

    /// <summary>Kubelet steps (one pod made Ready per step) until nothing changes.</summary>
    private int Converge(int readyPerStep = 1, Action? check = null)
    {
        var steps = 0;
        while (KubeletStep(readyPerStep) > 0)
        {
            check?.Invoke();
            Assert.True(++steps < 200, "no convergence");
        }
        return steps;
    }

    /// <summary>Pod and claim changes as the store made them, from now on.</summary>
    private Akka.TestKit.TestProbe Watch(ResourceType type)
    {
        var listed = Request<ListReply>(new ListObjects(type, "default"));
        var probe = CreateTestProbe();
        Hub.Tell(new StartWatch(type.Key, "default", listed.ResourceVersion, null, probe.Ref));
        RunUntilIdleIfDeterministic();
        return probe;
    }

    private static List<WatchEvent> Drain(Akka.TestKit.TestProbe probe)
    {
        var changes = new List<WatchEvent>();
        while (probe.ReceiveOne(TimeSpan.Zero) is WatchEvent change)
        {
            changes.Add(change);
        }
        return changes;
    }

    private static int Ordinal(string name) => int.Parse(name[(name.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void OrderedReady_starts_pods_in_order_each_after_the_previous_is_ready_with_its_claim_made_first()
    {
        StartController();
        var podChanges = Watch(Pods);
        var claimChanges = Watch(Claims);
        var set = Create(StatefulSet("web", 3));

        Converge();

        Assert.Equal(["web-0", "web-1", "web-2"], PodNames());
        Assert.Equal(["www-web-0", "www-web-1", "www-web-2"], ClaimNames());
        // Every pod change in store order: web-N appears only once web-(N-1) is Running and Ready, after its claim.
        var claimsMade = Drain(claimChanges).Where(c => c.Type == WatchEventType.Added).ToDictionary(c => c.Object.Name, c => c.ResourceVersion);
        var seen = new Dictionary<string, KubeObject>();
        var added = new List<string>();
        foreach (var change in Drain(podChanges))
        {
            var name = change.Object.Name;
            if (change.Type == WatchEventType.Added)
            {
                var ordinal = Ordinal(name);
                if (ordinal > 0)
                {
                    Assert.True(seen.TryGetValue($"web-{ordinal - 1}", out var previous) && PodState.IsReady(previous), $"{name} created before web-{ordinal - 1} was ready");
                }
                Assert.True(claimsMade[$"www-{name}"] < change.ResourceVersion, $"{name} created before its claim");
                added.Add(name);
            }
            seen[name] = new KubeObject(change.Object.ToJsonObject());
        }
        Assert.Equal(["web-0", "web-1", "web-2"], added);

        var pod = Get(Pods, "web-1");
        Assert.Equal("web-1", JsonTree.GetString(pod.Document, "spec", "hostname"));
        Assert.Equal("nginx", JsonTree.GetString(pod.Document, "spec", "subdomain"));
        Assert.Equal("web-1", pod.Labels[StatefulSetController.PodNameLabel]);
        Assert.Equal("1", pod.Labels[StatefulSetController.PodIndexLabel]);
        Assert.Equal("web", pod.Labels["app"]);
        Assert.Equal(("StatefulSet", "web", true), (pod.ControllerReference!.Kind, pod.ControllerReference.Name, pod.ControllerReference.Controller == true));
        var volume = JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "volumes")).Single(v => JsonTree.GetString(v, "name") == "www");
        Assert.Equal("www-web-1", JsonTree.GetString(volume, "persistentVolumeClaim", "claimName"));
        var claim = Get(Claims, "www-web-1");
        Assert.Equal("web", claim.Labels["app"]);
        Assert.Empty(claim.OwnerReferences);

        var status = Status("web");
        Assert.Equal((3L, 3L, 3L, 3L, 3L), (JsonTree.GetInt(status, "replicas")!.Value, JsonTree.GetInt(status, "readyReplicas")!.Value,
            JsonTree.GetInt(status, "currentReplicas")!.Value, JsonTree.GetInt(status, "updatedReplicas")!.Value, JsonTree.GetInt(status, "availableReplicas")!.Value));
        var revision = JsonTree.GetString(status, "updateRevision")!;
        Assert.Equal(revision, JsonTree.GetString(status, "currentRevision"));
        Assert.Equal(revision, pod.Labels[StatefulSetController.RevisionLabel]);
        Assert.StartsWith("web-", revision);
        Assert.Equal(1, JsonTree.GetInt(status, "observedGeneration"));
        Assert.Equal(0, JsonTree.GetInt(status, "collisionCount"));
        var revisions = List(ControllerHistory.ControllerRevisions);
        Assert.Equal(revision, Assert.Single(revisions).Name);
        Assert.Equal(set.Uid, revisions[0].ControllerReference!.Uid);
        // history.NewControllerRevision's label, not the DaemonSet's controller-revision-hash.
        Assert.Equal(revision, "web-" + revisions[0].Labels[StatefulSetController.RevisionHashLabel]);
        Assert.False(revisions[0].Labels.ContainsKey(ControllerHistory.HashLabel));

        Assert.Equal(["create Pod web-0 in StatefulSet web successful", "create Pod web-1 in StatefulSet web successful", "create Pod web-2 in StatefulSet web successful"], EventMessages("SuccessfulCreate").Where(m => m.Contains(" Pod ", StringComparison.Ordinal) && !m.Contains("Claim", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains("create Claim www-web-0 Pod web-0 in StatefulSet web success", EventMessages("SuccessfulCreate"));
    }

    [Fact]
    public void OrderedReady_waits_for_a_pod_that_is_not_ready()
    {
        StartController();
        Create(StatefulSet("web", 3));
        KubeletStep(readyBudget: 0);
        KubeletStep(readyBudget: 0);
        Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(["web-0"], PodNames());
        KubeletStep(readyBudget: 1);
        KubeletStep(readyBudget: 0);
        Assert.Equal(["web-0", "web-1"], PodNames());
    }

    [Fact]
    public void Scale_down_goes_from_the_highest_ordinal_one_at_a_time_and_keeps_the_claims()
    {
        StartController();
        Create(StatefulSet("web", 4));
        Converge();
        var changes = Watch(Pods);
        Change("web", s => s.Document["spec"]!["replicas"] = 1);

        // The kubelet is slow to finish: each deletion waits until the previous pod is gone.
        for (var i = 0; i < 10 && List(Pods).Count > 1; i++)
        {
            Assert.True(List(Pods).Count(p => p.DeletionTimestamp is not null) <= 1, "more than one pod terminating at once");
            KubeletStep();
        }
        Assert.Equal(["web-0"], PodNames());
        var deleted = Drain(changes).Where(c => c.Type == WatchEventType.Deleted).Select(c => c.Object.Name).ToList();
        Assert.Equal(["web-3", "web-2", "web-1"], deleted);
        Assert.Equal(["www-web-0", "www-web-1", "www-web-2", "www-web-3"], ClaimNames());
        Assert.Contains("delete Pod web-3 in StatefulSet web successful", EventMessages("SuccessfulDelete"));

        // Scaling up again reuses the claims.
        Change("web", s => s.Document["spec"]!["replicas"] = 3);
        Converge();
        Assert.Equal(["web-0", "web-1", "web-2"], PodNames());
        Assert.Equal(4, ClaimNames().Count);
        Assert.Equal(4, EventMessages("SuccessfulCreate").Count(m => m.StartsWith("create Claim", StringComparison.Ordinal)));
    }

    [Fact]
    public void Scale_down_waits_while_a_pod_is_unhealthy()
    {
        StartController();
        Create(StatefulSet("web", 3));
        Converge();
        var unready = Get(Pods, "web-0");
        unready.EnsureStatus()["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "False" });
        Ok(new UpdateObject(Pods, unready.Document, UpdateScope.Status));
        Change("web", s => s.Document["spec"]!["replicas"] = 1);
        Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(["web-0", "web-1", "web-2"], PodNames());
        MarkReady(Get(Pods, "web-0"));
        RunUntilIdleIfDeterministic();
        Converge();
        Assert.Equal(["web-0"], PodNames());
    }

    [Fact]
    public void Parallel_creates_and_deletes_all_pods_at_once()
    {
        StartController();
        Create(StatefulSet("web", 3, policy: "Parallel"));
        KubeletStep(readyBudget: 0);
        Assert.Equal(["web-0", "web-1", "web-2"], PodNames());
        Change("web", s => s.Document["spec"]!["replicas"] = 0);
        RunUntilIdleIfDeterministic();
        Assert.Equal(3, List(Pods).Count(p => p.DeletionTimestamp is not null));
    }

    [Fact]
    public void Rolling_update_goes_from_the_highest_ordinal_down_to_the_partition()
    {
        StartController();
        Create(StatefulSet("web", 4));
        Converge();
        var oldRevision = JsonTree.GetString(Status("web"), "currentRevision")!;
        Change("web", s =>
        {
            SetImage(s, "nginx:1.26");
            s.Document["spec"]!["updateStrategy"]!["rollingUpdate"] = new JsonObject { ["partition"] = 2 };
        });
        var changes = Watch(Pods);
        Converge(check: () => Assert.True(List(Pods).Count(p => p.DeletionTimestamp is not null || !PodState.IsReady(p)) <= 1, "more than one pod down during the update"));

        var newRevision = JsonTree.GetString(Status("web"), "updateRevision")!;
        Assert.NotEqual(oldRevision, newRevision);
        Assert.Equal(["web-3", "web-2"], Drain(changes).Where(c => c.Type == WatchEventType.Deleted).Select(c => c.Object.Name));
        foreach (var (name, revision) in new[] { ("web-0", oldRevision), ("web-1", oldRevision), ("web-2", newRevision), ("web-3", newRevision) })
        {
            Assert.Equal(revision, Get(Pods, name).Labels[StatefulSetController.RevisionLabel]);
        }
        var status = Status("web");
        Assert.Equal((2L, 2L, oldRevision), (JsonTree.GetInt(status, "currentReplicas")!.Value, JsonTree.GetInt(status, "updatedReplicas")!.Value, JsonTree.GetString(status, "currentRevision")));

        // Partition 0 finishes the rollout: the update revision becomes current.
        Change("web", s => s.Document["spec"]!["updateStrategy"]!["rollingUpdate"]!["partition"] = 0);
        Converge();
        status = Status("web");
        Assert.Equal((newRevision, 4L, 4L), (JsonTree.GetString(status, "currentRevision"), JsonTree.GetInt(status, "currentReplicas")!.Value, JsonTree.GetInt(status, "updatedReplicas")!.Value));
        Assert.Equal("nginx:1.26", JsonTree.GetString(Get(Pods, "web-0").Document, "spec", "containers", "0", "image") ?? Get(Pods, "web-0").Document["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal(2, List(ControllerHistory.ControllerRevisions).Count);

        // Rolling back to the first template reuses its revision, renumbered.
        Change("web", s => SetImage(s, "nginx:1.25"));
        Converge();
        var revisions = List(ControllerHistory.ControllerRevisions);
        Assert.Equal(2, revisions.Count);
        var reused = revisions.Single(r => r.Name == oldRevision);
        Assert.Equal(3, JsonTree.GetInt(reused.Document, "revision"));
        Assert.Equal(oldRevision, JsonTree.GetString(Status("web"), "currentRevision"));
    }

    [Fact]
    public void OnDelete_replaces_only_pods_deleted_by_hand()
    {
        StartController();
        Create(StatefulSet("web", 2, strategy: "OnDelete"));
        Converge();
        var first = JsonTree.GetString(Status("web"), "updateRevision");
        Change("web", s => SetImage(s, "nginx:1.26"));
        Converge();
        Assert.All(List(Pods), p => Assert.Equal(first, p.Labels[StatefulSetController.RevisionLabel]));
        Ok(new DeleteObject(Pods, "default", "web-1", new DeleteOptions()));
        Converge();
        var update = JsonTree.GetString(Status("web"), "updateRevision");
        Assert.NotEqual(first, update);
        Assert.Equal(update, Get(Pods, "web-1").Labels[StatefulSetController.RevisionLabel]);
        Assert.Equal(first, Get(Pods, "web-0").Labels[StatefulSetController.RevisionLabel]);
    }

    [Fact]
    public void Ordinals_start_and_min_ready_seconds()
    {
        StartController();
        Create(StatefulSet("web", 2, start: 5, minReadySeconds: 10));
        KubeletStep();
        Assert.Equal(["web-5"], PodNames());
        Assert.Equal(["www-web-5"], ClaimNames());
        // Ready, but not yet available: web-6 waits minReadySeconds.
        KubeletStep();
        Assert.Equal(["web-5"], PodNames());
        Assert.Equal(0, JsonTree.GetInt(Status("web"), "availableReplicas"));
        Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(["web-5", "web-6"], PodNames());
        Assert.Equal("5", Get(Pods, "web-5").Labels[StatefulSetController.PodIndexLabel]);
    }

    [Fact]
    public void A_failed_pod_is_recreated_with_its_claim()
    {
        StartController();
        Create(StatefulSet("web", 2));
        Converge();
        var failed = Get(Pods, "web-0");
        failed.EnsureStatus()["phase"] = "Failed";
        Ok(new UpdateObject(Pods, failed.Document, UpdateScope.Status));
        Converge();
        var replaced = Get(Pods, "web-0");
        Assert.NotEqual(failed.Uid, replaced.Uid);
        Assert.Equal("www-web-0", JsonTree.GetString(JsonTree.Objects(JsonTree.GetArray(replaced.Document, "spec", "volumes")).First(), "persistentVolumeClaim", "claimName"));
        Assert.Equal(2, ClaimNames().Count);
        Assert.Single(EventMessages("RecreatingFailedPod"));
    }

    [Fact]
    public void Retention_policy_Delete_removes_claims_on_scale_down_and_with_the_set()
    {
        Sys.ActorOf(Props.Create(() => new GarbageCollector(Store, Hub, new[] { Pods, Sets, Claims }, TimeSpan.FromSeconds(10))), "garbage-collector");
        StartController();
        var set = Create(StatefulSet("web", 3, retention: new JsonObject { ["whenDeleted"] = "Delete", ["whenScaled"] = "Delete" }));
        Converge();
        Assert.All(List(Claims), c => Assert.Equal(set.Uid, Assert.Single(c.OwnerReferences).Uid));

        Change("web", s => s.Document["spec"]!["replicas"] = 1);
        Converge();
        // The garbage collector follows the claims' new owners (the condemned pods); its resync catches any it missed.
        Advance(TimeSpan.FromMinutes(1));
        Converge();
        Assert.Equal(["web-0"], PodNames());
        Assert.Equal(["www-web-0"], List(Claims).Where(c => c.DeletionTimestamp is null).Select(c => c.Name));

        Ok(new DeleteObject(Sets, "default", "web", new DeleteOptions(PropagationPolicy: "Background")));
        Converge();
        Advance(TimeSpan.FromSeconds(30));
        Converge();
        Assert.DoesNotContain(List(Claims), c => c.DeletionTimestamp is null);
    }

    [Fact]
    public void Retain_keeps_claims_when_the_set_goes()
    {
        Sys.ActorOf(Props.Create(() => new GarbageCollector(Store, Hub, new[] { Pods, Sets, Claims }, TimeSpan.FromSeconds(10))), "garbage-collector");
        StartController();
        Create(StatefulSet("web", 2));
        Converge();
        Ok(new DeleteObject(Sets, "default", "web", new DeleteOptions(PropagationPolicy: "Background")));
        Advance(TimeSpan.FromSeconds(30));
        Converge();
        Assert.Empty(PodNames());
        Assert.Equal(["www-web-0", "www-web-1"], ClaimNames());
    }

    [Fact]
    public void A_controller_killed_mid_way_finishes_the_set()
    {
        var controller = StartController();
        Create(StatefulSet("web", 4));
        KubeletStep();
        KubeletStep();
        Watch(Pods);
        Sys.Stop(controller);
        RunUntilIdleIfDeterministic();
        KubeletStep();
        var before = PodNames();
        StartController("statefulset-controller-2");
        Converge();
        Assert.Equal(["web-0", "web-1", "web-2", "web-3"], PodNames());
        Assert.Equal(4, JsonTree.GetInt(Status("web"), "readyReplicas"));
        Assert.True(before.Count < 4);
        // No pod or claim was made twice.
        Assert.Equal(4, EventMessages("SuccessfulCreate").Count(m => m.StartsWith("create Pod", StringComparison.Ordinal)));
        Assert.Equal(4, ClaimNames().Count);
    }
}
