using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Scheduling;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class SchedulerTests : ClusterTestKit
{
    private const string NoVictims = "No preemption victims found for incoming pod";
    private const string NotHelpful = "Preemption is not helpful for scheduling";

    private void StartScheduler() => Sys.ActorOf(Props.Create(() => new Scheduler(Store, Hub, Events, 0)), "scheduler");

    private void AssertUnschedulable(string pod, string message)
    {
        AwaitAssert(() =>
        {
            var p = GetPod(pod);
            Assert.Null(NodeOf(p));
            Assert.Equal("False", Condition(p, "PodScheduled"));
            Assert.Equal("Unschedulable", Condition(p, "PodScheduled", "reason"));
            Assert.Equal(message, Condition(p, "PodScheduled", "message"));
        });
        AwaitAssert(() =>
        {
            var e = Assert.Single(EventsFor(pod, "FailedScheduling"), e => JsonTree.GetString(e.Document, "message") == message);
            Assert.Equal("Warning", JsonTree.GetString(e.Document, "type"));
            Assert.Equal("default-scheduler", JsonTree.GetString(e.Document, "source", "component"));
        });
    }

    private string AwaitBound(string pod)
    {
        string? node = null;
        AwaitAssert(() => Assert.NotNull(node = NodeOf(GetPod(pod))));
        return node!;
    }

    [Fact]
    public void A_pod_is_bound_with_a_Scheduled_event()
    {
        AddNode("n1");
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("web", cpu: "100m")));
        Assert.Equal("n1", AwaitBound("web"));
        Assert.Equal("True", Condition(GetPod("web"), "PodScheduled"));
        AwaitAssert(() => Assert.Equal("Successfully assigned default/web to n1",
            JsonTree.GetString(Assert.Single(EventsFor("web", "Scheduled")).Document, "message")));
    }

    [Fact]
    public void Three_nodes_with_insufficient_cpu()
    {
        AddNode("n1", cpu: "1");
        AddNode("n2", cpu: "1");
        AddNode("n3", cpu: "1");
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("big", cpu: "2")));
        AssertUnschedulable("big", $"0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 {NoVictims}.");
    }

    [Fact]
    public void Mixed_reasons_are_counted_and_sorted()
    {
        AddNode("a", unschedulable: true);
        AddNode("b", taints: [Taint("dedicated", "NoSchedule", "gpu")]);
        AddNode("c", memory: "1Gi");
        AddNode("d", memory: "1Gi", cpu: "1");
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("p", cpu: "2", memory: "2Gi")));
        AssertUnschedulable("p",
            "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable, 2 Insufficient memory. "
            + $"preemption: 0/4 nodes are available: 2 {NoVictims}, 2 {NotHelpful}.");
    }

    [Fact]
    public void A_taint_repels_pods_that_do_not_tolerate_it()
    {
        AddNode("tainted", taints: [Taint("dedicated", "NoSchedule", "gpu")]);
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("plain")));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("wrong-value", edit: spec => spec["tolerations"] = new JsonArray(
            new JsonObject { ["key"] = "dedicated", ["operator"] = "Equal", ["value"] = "cpu", ["effect"] = "NoSchedule" }))));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("equal", edit: spec => spec["tolerations"] = new JsonArray(
            new JsonObject { ["key"] = "dedicated", ["operator"] = "Equal", ["value"] = "gpu", ["effect"] = "NoSchedule" }))));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("everything", edit: spec => spec["tolerations"] = new JsonArray(
            new JsonObject { ["operator"] = "Exists" }))));
        var message = $"0/1 nodes are available: 1 node(s) had untolerated taint(s). preemption: 0/1 nodes are available: 1 {NotHelpful}.";
        AssertUnschedulable("plain", message);
        AssertUnschedulable("wrong-value", message);
        Assert.Equal("tainted", AwaitBound("equal"));
        Assert.Equal("tainted", AwaitBound("everything"));
    }

    [Fact]
    public void NodeSelector_picks_the_labelled_node()
    {
        AddNode("hdd", labels: new JsonObject { ["disk"] = "hdd" });
        AddNode("ssd", labels: new JsonObject { ["disk"] = "ssd" });
        StartScheduler();
        for (var i = 0; i < 3; i++)
        {
            Ok(new CreateObject(ResourceTypes.Pods, PodWith($"p{i}", edit: spec => spec["nodeSelector"] = new JsonObject { ["disk"] = "ssd" })));
        }
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("nowhere", edit: spec => spec["nodeSelector"] = new JsonObject { ["disk"] = "nvme" })));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("ssd", AwaitBound($"p{i}"));
        }
        AssertUnschedulable("nowhere", $"0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 {NotHelpful}.");
    }

    private static Action<JsonObject> RequiredAffinity(params JsonObject[] terms) => spec => spec["affinity"] = new JsonObject
    {
        ["nodeAffinity"] = new JsonObject
        {
            ["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject { ["nodeSelectorTerms"] = new JsonArray(terms) },
        },
    };

    private static JsonObject Expression(string key, string op, params string[] values) => new()
    {
        ["key"] = key,
        ["operator"] = op,
        ["values"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
    };

    [Fact]
    public void Required_node_affinity_expressions_and_fields()
    {
        AddNode("small", labels: new JsonObject { ["zone"] = "a", ["cores"] = "4" });
        AddNode("large", labels: new JsonObject { ["zone"] = "b", ["cores"] = "32" });
        AddNode("plain");
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("in", edit: RequiredAffinity(new JsonObject { ["matchExpressions"] = new JsonArray(Expression("zone", "In", "b", "c")) }))));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("gt", edit: RequiredAffinity(new JsonObject { ["matchExpressions"] = new JsonArray(Expression("cores", "Gt", "8")) }))));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("lt", edit: RequiredAffinity(new JsonObject { ["matchExpressions"] = new JsonArray(Expression("cores", "Lt", "8")) }))));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("absent", edit: RequiredAffinity(new JsonObject { ["matchExpressions"] = new JsonArray(Expression("zone", "DoesNotExist")) }))));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("field", edit: RequiredAffinity(
            new JsonObject { ["matchExpressions"] = new JsonArray(Expression("zone", "In", "z")) },
            new JsonObject { ["matchFields"] = new JsonArray(Expression("metadata.name", "In", "small")) }))));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("none", edit: RequiredAffinity(new JsonObject
        {
            ["matchExpressions"] = new JsonArray(Expression("zone", "Exists"), Expression("zone", "NotIn", "a", "b")),
        }))));
        Assert.Equal("large", AwaitBound("in"));
        Assert.Equal("large", AwaitBound("gt"));
        Assert.Equal("small", AwaitBound("lt"));
        Assert.Equal("plain", AwaitBound("absent"));
        Assert.Equal("small", AwaitBound("field"));
        AssertUnschedulable("none", $"0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 {NotHelpful}.");
    }

    [Fact]
    public void Pods_scheduled_in_a_row_do_not_overcommit_a_node()
    {
        AddNode("n1", cpu: "1", pods: "2");
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("a", cpu: "600m")));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("b", cpu: "600m")));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("c", cpu: "300m")));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("d")));
        // All four are scheduled in one turn, before any bind comes back: the assume cache must count the first ones.
        StartScheduler();
        Assert.Equal("n1", AwaitBound("a"));
        Assert.Equal("n1", AwaitBound("c"));
        AssertUnschedulable("b", $"0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 {NoVictims}.");
        AssertUnschedulable("d", $"0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 {NoVictims}.");
    }

    [Fact]
    public void Host_ports_conflict()
    {
        AddNode("n1");
        StartScheduler();
        static Action<JsonObject> HostPort(int port) => spec => spec["containers"]![0]!["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 80, ["hostPort"] = port });
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("first", edit: HostPort(8080))));
        Assert.Equal("n1", AwaitBound("first"));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("second", edit: HostPort(8080))));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("other", edit: HostPort(8081))));
        Assert.Equal("n1", AwaitBound("other"));
        AssertUnschedulable("second", $"0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 {NoVictims}.");
    }

    [Fact]
    public void Pending_pods_are_retried_when_a_node_is_added_or_room_frees()
    {
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("waiting", cpu: "2")));
        AssertUnschedulable("waiting", "no nodes available to schedule pods");
        AddNode("small", cpu: "1");
        AssertUnschedulable("waiting", $"0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 {NoVictims}.");
        AddNode("big", cpu: "2");
        Assert.Equal("big", AwaitBound("waiting"));

        Ok(new CreateObject(ResourceTypes.Pods, PodWith("next", cpu: "1500m")));
        AssertUnschedulable("next", $"0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 {NoVictims}.");
        // Deleting the bound pod (gone at once with grace period 0) frees the big node.
        Ok(new DeleteObject(ResourceTypes.Pods, "default", "waiting", new DeleteOptions(GracePeriodSeconds: 0)));
        Assert.Equal("big", AwaitBound("next"));
    }

    [Fact]
    public void A_cordoned_node_takes_no_pods_unless_they_tolerate_it()
    {
        AddNode("n1", unschedulable: true);
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("p")));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("tolerant", edit: spec => spec["tolerations"] = new JsonArray(
            new JsonObject { ["key"] = "node.kubernetes.io/unschedulable", ["operator"] = "Exists", ["effect"] = "NoSchedule" }))));
        AssertUnschedulable("p", $"0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 {NotHelpful}.");
        Assert.Equal("n1", AwaitBound("tolerant"));
        // Uncordon: the pending pod is retried.
        var node = Ok(new GetObject(ResourceTypes.Nodes, null, "n1")).ToJsonObject();
        node["spec"]!.AsObject().Remove("unschedulable");
        Ok(new UpdateObject(ResourceTypes.Nodes, node));
        Assert.Equal("n1", AwaitBound("p"));
    }

    [Fact]
    public void Pods_of_one_owner_spread_over_nodes()
    {
        AddNode("n1");
        AddNode("n2");
        AddNode("n3");
        StartScheduler();
        for (var i = 0; i < 6; i++)
        {
            var pod = PodWith($"web-{i}", cpu: "100m", memory: "100Mi");
            pod["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "ReplicaSet",
                ["name"] = "web",
                ["uid"] = "6f1b8a52-9d7e-4c3f-8a1e-2b7c9d0e1f23",
                ["controller"] = true,
            });
            Ok(new CreateObject(ResourceTypes.Pods, pod));
        }
        var placed = Enumerable.Range(0, 6).Select(i => AwaitBound($"web-{i}")).ToList();
        Assert.Equal(new[] { 2, 2, 2 }, placed.GroupBy(n => n).Select(g => g.Count()).ToArray());
    }

    [Fact]
    public void Least_allocated_node_is_preferred()
    {
        AddNode("busy");
        AddNode("idle");
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("existing", cpu: "3", edit: spec => spec["nodeName"] = "busy")));
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("new", cpu: "500m")));
        Assert.Equal("idle", AwaitBound("new"));
    }

    [Fact]
    public void Pods_of_other_schedulers_and_preset_nodes_are_left_alone()
    {
        AddNode("n1");
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("custom", edit: spec => spec["schedulerName"] = "my-scheduler")));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("preset", cpu: "100", edit: spec => spec["nodeName"] = "elsewhere")));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("mine")));
        Assert.Equal("n1", AwaitBound("mine"));
        Assert.Null(NodeOf(GetPod("custom")));
        Assert.Null(Condition(GetPod("custom"), "PodScheduled"));
        Assert.Equal("elsewhere", NodeOf(GetPod("preset")));
        Assert.Empty(EventsFor("custom", "FailedScheduling"));
        Assert.Empty(EventsFor("preset", "Scheduled"));
    }

    [Fact]
    public void Init_containers_count_by_their_largest_request()
    {
        AddNode("n1", cpu: "2", memory: "1Gi");
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("init", cpu: "500m", edit: spec => spec["initContainers"] = new JsonArray(new JsonObject
        {
            ["name"] = "setup",
            ["image"] = "busybox",
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["memory"] = "2Gi" } },
        }))));
        AssertUnschedulable("init", $"0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 {NoVictims}.");
    }

    [Fact]
    public void Pods_avoid_a_node_the_lifecycle_controller_tainted_unreachable()
    {
        AddNode("dead");
        AddNode("alive");
        RenewLease("dead");
        RenewLease("alive");
        Sys.ActorOf(Props.Create(() => new Emulator.ControlPlane.NodeLifecycle.NodeLifecycleController(Store, Hub, Events)), "node-lifecycle");
        StartScheduler();
        for (var i = 0; i < 60; i++)
        {
            Advance(TimeSpan.FromSeconds(1));
            if (i % 10 == 0)
            {
                RenewLease("alive");
            }
        }
        AwaitAssert(() => Assert.Equal("Unknown", Condition(GetNode("dead"), "Ready")));
        for (var i = 0; i < 4; i++)
        {
            Ok(new CreateObject(ResourceTypes.Pods, PodWith($"p{i}")));
        }
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("alive", AwaitBound($"p{i}"));
        }
    }

    [Fact]
    public void A_burst_of_pods_fills_the_nodes_exactly_to_capacity()
    {
        for (var n = 0; n < 20; n++)
        {
            AddNode($"n{n:00}", cpu: "4");
        }
        for (var i = 0; i < 400; i++)
        {
            Ok(new CreateObject(ResourceTypes.Pods, PodWith($"p{i:000}", cpu: "250m")));
        }
        StartScheduler();
        AwaitAssert(() =>
        {
            var pods = Request<ListReply>(new ListObjects(ResourceTypes.Pods, null)).Items.Select(i => new KubeObject(i.ToJsonObject())).ToList();
            Assert.Equal(320, pods.Count(p => NodeOf(p) is not null));
            Assert.Equal(80, pods.Count(p => Condition(p, "PodScheduled", "reason") == "Unschedulable"));
            Assert.All(pods.Where(p => NodeOf(p) is not null).GroupBy(NodeOf), g => Assert.Equal(16, g.Count()));
        }, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Preferences_steer_the_choice()
    {
        AddNode("a", labels: new JsonObject { ["zone"] = "a" });
        AddNode("b", labels: new JsonObject { ["zone"] = "b" }, taints: [Taint("spot", "PreferNoSchedule")]);
        AddNode("c", labels: new JsonObject { ["zone"] = "c" });
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("likes-c", edit: spec => spec["affinity"] = new JsonObject
        {
            ["nodeAffinity"] = new JsonObject
            {
                ["preferredDuringSchedulingIgnoredDuringExecution"] = new JsonArray(new JsonObject
                {
                    ["weight"] = 50,
                    ["preference"] = new JsonObject { ["matchExpressions"] = new JsonArray(Expression("zone", "In", "c")) },
                }),
            },
        })));
        Assert.Equal("c", AwaitBound("likes-c"));
        // Without preferences, a and b score alike on resources; the PreferNoSchedule taint keeps pods off b.
        for (var i = 0; i < 4; i++)
        {
            Ok(new CreateObject(ResourceTypes.Pods, PodWith($"p{i}")));
            Assert.NotEqual("b", AwaitBound($"p{i}"));
        }
    }

    [Fact]
    public void Gated_pods_are_not_scheduled()
    {
        AddNode("n1");
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("gated", edit: spec => spec["schedulingGates"] = new JsonArray(new JsonObject { ["name"] = "example.com/quota" }))));
        AwaitAssert(() => Assert.Equal("SchedulingGated", Condition(GetPod("gated"), "PodScheduled", "reason")));
        Assert.Equal("Scheduling is blocked due to non-empty scheduling gates", Condition(GetPod("gated"), "PodScheduled", "message"));
        Assert.Null(NodeOf(GetPod("gated")));
        Assert.Empty(EventsFor("gated", "FailedScheduling"));
        // Removing the gates is a spec update the model's pod validation does not allow yet (Kubernetes does).
    }

    private void CreatePriorityClass(string name, int value, string preemptionPolicy = "PreemptLowerPriority") =>
        Ok(new CreateObject(PriorityAdmission.PriorityClasses, new JsonObject
        {
            ["apiVersion"] = "scheduling.k8s.io/v1",
            ["kind"] = "PriorityClass",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["value"] = value,
            ["preemptionPolicy"] = preemptionPolicy,
        }));

    [Fact]
    public void Higher_priority_pods_are_scheduled_first()
    {
        AddNode("n1", cpu: "1");
        CreatePriorityClass("high", 1000);
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("a-low", cpu: "600m")));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("z-high", cpu: "600m", edit: spec => spec["priorityClassName"] = "high")));
        Assert.Equal(1000, JsonTree.GetInt(GetPod("z-high").Document, "spec", "priority"));
        StartScheduler();
        Assert.Equal("n1", AwaitBound("z-high"));
        AssertUnschedulable("a-low", $"0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 {NoVictims}.");
    }

    [Fact]
    public void Waiting_pods_take_freed_room_by_priority_then_in_queue_order()
    {
        AddNode("n1", cpu: "1");
        // Without preemption: the high-priority pod waits for room like the others.
        CreatePriorityClass("high", 1000, preemptionPolicy: "Never");
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("blocker", cpu: "1")));
        Assert.Equal("n1", AwaitBound("blocker"));
        var full = $"0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 {NoVictims}.";
        // Queued in this order at the same emulated instant (equal creation times): the names do not decide.
        foreach (var (name, priorityClass) in new[] { ("b-first", (string?)null), ("a-second", null), ("c-third", null), ("z-high", "high") })
        {
            Ok(new CreateObject(ResourceTypes.Pods, PodWith(name, cpu: "600m", edit: spec =>
            {
                if (priorityClass is not null)
                {
                    spec["priorityClassName"] = priorityClass;
                }
            })));
            AssertUnschedulable(name, priorityClass is null ? full : "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.");
        }

        // Each freed slot goes to the highest priority, then to the pod longest in the queue.
        foreach (var (freed, next) in new[] { ("blocker", "z-high"), ("z-high", "b-first"), ("b-first", "a-second") })
        {
            Ok(new DeleteObject(ResourceTypes.Pods, "default", freed, new DeleteOptions(GracePeriodSeconds: 0)));
            Assert.Equal("n1", AwaitBound(next));
            Settle();
            Assert.Equal(1, new[] { "z-high", "b-first", "a-second", "c-third" }.Count(p => Send(new GetObject(ResourceTypes.Pods, "default", p)) is { IsSuccess: true, Object: { } o } && NodeOf(new KubeObject(o.ToJsonObject())) is not null));
        }
        Assert.Null(NodeOf(GetPod("c-third")));
    }

    [Fact]
    public void A_restarted_scheduler_counts_the_pods_already_bound()
    {
        AddNode("n1", cpu: "1");
        var first = Sys.ActorOf(Props.Create(() => new Scheduler(Store, Hub, Events, 0)), "scheduler-1");
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("a", cpu: "700m")));
        Assert.Equal("n1", AwaitBound("a"));
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("b", cpu: "700m")));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("c", cpu: "300m")));
        Sys.ActorOf(Props.Create(() => new Scheduler(Store, Hub, Events, 0)), "scheduler-2");
        Assert.Equal("n1", AwaitBound("c"));
        AssertUnschedulable("b", $"0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 {NoVictims}.");
    }

    [Fact]
    public void A_finished_pod_frees_its_room()
    {
        AddNode("n1", cpu: "1");
        StartScheduler();
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("job", cpu: "800m")));
        Assert.Equal("n1", AwaitBound("job"));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("next", cpu: "800m")));
        AssertUnschedulable("next", $"0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 {NoVictims}.");
        var job = Ok(new GetObject(ResourceTypes.Pods, "default", "job")).ToJsonObject();
        job["status"]!["phase"] = "Succeeded";
        Ok(new UpdateObject(ResourceTypes.Pods, job, UpdateScope.Status));
        Assert.Equal("n1", AwaitBound("next"));
    }

    /// <summary>Passes everything to the store but loses the first bind (as a store restart would).</summary>
    private sealed class LosesFirstBind(IActorRef store) : UntypedActor
    {
        private bool _lost;

        protected override void OnReceive(object message)
        {
            if (message is BindPod && !_lost)
            {
                _lost = true;
                return;
            }
            store.Tell(message, Sender);
        }
    }

    [Fact]
    public void A_bind_whose_reply_is_lost_is_retried_after_the_timeout()
    {
        AddNode("n1");
        var lossy = Sys.ActorOf(Props.Create(() => new LosesFirstBind(Store)), "lossy-store");
        Sys.ActorOf(Props.Create(() => new Scheduler(lossy, Hub, Events, 0)), "scheduler");
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("p")));
        RunUntilIdleIfDeterministic();
        Advance(Scheduler.BindTimeoutAfter - TimeSpan.FromSeconds(1));
        Assert.Null(NodeOf(GetPod("p")));
        Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("n1", AwaitBound("p"));
    }

    [Fact]
    public void Failure_message_formats()
    {
        Assert.Equal("no nodes available to schedule pods", Filters.FitErrorMessage(0, []));
        Assert.Equal(
            $"0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 {NoVictims}.",
            Filters.FitErrorMessage(3, Enumerable.Repeat<IReadOnlyList<FilterFailure>>([new FilterFailure("Insufficient cpu", true)], 3).ToList()));
    }
}
