using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.NodeLifecycle;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class NodeLifecycleControllerTests : ClusterTestKit
{
    private void StartController() => Sys.ActorOf(Props.Create(() => new NodeLifecycleController(Store, Hub, Events)), "node-lifecycle");

    /// <summary>Nodes whose kubelet keeps renewing its lease (a healthy node keeps the cluster out of master disruption mode).</summary>
    private readonly List<string> _alive = [];

    /// <summary>
    /// Moves time <paramref name="seconds"/> on; a node's kubelet renews its lease on every whole 10 s mark while it is
    /// alive or <paramref name="renewing"/> names it. Time jumps from mark to mark: the controllers' timers in between
    /// still fire one by one, each followed by the actors' reactions, so nothing differs from stepping every second.
    /// </summary>
    private void Run(int seconds, params string[] renewing)
    {
        var end = Now.ToUnixTimeSeconds() + seconds;
        while (Now.ToUnixTimeSeconds() < end)
        {
            var now = Now.ToUnixTimeSeconds();
            var nextMark = now - (now % 10) + 10;
            Advance(TimeSpan.FromSeconds(Math.Min(nextMark, end) - now));
            if (Now.ToUnixTimeSeconds() % 10 == 0)
            {
                foreach (var node in renewing.Concat(_alive))
                {
                    RenewLease(node);
                }
            }
        }
        RunUntilIdleIfDeterministic();
    }

    private void AddRunningPod(string name, string node, JsonArray? tolerations = null)
    {
        var pod = PodWith(name, edit: spec =>
        {
            spec["nodeName"] = node;
            if (tolerations is not null)
            {
                spec["tolerations"] = tolerations;
            }
        });
        Ok(new CreateObject(ResourceTypes.Pods, pod));
        var created = Ok(new GetObject(ResourceTypes.Pods, "default", name)).ToJsonObject();
        created["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["lastTransitionTime"] = Rfc3339Time.Format(Now) }),
        };
        Ok(new UpdateObject(ResourceTypes.Pods, created, UpdateScope.Status));
    }

    private List<(string Key, string Effect)> TaintsOf(string node) =>
        JsonTree.Objects(JsonTree.GetArray(GetNode(node).Document, "spec", "taints"))
            .Select(t => (JsonTree.GetString(t, "key")!, JsonTree.GetString(t, "effect")!)).OrderBy(t => t).ToList();

    private bool Deleting(string pod) => GetPod(pod).DeletionTimestamp is not null;

    /// <summary>Starts a healthy node with a lease renewed on whole 10 s marks, then lets its kubelet fall silent.</summary>
    private DateTimeOffset StartThenSilence(string node)
    {
        AddHealthyNode();
        AddNode(node);
        RenewLease(node);
        StartController();
        // Align to a renewal mark, renew there for the last time.
        Run(10 - (int)(Now.ToUnixTimeSeconds() % 10), node);
        Run(20, node);
        return Now;
    }

    private void AddHealthyNode(string name = "healthy")
    {
        AddNode(name);
        RenewLease(name);
        _alive.Add(name);
    }

    [Fact]
    public void A_silent_node_becomes_unknown_after_the_grace_period_and_is_tainted_unreachable()
    {
        AddRunningPod("p", "n1");
        var lastRenewal = StartThenSilence("n1");
        Assert.Equal("True", Condition(GetNode("n1"), "Ready"));

        Run(45);
        Assert.Equal("True", Condition(GetNode("n1"), "Ready"));
        Assert.Empty(TaintsOf("n1"));
        Assert.Equal("True", Condition(GetPod("p"), "Ready"));

        Run(10);
        Assert.Equal(lastRenewal + TimeSpan.FromSeconds(55), Now);
        var node = GetNode("n1");
        foreach (var type in new[] { "Ready", "MemoryPressure", "DiskPressure", "PIDPressure" })
        {
            Assert.Equal("Unknown", Condition(node, type));
            Assert.Equal("NodeStatusUnknown", Condition(node, type, "reason"));
            Assert.Equal("Kubelet stopped posting node status.", Condition(node, type, "message"));
        }
        Assert.Equal([(NodeTaints.Unreachable, "NoExecute"), (NodeTaints.Unreachable, "NoSchedule")], TaintsOf("n1"));
        Assert.Equal("False", Condition(GetPod("p"), "Ready"));
        AwaitAssert(() => Assert.Equal("Node n1 status is now: NodeNotReady",
            JsonTree.GetString(Assert.Single(EventsFor("n1", "NodeNotReady")).Document, "message")));
    }

    [Fact]
    public void Pods_are_evicted_after_their_toleration_of_the_unreachable_taint()
    {
        // The default toleration (300 s) comes from admission; another pod tolerates 60 s, another forever.
        AddRunningPod("default-toleration", "n1");
        AddRunningPod("short", "n1", new JsonArray(new JsonObject
        {
            ["key"] = NodeTaints.Unreachable,
            ["operator"] = "Exists",
            ["effect"] = "NoExecute",
            ["tolerationSeconds"] = 60,
        }));
        AddRunningPod("forever", "n1", new JsonArray(new JsonObject { ["operator"] = "Exists" }));
        StartThenSilence("n1");
        Run(55);
        var unreachable = JsonTree.Objects(JsonTree.GetArray(GetNode("n1").Document, "spec", "taints"))
            .Single(t => JsonTree.GetString(t, "effect") == "NoExecute");
        var added = Rfc3339Time.Parse(JsonTree.GetString(unreachable, "timeAdded")!);

        Run((int)(added + TimeSpan.FromSeconds(59) - Now).TotalSeconds);
        Assert.False(Deleting("short"));
        Run(1);
        Assert.True(Deleting("short"));

        Run((int)(added + TimeSpan.FromSeconds(299) - Now).TotalSeconds);
        Assert.False(Deleting("default-toleration"));
        Run(1);
        Assert.True(Deleting("default-toleration"));
        AwaitAssert(() => Assert.Equal("Marking for deletion Pod default/default-toleration",
            JsonTree.GetString(Assert.Single(EventsFor("default-toleration", "TaintManagerEviction")).Document, "message")));

        // The kubelet never confirms: the pods stay Terminating; the pod tolerating forever stays.
        Run(120);
        Assert.True(Deleting("default-toleration"));
        Assert.False(Deleting("forever"));
    }

    [Fact]
    public void Pods_not_tolerating_a_NoExecute_taint_are_evicted_at_once()
    {
        AddNode("n1", taints: [Taint("dedicated", "NoExecute", "db")]);
        RenewLease("n1");
        AddRunningPod("intruder", "n1");
        AddRunningPod("db", "n1", new JsonArray(new JsonObject { ["key"] = "dedicated", ["value"] = "db", ["effect"] = "NoExecute" }));
        StartController();
        AwaitAssert(() => Assert.True(Deleting("intruder")));
        Assert.False(Deleting("db"));
        // Marked before the delete, so a Job's podFailurePolicy can match the eviction (onPodConditions DisruptionTarget).
        var intruder = GetPod("intruder");
        Assert.Equal("True", Condition(intruder, "DisruptionTarget"));
        Assert.Equal("DeletionByTaintManager", Condition(intruder, "DisruptionTarget", "reason"));
        Assert.Equal("Taint manager: deleting due to NoExecute taint", Condition(intruder, "DisruptionTarget", "message"));
        Assert.Equal("True", Condition(intruder, "Ready"));
        Assert.Null(Condition(GetPod("db"), "DisruptionTarget"));
    }

    [Fact]
    public void A_node_that_resumes_heartbeats_is_ready_again_and_untainted()
    {
        StartThenSilence("n1");
        Run(60);
        Assert.Equal("Unknown", Condition(GetNode("n1"), "Ready"));
        Assert.NotEmpty(TaintsOf("n1"));

        PostNodeStatus("n1");
        RenewLease("n1");
        Run(5, "n1");
        Assert.Equal("True", Condition(GetNode("n1"), "Ready"));
        Assert.Empty(TaintsOf("n1"));
        AwaitAssert(() => Assert.Single(EventsFor("n1", "NodeReady")));
        Run(120, "n1");
        Assert.Equal("True", Condition(GetNode("n1"), "Ready"));
    }

    [Fact]
    public void A_not_ready_node_is_tainted_not_ready()
    {
        AddHealthyNode();
        AddNode("n1");
        RenewLease("n1");
        StartController();
        PostNodeStatus("n1", ready: "False");
        Run(5, "n1");
        Assert.Equal([(NodeTaints.NotReady, "NoExecute"), (NodeTaints.NotReady, "NoSchedule")], TaintsOf("n1"));
        PostNodeStatus("n1");
        Run(5, "n1");
        Assert.Empty(TaintsOf("n1"));
    }

    [Fact]
    public void Cordon_adds_the_unschedulable_taint_and_uncordon_removes_it()
    {
        AddNode("n1", taints: [Taint("dedicated", "NoSchedule", "x")]);
        RenewLease("n1");
        StartController();
        var node = Ok(new GetObject(ResourceTypes.Nodes, null, "n1")).ToJsonObject();
        node["spec"]!["unschedulable"] = true;
        Ok(new UpdateObject(ResourceTypes.Nodes, node));
        AwaitAssert(() => Assert.Equal([("dedicated", "NoSchedule"), (NodeTaints.Unschedulable, "NoSchedule")], TaintsOf("n1")));

        node = Ok(new GetObject(ResourceTypes.Nodes, null, "n1")).ToJsonObject();
        node["spec"]!.AsObject().Remove("unschedulable");
        Ok(new UpdateObject(ResourceTypes.Nodes, node));
        AwaitAssert(() => Assert.Equal([("dedicated", "NoSchedule")], TaintsOf("n1")));
    }

    [Fact]
    public void A_node_that_never_posted_status_gets_the_startup_grace_period()
    {
        Ok(new CreateObject(ResourceTypes.Nodes, Object("Node", null, "new", new JsonObject())));
        var created = Now;
        StartController();
        Run(55);
        Assert.Null(Condition(GetNode("new"), "Ready"));
        Run(10);
        Assert.Equal("Unknown", Condition(GetNode("new"), "Ready"));
        Assert.Equal("NodeStatusNeverUpdated", Condition(GetNode("new"), "Ready", "reason"));
        Assert.True(Now - created <= TimeSpan.FromSeconds(65));
    }

    [Fact]
    public void When_every_node_is_silent_nothing_is_evicted()
    {
        AddNode("n1");
        AddNode("n2");
        RenewLease("n1");
        RenewLease("n2");
        AddRunningPod("p", "n1", new JsonArray(new JsonObject
        {
            ["key"] = NodeTaints.Unreachable,
            ["operator"] = "Exists",
            ["effect"] = "NoExecute",
            ["tolerationSeconds"] = 10,
        }));
        // Evicted by even a moment of the NoExecute taint.
        AddRunningPod("zero", "n1", new JsonArray(new JsonObject
        {
            ["key"] = NodeTaints.Unreachable,
            ["operator"] = "Exists",
            ["effect"] = "NoExecute",
            ["tolerationSeconds"] = 0,
        }));
        StartController();
        Run(70);
        Assert.False(Deleting("zero"));
        Assert.Equal("Unknown", Condition(GetNode("n1"), "Ready"));
        Assert.Equal("Unknown", Condition(GetNode("n2"), "Ready"));
        // Master disruption mode: the control plane suspects itself, so only NoSchedule taints go on.
        Assert.Equal([(NodeTaints.Unreachable, "NoSchedule")], TaintsOf("n1"));
        Assert.Equal([(NodeTaints.Unreachable, "NoSchedule")], TaintsOf("n2"));
        Run(60);
        Assert.False(Deleting("p"));

        // n2 comes back: the mode ends, n1 (still Unknown) gets its NoExecute taint again, and the eviction follows.
        PostNodeStatus("n2");
        _alive.Add("n2");
        Run(5);
        Assert.Equal("True", Condition(GetNode("n2"), "Ready"));
        Assert.Equal([(NodeTaints.Unreachable, "NoExecute"), (NodeTaints.Unreachable, "NoSchedule")], TaintsOf("n1"));
        Assert.False(Deleting("p"));
        Run(11);
        Assert.True(Deleting("p"));
    }

    [Fact]
    public void A_small_zone_in_partial_disruption_gets_no_new_NoExecute_taints()
    {
        AddHealthyNode();
        foreach (var node in new[] { "n1", "n2", "n3" })
        {
            AddNode(node);
            RenewLease(node);
        }
        AddRunningPod("p", "n1", new JsonArray(new JsonObject
        {
            ["key"] = NodeTaints.Unreachable,
            ["operator"] = "Exists",
            ["effect"] = "NoExecute",
            ["tolerationSeconds"] = 0,
        }));
        StartController();
        Run(120);
        // 3 of 4 nodes not Ready (more than two, at least 55 %) in a zone of at most 50 nodes: eviction rate 0.
        foreach (var node in new[] { "n1", "n2", "n3" })
        {
            Assert.Equal("Unknown", Condition(GetNode(node), "Ready"));
            Assert.Equal([(NodeTaints.Unreachable, "NoSchedule")], TaintsOf(node));
        }
        Assert.False(Deleting("p"));
        Assert.Empty(TaintsOf("healthy"));
    }

    [Fact]
    public void Nodes_of_a_zone_get_the_NoExecute_taint_one_every_ten_seconds()
    {
        AddHealthyNode("h1");
        AddHealthyNode("h2");
        AddHealthyNode("h3");
        foreach (var node in new[] { "n1", "n2", "n3" })
        {
            AddNode(node);
            RenewLease(node);
        }
        StartController();
        Run(100);
        var added = new[] { "n1", "n2", "n3" }
            .Select(n => JsonTree.Objects(JsonTree.GetArray(GetNode(n).Document, "spec", "taints")).Single(t => JsonTree.GetString(t, "effect") == "NoExecute"))
            .Select(t => Rfc3339Time.Parse(JsonTree.GetString(t, "timeAdded")!)).Order().ToList();
        Assert.Equal(TimeSpan.FromSeconds(10), added[1] - added[0]);
        Assert.Equal(TimeSpan.FromSeconds(10), added[2] - added[1]);
    }
}
