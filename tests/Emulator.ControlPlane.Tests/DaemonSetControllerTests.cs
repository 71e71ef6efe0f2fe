using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.DaemonSet;
using Emulator.ControlPlane.History;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Scheduling;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Patching;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// The DaemonSet controller with the real scheduler on virtual time; the test plays the kubelets (pods Running and
/// Ready, terminating pods removed). A watcher checks the invariants at every pod change.
/// </summary>
public sealed class DaemonSetControllerTests : ClusterTestKit
{
    private static readonly ResourceType DaemonSets = ResourceTypes.Of("apps", "daemonsets");
    private static readonly ResourceType Revisions = ControllerHistory.ControllerRevisions;

    private IActorRef _controller;

    public DaemonSetControllerTests()
    {
        Sys.ActorOf(Props.Create(() => new Scheduler(Store, Hub, Events, 0)), "scheduler");
        _controller = StartController();
    }

    private IActorRef StartController(string name = "daemonset-controller") =>
        Sys.ActorOf(Props.Create(() => new DaemonSetController(Store, Hub, Events, null)), name);

    private static JsonObject DaemonSet(string name = "agent", string image = "agent:1", JsonObject? strategy = null, Action<JsonObject>? spec = null)
    {
        var labels = new JsonObject { ["app"] = name };
        var body = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = image }) },
            },
        };
        if (strategy is not null)
        {
            body["updateStrategy"] = strategy;
        }
        spec?.Invoke(body);
        return Object("DaemonSet", "default", name, body);
    }

    private static JsonObject Rolling(object? maxSurge, object? maxUnavailable)
    {
        var rolling = new JsonObject();
        if (maxSurge is not null)
        {
            rolling["maxSurge"] = JsonValue.Create(maxSurge);
        }
        if (maxUnavailable is not null)
        {
            rolling["maxUnavailable"] = JsonValue.Create(maxUnavailable);
        }
        return new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = rolling };
    }

    private KubeObject Create(JsonObject ds) => new(Ok(new CreateObject(DaemonSets, ds)).ToJsonObject());

    private KubeObject Ds(string name = "agent") => Get(DaemonSets, "default", name);

    private void Change(string name, Action<KubeObject> change)
    {
        var ds = Ds(name);
        change(ds);
        Ok(new UpdateObject(DaemonSets, ds.Document));
    }

    private static void SetImage(KubeObject ds, string image) =>
        ((JsonObject)JsonTree.GetArray(ds.Document, "spec", "template", "spec", "containers")![0]!)["image"] = image;

    private List<KubeObject> AllPods() =>
        Request<ListReply>(new ListObjects(ResourceTypes.Pods, "default")).Items.Select(i => new KubeObject(i.ToJsonObject())).ToList();

    private List<KubeObject> PodsOf(string name = "agent")
    {
        var uid = Ds(name).Uid;
        return AllPods().Where(p => p.ControllerReference?.Uid == uid).ToList();
    }

    private List<KubeObject> RevisionsOf(string name = "agent")
    {
        var uid = Ds(name).Uid;
        var list = Request<ListReply>(new ListObjects(Revisions, "default")).Items.Select(i => new KubeObject(i.ToJsonObject()))
            .Where(r => r.ControllerReference?.Uid == uid).ToList();
        ControllerHistory.Sort(list);
        return list;
    }

    private List<string> EventMessages(string reason) =>
        Request<ListReply>(new ListObjects(ResourceTypes.Events, "default")).Items.Select(i => new KubeObject(i.ToJsonObject()))
            .Where(e => JsonTree.GetString(e.Document, "reason") == reason)
            .Select(e => JsonTree.GetString(e.Document, "message") ?? "").ToList();

    private static long StatusInt(KubeObject ds, string field) => JsonTree.GetInt(ds.Document, "status", field) ?? 0;

    private static string? Image(KubeObject pod) => JsonTree.GetString((JsonObject)JsonTree.GetArray(pod.Document, "spec", "containers")![0]!, "image");

    /// <summary>Plays every kubelet once: removes terminating pods, makes up to <paramref name="readyBudget"/> bound pods Running and Ready (oldest first).</summary>
    private int KubeletStep(int readyBudget = int.MaxValue)
    {
        var changed = 0;
        foreach (var pod in AllPods().OrderBy(p => p.CreationTimestamp).ThenBy(p => p.Name, StringComparer.Ordinal))
        {
            if (pod.DeletionTimestamp is not null)
            {
                Ok(new DeleteObject(ResourceTypes.Pods, pod.Namespace, pod.Name!, new DeleteOptions(GracePeriodSeconds: 0)));
                changed++;
            }
            else if (!new PodView(pod).IsTerminal && !string.IsNullOrEmpty(NodeOf(pod)) && !PodState.IsReady(pod) && readyBudget > 0)
            {
                SetPhase(pod, "Running", ready: true);
                readyBudget--;
                changed++;
            }
        }
        Settle();
        return changed;
    }

    private void SetPhase(KubeObject pod, string phase, bool ready = false)
    {
        var current = GetPod(pod.Name!);
        var status = current.EnsureStatus();
        status["phase"] = phase;
        Conditions.Set(status, "ContainersReady", ready ? "True" : "False", null, null, Now);
        Conditions.Set(status, "Ready", ready ? "True" : "False", null, null, Now);
        Ok(new UpdateObject(ResourceTypes.Pods, current.Document, UpdateScope.Status));
    }

    /// <summary>kubectl rollout status ds: observed, every desired node has an updated and an available pod.</summary>
    private bool RolloutDone(string name = "agent")
    {
        var ds = Ds(name);
        var desired = StatusInt(ds, "desiredNumberScheduled");
        return (ds.Generation ?? 0) <= StatusInt(ds, "observedGeneration")
            && StatusInt(ds, "updatedNumberScheduled") >= desired
            && StatusInt(ds, "numberAvailable") >= desired;
    }

    private int RunRollout(string name = "agent", int readyPerStep = 1, int maxSteps = 200)
    {
        for (var step = 0; step < maxSteps; step++)
        {
            if (RolloutDone(name) && PodsOf(name).All(p => p.DeletionTimestamp is null && PodState.IsReady(p)))
            {
                return step;
            }
            KubeletStep(readyPerStep);
        }
        throw new InvalidOperationException($"rollout of {name} did not finish: {Ds(name).Status?.ToJsonString()}");
    }

    private Watcher Watch(Func<IReadOnlyCollection<KubeObject>, string?> invariant)
    {
        var watcher = new Watcher(invariant);
        var actor = Sys.ActorOf(Props.Create(() => new PodWatchActor(watcher)));
        Hub.Tell(new StartWatch(ResourceTypes.Pods.Key, null, 0, null, actor), actor);
        Settle();
        return watcher;
    }

    /// <summary>Never two live pods of one DaemonSet for a node (terminating ones included: a replacement waits for them).</summary>
    private static string? OnePodPerNode(IReadOnlyCollection<KubeObject> pods) =>
        pods.Where(p => !new PodView(p).IsTerminal && p.ControllerReference?.Kind == "DaemonSet")
            .GroupBy(p => (p.ControllerReference!.Uid, DaemonPods.TargetNodeName(p)))
            .Where(g => g.Count() > 1).Select(g => $"{g.Count()} pods for node {g.Key.Item2}: {string.Join(", ", g.Select(p => p.Name))}")
            .FirstOrDefault();

    /// <summary>At most <paramref name="maxUnavailable"/> of <paramref name="nodes"/> without a ready pod (not being deleted).</summary>
    private static Func<IReadOnlyCollection<KubeObject>, string?> AtMostUnavailable(int maxUnavailable, IReadOnlyCollection<string> nodes, Func<bool> armed) => pods =>
    {
        if (!armed())
        {
            return null;
        }
        var availableOn = pods.Where(p => p.DeletionTimestamp is null && PodState.IsReady(p)).Select(DaemonPods.TargetNodeName).ToHashSet();
        var unavailable = nodes.Count(n => !availableOn.Contains(n));
        return unavailable > maxUnavailable ? $"{unavailable} nodes without an available pod (max {maxUnavailable})" : null;
    };

    private static Func<IReadOnlyCollection<KubeObject>, string?> All(params Func<IReadOnlyCollection<KubeObject>, string?>[] checks) =>
        pods => checks.Select(c => c(pods)).FirstOrDefault(v => v is not null);

    [Fact]
    public void One_pod_per_eligible_node_pinned_by_node_affinity_and_bound_by_the_scheduler()
    {
        AddNode("n1", labels: new JsonObject { ["disk"] = "ssd" });
        AddNode("n2", labels: new JsonObject { ["disk"] = "ssd" }, taints: new JsonArray(Taint("dedicated", "NoSchedule", "db")));
        AddNode("n3", labels: new JsonObject { ["disk"] = "hdd" });
        AddNode("n4", labels: new JsonObject { ["disk"] = "ssd" });
        var watcher = Watch(OnePodPerNode);
        Create(DaemonSet(spec: s => ((JsonObject)s["template"]!["spec"]!)["nodeSelector"] = new JsonObject { ["disk"] = "ssd" }));
        RunRollout();

        var pods = PodsOf();
        Assert.Equal(new string?[] { "n1", "n4" }, pods.Select(NodeOf).Order().ToArray());
        var hash = Assert.Single(RevisionsOf()).Labels[ControllerHistory.HashLabel];
        foreach (var pod in pods)
        {
            Assert.StartsWith("agent-", pod.Name);
            Assert.Equal(hash, pod.Labels[ControllerHistory.HashLabel]);
            var terms = JsonTree.GetArray(pod.Document, "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")!;
            var field = (JsonObject)Assert.Single(Assert.Single(terms)!["matchFields"]!.AsArray())!;
            Assert.Equal("metadata.name", JsonTree.GetString(field, "key"));
            Assert.Equal("In", JsonTree.GetString(field, "operator"));
            Assert.Equal(NodeOf(pod), JsonTree.AsString(Assert.Single(field["values"]!.AsArray())));
            var tolerations = JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "tolerations")).ToList();
            foreach (var (key, effect) in new[]
            {
                ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
                ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule"),
            })
            {
                var t = Assert.Single(tolerations, t => JsonTree.GetString(t, "key") == key && JsonTree.GetString(t, "effect") == effect);
                Assert.Equal("Exists", JsonTree.GetString(t, "operator"));
                Assert.Null(t["tolerationSeconds"]);
            }
            Assert.DoesNotContain(tolerations, t => JsonTree.GetString(t, "key") == "node.kubernetes.io/network-unavailable");
        }
        var ds = Ds();
        Assert.Equal(2, StatusInt(ds, "desiredNumberScheduled"));
        Assert.Equal(2, StatusInt(ds, "currentNumberScheduled"));
        Assert.Equal(0, StatusInt(ds, "numberMisscheduled"));
        Assert.Equal(2, StatusInt(ds, "numberReady"));
        Assert.Equal(2, StatusInt(ds, "updatedNumberScheduled"));
        Assert.Equal(2, StatusInt(ds, "numberAvailable"));
        Assert.Null(JsonTree.Get(ds.Document, "status", "numberUnavailable"));
        Assert.Equal(ds.Generation, StatusInt(ds, "observedGeneration"));
        Assert.Equal(pods.Select(p => $"Created pod: {p.Name}").Order(), EventMessages("SuccessfulCreate").Order());
        Assert.Empty(watcher.Violations);
    }

    [Fact]
    public void Daemon_pods_tolerate_cordons_pressure_and_not_ready_nodes_and_host_network_pods_network_unavailable()
    {
        AddNode("cordoned", unschedulable: true, taints: new JsonArray(Taint("node.kubernetes.io/unschedulable", "NoSchedule")));
        AddNode("pressure", taints: new JsonArray(Taint("node.kubernetes.io/memory-pressure", "NoSchedule"), Taint("node.kubernetes.io/disk-pressure", "NoSchedule")));
        AddNode("notready", taints: new JsonArray(Taint("node.kubernetes.io/not-ready", "NoExecute")));
        AddNode("nonet", taints: new JsonArray(Taint("node.kubernetes.io/network-unavailable", "NoSchedule")));
        Create(DaemonSet("plain"));
        Create(DaemonSet("hostnet", spec: s => ((JsonObject)s["template"]!["spec"]!)["hostNetwork"] = true));
        Settle();
        AwaitAssert(() =>
        {
            Assert.Equal(new string?[] { "cordoned", "notready", "pressure" }, PodsOf("plain").Select(NodeOf).Order().ToArray());
            Assert.Equal(new string?[] { "cordoned", "nonet", "notready", "pressure" }, PodsOf("hostnet").Select(NodeOf).Order().ToArray());
        });
        Assert.Contains(JsonTree.Objects(JsonTree.GetArray(PodsOf("hostnet")[0].Document, "spec", "tolerations")),
            t => JsonTree.GetString(t, "key") == "node.kubernetes.io/network-unavailable" && JsonTree.GetString(t, "operator") == "Exists");
        Assert.Equal(3, StatusInt(Ds("plain"), "desiredNumberScheduled"));
        Assert.Equal(4, StatusInt(Ds("hostnet"), "desiredNumberScheduled"));
    }

    [Fact]
    public void Nodes_added_relabelled_tainted_and_removed()
    {
        AddNode("n1", labels: new JsonObject { ["role"] = "agent" });
        var watcher = Watch(OnePodPerNode);
        Create(DaemonSet(spec: s => ((JsonObject)s["template"]!["spec"]!)["nodeSelector"] = new JsonObject { ["role"] = "agent" }));
        RunRollout();
        Assert.Equal(new string?[] { "n1" }, PodsOf().Select(NodeOf).ToArray());

        // A node added later gets its pod.
        AddNode("n2", labels: new JsonObject { ["role"] = "agent" });
        RunRollout();
        Assert.Equal(new string?[] { "n1", "n2" }, PodsOf().Select(NodeOf).Order().ToArray());

        // A node that stops matching loses it.
        var n2 = GetNode("n2");
        n2.SetLabel("role", "web");
        Ok(new UpdateObject(ResourceTypes.Nodes, n2.Document));
        Settle();
        Assert.NotNull(Assert.Single(PodsOf(), p => NodeOf(p) == "n2").DeletionTimestamp);
        Assert.Contains(EventMessages("SuccessfulDelete"), m => m.StartsWith("Deleted pod: agent-", StringComparison.Ordinal));
        KubeletStep();
        Assert.Equal(new string?[] { "n1" }, PodsOf().Select(NodeOf).ToArray());

        // A NoSchedule taint keeps the running pod (misscheduled), a NoExecute taint evicts it.
        var n1 = GetNode("n1");
        n1.EnsureSpec()["taints"] = new JsonArray(Taint("maintenance", "NoSchedule"));
        Ok(new UpdateObject(ResourceTypes.Nodes, n1.Document));
        Settle();
        var pod = Assert.Single(PodsOf());
        Assert.Null(pod.DeletionTimestamp);
        Assert.Equal(0, StatusInt(Ds(), "desiredNumberScheduled"));
        Assert.Equal(1, StatusInt(Ds(), "numberMisscheduled"));
        n1 = GetNode("n1");
        n1.EnsureSpec()["taints"] = new JsonArray(Taint("maintenance", "NoExecute"));
        Ok(new UpdateObject(ResourceTypes.Nodes, n1.Document));
        Settle();
        Assert.NotNull(GetPod(pod.Name!).DeletionTimestamp);
        KubeletStep();
        Assert.Empty(PodsOf());
        Assert.Equal(0, StatusInt(Ds(), "numberMisscheduled"));
        Assert.Empty(watcher.Violations);
    }

    [Fact]
    public void Duplicates_are_removed_keeping_the_oldest_and_orphans_adopted()
    {
        AddNode("n1");
        // An orphan pod matching the selector, already on n1, older than anything the controller makes.
        Sys.Stop(_controller);
        Settle();
        var orphan = Pod("manual", labels: new JsonObject { ["app"] = "agent" }, image: "agent:1");
        orphan["spec"]!["nodeName"] = "n1";
        Ok(new CreateObject(ResourceTypes.Pods, orphan));
        Advance(TimeSpan.FromSeconds(2));
        // OnDelete: a RollingUpdate would also replace the adopted pod, which lacks the revision hash.
        Create(DaemonSet(strategy: new JsonObject { ["type"] = "OnDelete" }));
        // A second pod for n1 made by hand, owned by the DaemonSet: a duplicate.
        var ds = Ds();
        var duplicate = Pod("agent-dup", labels: new JsonObject { ["app"] = "agent" }, image: "agent:1");
        duplicate["spec"]!["nodeName"] = "n1";
        duplicate["metadata"]!["ownerReferences"] = new JsonArray(new OwnerReference("apps/v1", "DaemonSet", "agent", ds.Uid!, true, true).ToJson());
        Ok(new CreateObject(ResourceTypes.Pods, duplicate));
        _controller = StartController("daemonset-controller-2");
        Settle();
        Assert.Equal(ds.Uid, GetPod("manual").ControllerReference?.Uid);
        Assert.NotNull(GetPod("agent-dup").DeletionTimestamp);
        Assert.Null(GetPod("manual").DeletionTimestamp);
        KubeletStep();
        Assert.Equal(new string?[] { "manual" }, PodsOf().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void Failed_pods_are_replaced_with_a_per_node_back_off_doubling_from_one_second()
    {
        AddNode("n1");
        Create(DaemonSet());
        RunRollout();
        var deletedAt = new List<DateTimeOffset>();
        for (var failure = 0; failure < 4; failure++)
        {
            var pod = Assert.Single(PodsOf(), p => p.DeletionTimestamp is null);
            Advance(TimeSpan.FromMilliseconds(100));
            SetPhase(pod, "Failed");
            var waited = TimeSpan.Zero;
            while (GetPod(pod.Name!).DeletionTimestamp is null && waited < TimeSpan.FromMinutes(1))
            {
                Advance(TimeSpan.FromMilliseconds(100));
                waited += TimeSpan.FromMilliseconds(100);
            }
            deletedAt.Add(Now);
            Assert.True(waited < TimeSpan.FromMinutes(1), "the failed pod was never deleted");
            KubeletStep();
        }
        // The first failed pod goes at once; each later one waits for the doubled delay since the previous deletion.
        var gaps = deletedAt.Zip(deletedAt.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps[0] >= TimeSpan.FromSeconds(1) && gaps[0] < TimeSpan.FromSeconds(1.5), $"gap {gaps[0]}");
        Assert.True(gaps[1] >= TimeSpan.FromSeconds(2) && gaps[1] < TimeSpan.FromSeconds(2.5), $"gap {gaps[1]}");
        Assert.True(gaps[2] >= TimeSpan.FromSeconds(4) && gaps[2] < TimeSpan.FromSeconds(4.5), $"gap {gaps[2]}");
        Assert.Equal(4, EventMessages("FailedDaemonPod").Count);
        Assert.All(EventMessages("FailedDaemonPod"), m => Assert.Matches("^Found failed daemon pod default/agent-[a-z0-9]{5} on node n1, will try to kill it$", m));
        Assert.Single(PodsOf(), p => p.DeletionTimestamp is null);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 5)]
    [InlineData("30%", 5)]
    [InlineData("100%", 3)]
    public void Rolling_update_never_exceeds_max_unavailable(object maxUnavailable, int nodes)
    {
        var names = Enumerable.Range(1, nodes).Select(i => $"n{i}").ToList();
        names.ForEach(n => AddNode(n));
        var rolling = false;
        var bound = maxUnavailable is int i ? i : (int)Math.Ceiling(int.Parse(((string)maxUnavailable).TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture) * nodes / 100.0);
        var watcher = Watch(All(OnePodPerNode, AtMostUnavailable(bound, names, () => rolling)));
        Create(DaemonSet(strategy: Rolling(null, maxUnavailable)));
        RunRollout();
        var firstHash = PodsOf()[0].Labels[ControllerHistory.HashLabel];
        rolling = true;
        Change("agent", ds => SetImage(ds, "agent:2"));
        RunRollout();
        rolling = false;

        var pods = PodsOf();
        Assert.Equal(nodes, pods.Count);
        Assert.All(pods, p => Assert.Equal("agent:2", Image(p)));
        Assert.All(pods, p => Assert.NotEqual(firstHash, p.Labels[ControllerHistory.HashLabel]));
        Assert.Equal(new long[] { 1L, 2L }, RevisionsOf().Select(ControllerHistory.RevisionNumber).ToArray());
        Assert.Empty(watcher.Violations);
        Assert.True(watcher.Changes > 0);
    }

    [Fact]
    public void Rolling_update_with_max_surge_starts_the_new_pod_before_deleting_the_old_one()
    {
        var names = new[] { "n1", "n2", "n3", "n4" };
        foreach (var n in names)
        {
            AddNode(n);
        }
        var rolling = false;
        var maxPodsOnANode = 0;
        var watcher = Watch(pods =>
        {
            var perNode = pods.Where(p => !new PodView(p).IsTerminal).GroupBy(DaemonPods.TargetNodeName).Select(g => g.Count()).DefaultIfEmpty(0).Max();
            maxPodsOnANode = Math.Max(maxPodsOnANode, perNode);
            var surge = pods.Where(p => p.DeletionTimestamp is null && !new PodView(p).IsTerminal).GroupBy(DaemonPods.TargetNodeName).Count(g => g.Count() > 1);
            if (perNode > 2)
            {
                return $"{perNode} pods on one node";
            }
            if (rolling && surge > 2)
            {
                return $"{surge} nodes surged (max 2)";
            }
            return AtMostUnavailable(0, names, () => rolling)(pods);
        });
        Create(DaemonSet(strategy: Rolling("50%", 0)));
        RunRollout();
        rolling = true;
        Change("agent", ds => SetImage(ds, "agent:2"));
        RunRollout();
        rolling = false;
        Assert.Equal(2, maxPodsOnANode);
        Assert.Equal(4, PodsOf().Count);
        Assert.All(PodsOf(), p => Assert.Equal("agent:2", Image(p)));
        Assert.Empty(watcher.Violations);
    }

    [Fact]
    public void The_api_server_keeps_the_template_generation_and_pods_carry_it()
    {
        AddNode("n1");
        AddNode("n2");
        // The client's value is ignored on update; only a template change bumps it.
        var sent = DaemonSet();
        sent["metadata"]!["annotations"] = new JsonObject { [DaemonPods.TemplateGenerationAnnotation] = "1" };
        Create(sent);
        RunRollout();
        Assert.Equal("1", Ds().Annotations[DaemonPods.TemplateGenerationAnnotation]);
        Assert.All(PodsOf(), p => Assert.Equal("1", p.Labels[DaemonPods.TemplateGenerationLabel]));

        Change("agent", ds => ds.SetAnnotations([KeyValuePair.Create(DaemonPods.TemplateGenerationAnnotation, "9")]));
        Assert.Equal("1", Ds().Annotations[DaemonPods.TemplateGenerationAnnotation]);
        Change("agent", ds => SetImage(ds, "agent:2"));
        Assert.Equal("2", Ds().Annotations[DaemonPods.TemplateGenerationAnnotation]);
        RunRollout();

        var pods = PodsOf();
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.Equal("agent:2", Image(p)));
        Assert.All(pods, p => Assert.Equal("2", p.Labels[DaemonPods.TemplateGenerationLabel]));
    }

    [Fact]
    public void OnDelete_replaces_a_pod_only_when_it_is_deleted()
    {
        AddNode("n1");
        AddNode("n2");
        Create(DaemonSet(strategy: new JsonObject { ["type"] = "OnDelete" }));
        RunRollout();
        var oldHash = PodsOf()[0].Labels[ControllerHistory.HashLabel];
        Change("agent", ds => SetImage(ds, "agent:2"));
        Advance(TimeSpan.FromMinutes(1));
        KubeletStep();
        Assert.All(PodsOf(), p => Assert.Equal(oldHash, p.Labels[ControllerHistory.HashLabel]));
        Assert.Equal(0, StatusInt(Ds(), "updatedNumberScheduled"));
        Assert.Equal(2, StatusInt(Ds(), "numberAvailable"));

        var victim = PodsOf().Single(p => NodeOf(p) == "n1");
        Ok(new DeleteObject(ResourceTypes.Pods, "default", victim.Name!, new DeleteOptions()));
        KubeletStep();
        KubeletStep();
        var pods = PodsOf();
        Assert.NotEqual(oldHash, pods.Single(p => NodeOf(p) == "n1").Labels[ControllerHistory.HashLabel]);
        Assert.Equal(oldHash, pods.Single(p => NodeOf(p) == "n2").Labels[ControllerHistory.HashLabel]);
        Assert.Equal(1, StatusInt(Ds(), "updatedNumberScheduled"));
    }

    [Fact]
    public void History_keeps_revisions_and_rollback_reuses_the_old_one_as_the_newest()
    {
        AddNode("n1");
        AddNode("n2");
        var annotated = DaemonSet();
        annotated["metadata"]!["annotations"] = new JsonObject { ["kubernetes.io/change-cause"] = "first" };
        Create(annotated);
        RunRollout();
        var first = Assert.Single(RevisionsOf());
        Assert.Equal(1, ControllerHistory.RevisionNumber(first));
        var firstHash = first.Labels[ControllerHistory.HashLabel];
        Assert.Equal($"agent-{firstHash}", first.Name);
        Assert.Equal(ControllerHistory.HashTemplate(new WorkloadView(Ds()).Template, null), firstHash);
        Assert.Equal("agent", first.Labels["app"]);
        Assert.Equal("DaemonSet", first.ControllerReference?.Kind);
        Assert.Equal("replace", JsonTree.GetString(first.Document, "data", "spec", "template", "$patch"));
        Assert.Equal("first", first.Annotations.GetValueOrDefault("kubernetes.io/change-cause"));

        Change("agent", ds => SetImage(ds, "agent:2"));
        RunRollout();
        Change("agent", ds => SetImage(ds, "agent:3"));
        RunRollout();
        Assert.Equal(new long[] { 1L, 2L, 3L }, RevisionsOf().Select(ControllerHistory.RevisionNumber).ToArray());

        // kubectl rollout undo --to-revision=1: the revision's data, sent as a strategic merge patch.
        var live = Ds();
        var undone = Patcher.Apply(live, PatchType.StrategicMergePatch, ControllerHistory.Data(RevisionsOf()[0])!.ToJsonString());
        Ok(new UpdateObject(DaemonSets, undone.Document));
        RunRollout();
        var revisions = RevisionsOf();
        Assert.Equal(new long[] { 2L, 3L, 4L }, revisions.Select(ControllerHistory.RevisionNumber).ToArray());
        Assert.Equal(first.Name, revisions[^1].Name);
        Assert.All(PodsOf(), p => Assert.Equal(firstHash, p.Labels[ControllerHistory.HashLabel]));
        Assert.All(PodsOf(), p => Assert.Equal("agent:1", Image(p)));
    }

    [Fact]
    public void Old_revisions_beyond_the_history_limit_are_deleted_oldest_first()
    {
        AddNode("n1");
        Create(DaemonSet(spec: s => s["revisionHistoryLimit"] = 2));
        RunRollout();
        for (var version = 2; version <= 5; version++)
        {
            Change("agent", ds => SetImage(ds, $"agent:{version}"));
            RunRollout();
        }
        Assert.Equal(new long[] { 3L, 4L, 5L }, RevisionsOf().Select(ControllerHistory.RevisionNumber).ToArray());
    }

    [Fact]
    public void A_controller_killed_mid_rollout_finishes_it_after_restart()
    {
        var names = Enumerable.Range(1, 6).Select(i => $"n{i}").ToList();
        names.ForEach(n => AddNode(n));
        var rolling = false;
        var watcher = Watch(All(OnePodPerNode, AtMostUnavailable(2, names, () => rolling)));
        Create(DaemonSet(strategy: Rolling(0, 2)));
        RunRollout();
        rolling = true;
        Change("agent", ds => SetImage(ds, "agent:2"));
        KubeletStep(readyBudget: 1);
        KubeletStep(readyBudget: 1);
        Sys.Stop(_controller);
        Settle();
        KubeletStep();
        _controller = StartController("daemonset-controller-2");
        RunRollout();
        rolling = false;
        Assert.Equal(6, PodsOf().Count);
        Assert.All(PodsOf(), p => Assert.Equal("agent:2", Image(p)));
        Assert.Equal(new long[] { 1L, 2L }, RevisionsOf().Select(ControllerHistory.RevisionNumber).ToArray());
        Assert.Empty(watcher.Violations);
    }

    [Theory]
    [InlineData(null, 1, 10, 0, 1)]
    [InlineData(null, "10%", 10, 0, 1)]
    [InlineData(null, "15%", 10, 0, 2)]
    [InlineData("25%", 0, 10, 3, 0)]
    [InlineData(null, 0, 10, 0, 1)]
    [InlineData(null, "10%", 0, 0, 0)]
    public void Rolling_update_bounds_round_percentages_up(object? maxSurge, object maxUnavailable, int desired, int surge, int unavailable)
    {
        var ds = new KubeObject(DaemonSet(strategy: Rolling(maxSurge, maxUnavailable)));
        Assert.Equal((surge, unavailable), DaemonSetController.RollingUpdateBounds(ds, desired));
    }

    [Fact]
    public void Status_reports_unavailable_and_observed_generation()
    {
        AddNode("n1");
        AddNode("n2");
        AddNode("n3");
        Create(DaemonSet());
        Settle();
        var ds = Ds();
        Assert.Equal(3, StatusInt(ds, "desiredNumberScheduled"));
        Assert.Equal(3, StatusInt(ds, "currentNumberScheduled"));
        Assert.Equal(0, StatusInt(ds, "numberReady"));
        Assert.Equal(3, StatusInt(ds, "numberUnavailable"));
        Assert.Null(JsonTree.Get(ds.Document, "status", "numberAvailable"));
        KubeletStep(readyBudget: 2);
        ds = Ds();
        Assert.Equal(2, StatusInt(ds, "numberReady"));
        Assert.Equal(2, StatusInt(ds, "numberAvailable"));
        Assert.Equal(1, StatusInt(ds, "numberUnavailable"));
        Change("agent", d => d.EnsureSpec()["minReadySeconds"] = 5);
        Settle();
        Assert.Equal(Ds().Generation, StatusInt(Ds(), "observedGeneration"));
    }

    /// <summary>What the pod watcher saw: the invariant's violations.</summary>
    private sealed class Watcher(Func<IReadOnlyCollection<KubeObject>, string?> invariant)
    {
        private readonly Dictionary<string, KubeObject> _pods = new(StringComparer.Ordinal);
        private int _changes;

        public ConcurrentQueue<string> Violations { get; } = new();

        public int Changes => Volatile.Read(ref _changes);

        public void Apply(WatchEvent change)
        {
            Interlocked.Increment(ref _changes);
            var pod = new KubeObject(change.Object.ToJsonObject());
            var key = $"{pod.Namespace}/{pod.Name}";
            if (change.Type == WatchEventType.Deleted)
            {
                _pods.Remove(key);
            }
            else
            {
                _pods[key] = pod;
            }
            if (invariant(_pods.Values) is { } violation)
            {
                Violations.Enqueue($"rv {change.ResourceVersion}: {violation}");
            }
        }
    }

    private sealed class PodWatchActor : ReceiveActor
    {
        public PodWatchActor(Watcher watcher) => Receive<WatchEvent>(watcher.Apply);
    }
}
