namespace Emulator.Chaos.Invariants;

/// <summary>
/// <c>converges-within DURATION</c>: after the last fault, every Deployment, ReplicaSet, StatefulSet and DaemonSet in the
/// cluster reaches its spec (see <see cref="ReplicasConverge"/>) within the stated emulated time.
/// </summary>
public sealed class ConvergesWithin(TimeSpan limit) : Invariant
{
    private static readonly (string Resource, string Kind)[] Workloads =
        [("deployments", "deployment"), ("replicasets", "replicaset"), ("statefulsets", "statefulset"), ("daemonsets", "daemonset")];

    /// <inheritdoc />
    public override string Name => $"converges-within {Format(limit)}";

    /// <inheritdoc />
    public override bool IsConverged(Observation observation) => NotConverged(observation).Count == 0;

    /// <inheritdoc />
    public override void Finish(Observation last, TimeSpan? convergedAfter)
    {
        if (convergedAfter is null)
        {
            Violate(last.Elapsed, $"never converged: {string.Join("; ", NotConverged(last))}");
        }
        else if (convergedAfter > limit)
        {
            Violate(last.Elapsed, $"converged {Format(convergedAfter.Value)} after the last fault, more than {Format(limit)}");
        }
    }

    /// <summary>The workloads of the cluster that have not reached their spec, one line each.</summary>
    public static List<string> NotConverged(Observation observation) =>
        Workloads.SelectMany(w => observation[w.Resource].Where(o => !ReplicasConverge.Converged(w.Kind, o)).Select(o => ReplicasConverge.Status(w.Kind, o))).ToList();

    /// <summary>A duration as the experiment files write them (<c>5m30s</c>).</summary>
    public static string Format(TimeSpan span) =>
        span < TimeSpan.FromSeconds(1) ? $"{span.TotalMilliseconds:0}ms"
        : (span.Hours + (span.Days * 24) > 0 ? $"{span.Hours + (span.Days * 24)}h" : "") + (span.Minutes > 0 ? $"{span.Minutes}m" : "") + (span.Seconds > 0 || span.TotalSeconds < 60 ? $"{span.Seconds}s" : "");
}
