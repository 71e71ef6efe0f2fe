using System.Text.Json.Nodes;
using Emulator.Chaos.Invariants;

namespace Emulator.Chaos.Tests;

/// <summary>Each invariant on hand-made observations: it holds when it should and reports the first violation with its evidence.</summary>
public sealed class InvariantTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Observation At(int seconds, params (string Resource, JsonObject Object)[] objects) =>
        new(Start.AddSeconds(seconds), TimeSpan.FromSeconds(seconds), objects.GroupBy(o => o.Resource).ToDictionary(g => g.Key, g => (IReadOnlyList<JsonObject>)g.Select(o => o.Object).ToArray()));

    private static JsonObject Pod(string name, string owner, string ownerKind, string? node, bool ready, int createdAt = 0, int readyAt = 0, string uid = "") => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = "default",
            ["uid"] = uid.Length > 0 ? uid : name,
            ["creationTimestamp"] = Start.AddSeconds(createdAt).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
            ["ownerReferences"] = new JsonArray(new JsonObject { ["kind"] = ownerKind, ["name"] = owner, ["controller"] = true }),
        },
        ["spec"] = new JsonObject { ["nodeName"] = node },
        ["status"] = new JsonObject
        {
            ["phase"] = ready ? "Running" : "Pending",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False", ["lastTransitionTime"] = Start.AddSeconds(readyAt).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") }),
        },
    };

    [Fact]
    public void Two_daemonset_pods_on_one_node_violate_and_the_evidence_names_them()
    {
        var invariant = new DaemonSetOnePodPerNode("agent");
        invariant.Observe(At(1, ("pods", Pod("agent-a", "agent", "DaemonSet", "node-1", true)), ("pods", Pod("agent-b", "agent", "DaemonSet", "node-2", true))));
        Assert.Null(invariant.FirstViolation);
        invariant.Observe(At(2, ("pods", Pod("agent-a", "agent", "DaemonSet", "node-1", true)), ("pods", Pod("agent-c", "agent", "DaemonSet", "node-1", false))));
        Assert.Equal("node node-1 runs 2 pods of DaemonSet agent: agent-a, agent-c", invariant.FirstViolation!.Evidence);
        Assert.Equal(TimeSpan.FromSeconds(2), invariant.FirstViolation.Elapsed);
    }

    [Fact]
    public void A_statefulset_pod_created_before_its_predecessor_was_ready_violates_ordering()
    {
        var ordered = new StatefulSetOrdered("db");
        ordered.Observe(At(10, ("pods", Pod("db-0", "db", "StatefulSet", "node-1", true, createdAt: 0, readyAt: 8))));
        ordered.Observe(At(20, ("pods", Pod("db-0", "db", "StatefulSet", "node-1", true, createdAt: 0, readyAt: 8)), ("pods", Pod("db-1", "db", "StatefulSet", "node-2", false, createdAt: 15))));
        Assert.Null(ordered.FirstViolation);

        var broken = new StatefulSetOrdered("db");
        broken.Observe(At(10, ("pods", Pod("db-0", "db", "StatefulSet", "node-1", false, createdAt: 0)), ("pods", Pod("db-1", "db", "StatefulSet", "node-2", false, createdAt: 9))));
        Assert.StartsWith("pod db-1 was created at 2026-01-01T00:00:09", broken.FirstViolation!.Evidence, StringComparison.Ordinal);
        Assert.EndsWith("while db-0 was not Running and Ready", broken.FirstViolation.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_with_more_active_pods_than_its_parallelism_violates()
    {
        var invariant = new JobParallelism("batch");
        var job = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "batch", ["namespace"] = "default" }, ["spec"] = new JsonObject { ["parallelism"] = 2 } };
        invariant.Observe(At(1, ("jobs", job), ("pods", Pod("batch-a", "batch", "Job", "node-1", true)), ("pods", Pod("batch-b", "batch", "Job", "node-2", true))));
        Assert.Null(invariant.FirstViolation);
        invariant.Observe(At(2, ("jobs", job), ("pods", Pod("batch-a", "batch", "Job", "node-1", true)), ("pods", Pod("batch-b", "batch", "Job", "node-2", true)), ("pods", Pod("batch-c", "batch", "Job", "node-3", false))));
        Assert.Equal("Job batch has 3 active pods with parallelism 2: batch-a, batch-b, batch-c", invariant.FirstViolation!.Evidence);
    }

    [Fact]
    public void A_lost_acknowledged_write_and_a_resource_version_going_back_violate()
    {
        var ledger = new NoAcknowledgedWriteLost();
        ledger.Written(5, 100);
        ledger.Read(TimeSpan.FromSeconds(1), (5, 100));
        ledger.Read(TimeSpan.FromSeconds(2), (6, 104));
        Assert.Null(ledger.FirstViolation);
        ledger.Read(TimeSpan.FromSeconds(3), (4, 90));
        Assert.Equal("the ledger holds value 4 (resourceVersion 90) but value 5 was acknowledged at resourceVersion 100", ledger.FirstViolation!.Evidence);
    }

    [Fact]
    public void A_deployment_that_never_converges_violates_at_the_end_with_its_status()
    {
        var invariant = new ReplicasConverge("deployment", "web");
        var web = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "default", ["generation"] = 2 },
            ["spec"] = new JsonObject { ["replicas"] = 3 },
            ["status"] = new JsonObject { ["observedGeneration"] = 2, ["replicas"] = 3, ["readyReplicas"] = 2, ["updatedReplicas"] = 3 },
        };
        var last = At(600, ("deployments", web));
        Assert.False(invariant.IsConverged(last));
        invariant.Finish(last, null);
        Assert.Contains("did not converge before the settle time ran out: deployment default/web spec.replicas=3 status: observedGeneration=2, replicas=3, readyReplicas=2", invariant.FirstViolation!.Evidence, StringComparison.Ordinal);

        var slow = new ConvergesWithin(TimeSpan.FromMinutes(1));
        slow.Finish(last, TimeSpan.FromMinutes(2));
        Assert.Equal("converged 2m after the last fault, more than 1m", slow.FirstViolation!.Evidence);
    }

    [Fact]
    public void Pods_of_a_stopped_node_count_as_replaced_only_once_ready_on_ready_nodes()
    {
        var invariant = new KilledNodePodsReplaced();
        var set = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "web-1", ["namespace"] = "default" }, ["spec"] = new JsonObject { ["replicas"] = 2 } };
        invariant.NodeStopped(new StoppedNode("node-1", TimeSpan.Zero, [Pod("web-1-a", "web-1", "ReplicaSet", "node-1", true)]));
        var node2 = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "node-2" }, ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }) } };
        var before = At(60, ("replicasets", set), ("nodes", node2), ("pods", Pod("web-1-a", "web-1", "ReplicaSet", "node-1", true)), ("pods", Pod("web-1-b", "web-1", "ReplicaSet", "node-2", true)));
        Assert.False(invariant.IsConverged(before));
        var after = At(400, ("replicasets", set), ("nodes", node2), ("pods", Pod("web-1-b", "web-1", "ReplicaSet", "node-2", true)), ("pods", Pod("web-1-c", "web-1", "ReplicaSet", "node-2", true)));
        Assert.True(invariant.IsConverged(after));
    }

    [Fact]
    public void A_stopped_node_still_shown_ready_before_its_grace_period_ends_does_not_count_until_started_again()
    {
        var invariant = new KilledNodePodsReplaced();
        var set = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "web-1", ["namespace"] = "default" }, ["spec"] = new JsonObject { ["replicas"] = 1 } };
        static JsonObject Ready(string name) => new() { ["metadata"] = new JsonObject { ["name"] = name }, ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }) } };
        invariant.NodeStopped(new StoppedNode("node-1", TimeSpan.Zero, [Pod("web-1-a", "web-1", "ReplicaSet", "node-1", true)]));
        // Right after the kill the store still says node-1 and its pod are Ready: that is no replacement.
        var stale = At(1, ("replicasets", set), ("nodes", Ready("node-1")), ("pods", Pod("web-1-a", "web-1", "ReplicaSet", "node-1", true)));
        Assert.False(invariant.IsConverged(stale));
        Assert.Equal("ReplicaSet default/web-1 has 0 of 1 pods Running and Ready on Ready nodes", invariant.FirstViolation is null ? Describe(invariant, stale) : "");
        invariant.NodeStarted("node-1");
        Assert.True(invariant.IsConverged(stale));
    }

    private static string Describe(KilledNodePodsReplaced invariant, Observation observation)
    {
        invariant.Finish(observation, null);
        return invariant.FirstViolation!.Evidence.Replace("did not converge before the settle time ran out: ", "", StringComparison.Ordinal);
    }
}
