using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Scheduling;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>The scheduler's InterPodAffinity, PodTopologySpread and DefaultPreemption plugins: placement that depends on other pods.</summary>
public sealed class SchedulerPodPlacementTests : ClusterTestKit
{
    private const string NoVictims = "No preemption victims found for incoming pod";
    private const string NotHelpful = "Preemption is not helpful for scheduling";
    private const string Hostname = "kubernetes.io/hostname";
    private const string Zone = "topology.kubernetes.io/zone";

    private void StartScheduler() => Sys.ActorOf(Props.Create(() => new Scheduler(Store, Hub, Events, 0)), "scheduler");

    private static JsonObject Labelled(JsonObject pod, string app)
    {
        pod["metadata"]!["labels"] = new JsonObject { ["app"] = app };
        return pod;
    }

    private static JsonObject Term(string app, string topologyKey) => new()
    {
        ["labelSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app } },
        ["topologyKey"] = topologyKey,
    };

    private static Action<JsonObject> Required(string kind, params JsonObject[] terms) => spec => spec["affinity"] = new JsonObject
    {
        [kind] = new JsonObject { ["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonArray(terms) },
    };

    private static Action<JsonObject> Spread(string topologyKey, string app, int maxSkew = 1, string when = "DoNotSchedule", Action<JsonObject>? also = null) => spec =>
    {
        spec["topologySpreadConstraints"] = new JsonArray(new JsonObject
        {
            ["maxSkew"] = maxSkew,
            ["topologyKey"] = topologyKey,
            ["whenUnsatisfiable"] = when,
            ["labelSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app } },
        });
        also?.Invoke(spec);
    };

    private void Create(string name, string app, Action<JsonObject>? edit = null) =>
        Ok(new CreateObject(ResourceTypes.Pods, Labelled(PodWith(name, edit: edit), app)));

    private string AwaitBound(string pod)
    {
        string? node = null;
        AwaitAssert(() => Assert.NotNull(node = NodeOf(GetPod(pod))));
        return node!;
    }

    private void AssertUnschedulable(string pod, string message) =>
        AwaitAssert(() =>
        {
            var p = GetPod(pod);
            Assert.Null(NodeOf(p));
            Assert.Equal(message, Condition(p, "PodScheduled", "message"));
        });

    [Fact]
    public void Required_anti_affinity_puts_one_replica_per_node_and_the_extra_one_waits_for_room()
    {
        AddNode("n1");
        AddNode("n2");
        AddNode("n3");
        StartScheduler();
        for (var i = 0; i < 4; i++)
        {
            Create($"web-{i}", "web", Required("podAntiAffinity", Term("web", Hostname)));
        }
        var placed = Enumerable.Range(0, 3).Select(i => AwaitBound($"web-{i}")).ToList();
        Assert.Equal(["n1", "n2", "n3"], placed.Order(StringComparer.Ordinal));
        AssertUnschedulable("web-3", $"0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 {NoVictims}.");

        Ok(new DeleteObject(ResourceTypes.Pods, "default", "web-1", new DeleteOptions(GracePeriodSeconds: 0)));
        Assert.Equal(placed[1], AwaitBound("web-3"));
    }

    [Fact]
    public void Existing_pods_anti_affinity_keeps_matching_pods_off_their_node()
    {
        AddNode("n1");
        AddNode("n2");
        StartScheduler();
        Create("loner", "loner", spec =>
        {
            spec["nodeSelector"] = new JsonObject { [Hostname] = "n1" };
            Required("podAntiAffinity", Term("noisy", Hostname))(spec);
        });
        Assert.Equal("n1", AwaitBound("loner"));
        Create("noisy", "noisy", spec => spec["nodeSelector"] = new JsonObject { [Hostname] = "n1" });
        AssertUnschedulable("noisy", "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) didn't satisfy existing pods anti-affinity rules. "
            + $"preemption: 0/2 nodes are available: 1 {NoVictims}, 1 {NotHelpful}.");
        Create("quiet", "quiet", spec => spec["nodeSelector"] = new JsonObject { [Hostname] = "n1" });
        Assert.Equal("n1", AwaitBound("quiet"));
    }

    [Fact]
    public void Required_affinity_follows_the_selected_pods_domain_and_waits_until_one_exists()
    {
        AddNode("a1", labels: new JsonObject { [Zone] = "a" });
        AddNode("b1", labels: new JsonObject { [Zone] = "b" });
        AddNode("b2", labels: new JsonObject { [Zone] = "b" });
        StartScheduler();
        Create("cache", "cache", spec => spec["nodeSelector"] = new JsonObject { [Hostname] = "b2" });
        Assert.Equal("b2", AwaitBound("cache"));
        for (var i = 0; i < 4; i++)
        {
            Create($"web-{i}", "web", Required("podAffinity", Term("cache", Zone)));
        }
        for (var i = 0; i < 4; i++)
        {
            Assert.StartsWith("b", AwaitBound($"web-{i}"), StringComparison.Ordinal);
        }

        Create("orphan", "orphan", Required("podAffinity", Term("db", Zone)));
        AssertUnschedulable("orphan", $"0/3 nodes are available: 3 node(s) didn't match pod affinity rules. preemption: 0/3 nodes are available: 3 {NotHelpful}.");
        // A matching pod placed in zone a: the waiting pod follows it there.
        Create("db", "db", spec => spec["nodeSelector"] = new JsonObject { [Hostname] = "a1" });
        Assert.Equal("a1", AwaitBound("db"));
        Assert.Equal("a1", AwaitBound("orphan"));
    }

    [Fact]
    public void The_first_pod_of_a_group_with_affinity_to_itself_is_placed()
    {
        AddNode("n1", labels: new JsonObject { [Zone] = "a" });
        AddNode("n2", labels: new JsonObject { [Zone] = "b" });
        StartScheduler();
        Create("group-0", "group", Required("podAffinity", Term("group", Zone)));
        var zone = AwaitBound("group-0");
        Create("group-1", "group", Required("podAffinity", Term("group", Zone)));
        Assert.Equal(zone, AwaitBound("group-1"));
    }

    [Fact]
    public void Topology_spread_keeps_the_skew_between_zones_within_maxSkew()
    {
        AddNode("a1", labels: new JsonObject { [Zone] = "a" });
        AddNode("a2", labels: new JsonObject { [Zone] = "a" });
        AddNode("b1", labels: new JsonObject { [Zone] = "b" });
        StartScheduler();
        for (var i = 0; i < 6; i++)
        {
            Create($"web-{i}", "web", Spread(Zone, "web"));
        }
        var zones = Enumerable.Range(0, 6).Select(i => AwaitBound($"web-{i}")[..1]).ToList();
        Assert.Equal(3, zones.Count(z => z == "a"));
        Assert.Equal(3, zones.Count(z => z == "b"));
    }

    [Fact]
    public void Topology_spread_refuses_a_node_that_would_break_the_skew_or_lacks_the_label()
    {
        AddNode("a1", labels: new JsonObject { [Zone] = "a" });
        AddNode("b1", labels: new JsonObject { [Zone] = "b" });
        AddNode("unlabelled");
        StartScheduler();
        // Only zone a passes the node selector, but nodeAffinityPolicy Ignore counts zone b's empty domain too.
        Action<JsonObject> inZoneA = spec =>
        {
            spec["nodeSelector"] = new JsonObject { [Zone] = "a" };
            spec["topologySpreadConstraints"]![0]!["nodeAffinityPolicy"] = "Ignore";
        };
        Create("web-0", "web", Spread(Zone, "web", also: inZoneA));
        Assert.Equal("a1", AwaitBound("web-0"));
        Create("web-1", "web", Spread(Zone, "web", also: inZoneA));
        AssertUnschedulable("web-1", "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints, 2 node(s) didn't match Pod's node affinity/selector. "
            + $"preemption: 0/3 nodes are available: 1 {NoVictims}, 2 {NotHelpful}.");

        Create("other-0", "other", Spread(Zone, "other", also: spec => spec["nodeSelector"] = new JsonObject { [Hostname] = "unlabelled" }));
        AssertUnschedulable("other-0", "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), 2 node(s) didn't match Pod's node affinity/selector. "
            + $"preemption: 0/3 nodes are available: 3 {NotHelpful}.");
    }

    [Fact]
    public void Preferred_affinity_outweighs_free_room()
    {
        AddNode("n1");
        AddNode("n2");
        AddNode("n3");
        StartScheduler();
        Create("cache", "cache", spec => spec["nodeSelector"] = new JsonObject { [Hostname] = "n2" });
        Assert.Equal("n2", AwaitBound("cache"));
        for (var i = 0; i < 3; i++)
        {
            Create($"web-{i}", "web", spec => spec["affinity"] = new JsonObject
            {
                ["podAffinity"] = new JsonObject
                {
                    ["preferredDuringSchedulingIgnoredDuringExecution"] = new JsonArray(new JsonObject { ["weight"] = 100, ["podAffinityTerm"] = Term("cache", Hostname) }),
                },
            });
            Assert.Equal("n2", AwaitBound($"web-{i}"));
        }
    }

    [Fact]
    public void ScheduleAnyway_spread_prefers_the_emptier_domain()
    {
        AddNode("a1", labels: new JsonObject { [Zone] = "a" });
        AddNode("b1", labels: new JsonObject { [Zone] = "b" });
        StartScheduler();
        for (var i = 0; i < 3; i++)
        {
            Create($"pinned-{i}", "web", spec => spec["nodeSelector"] = new JsonObject { [Hostname] = "a1" });
            AwaitBound($"pinned-{i}");
        }
        Create("spread", "web", Spread(Zone, "web", when: "ScheduleAnyway"));
        Assert.Equal("b1", AwaitBound("spread"));
    }

    private void PriorityClass(string name, int value, string? preemptionPolicy = null)
    {
        var priorityClass = new JsonObject
        {
            ["apiVersion"] = "scheduling.k8s.io/v1",
            ["kind"] = "PriorityClass",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["value"] = value,
        };
        if (preemptionPolicy is not null)
        {
            priorityClass["preemptionPolicy"] = preemptionPolicy;
        }
        Ok(new CreateObject(PriorityAdmission.PriorityClasses, priorityClass));
    }

    private void CreateOfClass(string name, string priorityClass, string cpu, string? node = null) =>
        Ok(new CreateObject(ResourceTypes.Pods, PodWith(name, cpu: cpu, edit: spec =>
        {
            spec["priorityClassName"] = priorityClass;
            if (node is not null)
            {
                spec["nodeSelector"] = new JsonObject { [Hostname] = node };
            }
        })));

    [Fact]
    public void A_higher_priority_pod_preempts_the_least_important_victims_and_is_bound_once_they_are_gone()
    {
        PriorityClass("low", 10);
        PriorityClass("medium", 100);
        PriorityClass("high", 1000);
        AddNode("n1", cpu: "1");
        AddNode("n2", cpu: "1");
        StartScheduler();
        CreateOfClass("medium-1", "medium", "600m", node: "n1");
        CreateOfClass("low-2", "low", "300m", node: "n2");
        CreateOfClass("low-3", "low", "300m", node: "n2");
        Assert.Equal("n1", AwaitBound("medium-1"));
        Assert.Equal("n2", AwaitBound("low-2"));
        Assert.Equal("n2", AwaitBound("low-3"));

        CreateOfClass("urgent", "high", "800m");
        // n2's victims are of lower priority than n1's; both of them must go for 800m to fit.
        AwaitAssert(() =>
        {
            var urgent = GetPod("urgent");
            Assert.Null(NodeOf(urgent));
            Assert.Equal("n2", JsonTree.GetString(urgent.Document, "status", "nominatedNodeName"));
            Assert.Equal("0/2 nodes are available: 2 Insufficient cpu.", Condition(urgent, "PodScheduled", "message"));
        });
        var uid = GetPod("urgent").Uid;
        foreach (var victim in new[] { "low-2", "low-3" })
        {
            AwaitAssert(() =>
            {
                var pod = GetPod(victim);
                Assert.NotNull(pod.DeletionTimestamp);
                Assert.Equal("PreemptionByScheduler", Condition(pod, "DisruptionTarget", "reason"));
                Assert.Equal($"Preempted by pod {uid} on node n2", JsonTree.GetString(Assert.Single(EventsFor(victim, "Preempted")).Document, "message"));
            });
        }
        Assert.Null(GetPod("medium-1").DeletionTimestamp);
        // A pod of lower priority may not take the room promised to the nominated one.
        CreateOfClass("sneaky", "low", "300m", node: "n2");
        AssertUnschedulable("sneaky", $"0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 1 {NoVictims}, 1 {NotHelpful}.");

        // The kubelet finishes the victims: the pod is bound to the node it was nominated to.
        Ok(new DeleteObject(ResourceTypes.Pods, "default", "low-2", new DeleteOptions(GracePeriodSeconds: 0)));
        Ok(new DeleteObject(ResourceTypes.Pods, "default", "low-3", new DeleteOptions(GracePeriodSeconds: 0)));
        Assert.Equal("n2", AwaitBound("urgent"));
    }

    [Fact]
    public void A_pod_that_may_not_preempt_says_so()
    {
        PriorityClass("low", 10);
        PriorityClass("polite", 1000, preemptionPolicy: "Never");
        AddNode("n1", cpu: "1");
        StartScheduler();
        CreateOfClass("low-1", "low", "800m");
        Assert.Equal("n1", AwaitBound("low-1"));
        CreateOfClass("waiting", "polite", "800m");
        AssertUnschedulable("waiting", "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.");
        Assert.Null(GetPod("low-1").DeletionTimestamp);
    }
}
