using System.Text.Json.Nodes;

namespace Emulator.Chaos.Invariants;

/// <summary>
/// <c>replicas-converge KIND/NAME</c>: after the faults, the workload's status reaches its spec — every replica ready
/// and (Deployments, StatefulSets) on the current revision; a DaemonSet has a ready pod on every node it should.
/// </summary>
public sealed class ReplicasConverge(string kind, string name) : Invariant
{
    /// <inheritdoc />
    public override string Name => $"replicas-converge {kind}/{name}";

    /// <inheritdoc />
    public override bool IsConverged(Observation observation) =>
        observation.Find(kind + "s", "default", name) is { } workload && Converged(kind, workload);

    /// <inheritdoc />
    protected override string Describe(Observation observation) =>
        observation.Find(kind + "s", "default", name) is { } workload ? Status(kind, workload) : $"{kind} default/{name} does not exist";

    /// <summary>True when <paramref name="workload"/> (of <paramref name="kind"/>, lower case) has converged.</summary>
    public static bool Converged(string kind, JsonObject workload)
    {
        int Spec(string field, int otherwise = 1) => ObjectState.Int(workload, "spec", field, otherwise);
        int Status(string field) => ObjectState.Int(workload, "status", field);
        var observed = Status("observedGeneration") >= (workload["metadata"]?["generation"]?.GetValue<long>() ?? 0);
        return kind switch
        {
            "deployment" => observed && Status("readyReplicas") == Spec("replicas") && Status("updatedReplicas") == Spec("replicas") && Status("replicas") == Spec("replicas"),
            "replicaset" => observed && Status("readyReplicas") == Spec("replicas") && Status("replicas") == Spec("replicas"),
            "statefulset" => observed && Status("readyReplicas") == Spec("replicas") && Status("updatedReplicas") == Spec("replicas"),
            _ => observed && Status("desiredNumberScheduled") == Status("numberReady") && Status("numberMisscheduled") == 0,
        };
    }

    /// <summary>The workload's status in one line.</summary>
    public static string Status(string kind, JsonObject workload)
    {
        var status = workload["status"] as JsonObject ?? [];
        var fields = string.Join(", ", status.Where(p => p.Value is JsonValue).Select(p => $"{p.Key}={p.Value}"));
        return $"{kind} {ObjectState.Namespace(workload)}/{ObjectState.Name(workload)} spec.replicas={ObjectState.Int(workload, "spec", "replicas", 1)} status: {fields}";
    }
}
