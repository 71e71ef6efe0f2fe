using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.ReplicaSet;

/// <summary>
/// The order in which a ReplicaSet deletes pods when it scales down (Kubernetes' <c>ActivePodsWithRanks</c> with
/// logarithmic scale-down): unscheduled first; Pending, then Unknown, then Running; not ready before ready; lower
/// <c>controller.kubernetes.io/pod-deletion-cost</c> first; more pods of the same owner on its node first; ready for
/// less time first (compared in log2 buckets, ties broken by uid); more restarts first; newer first; then by uid.
/// </summary>
public sealed class ScaleDownRanking : IComparer<KubeObject>
{
    private readonly IReadOnlyDictionary<string, int> _podsOnNode;
    private readonly DateTimeOffset _now;

    /// <summary>Ranks pods; <paramref name="related"/> are the active pods of the same owner (for the same-node count).</summary>
    public ScaleDownRanking(IEnumerable<KubeObject> related, DateTimeOffset now)
    {
        _podsOnNode = related.Select(p => new PodView(p).NodeName).Where(n => !string.IsNullOrEmpty(n))
            .GroupBy(n => n!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        _now = now;
    }

    /// <summary>Sorts <paramref name="pods"/> so that the first ones are deleted first.</summary>
    public List<KubeObject> Order(IEnumerable<KubeObject> pods)
    {
        var list = pods.ToList();
        list.Sort(this);
        return list;
    }

    /// <inheritdoc />
    public int Compare(KubeObject? x, KubeObject? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null || y is null)
        {
            return x is null ? 1 : -1;
        }
        if (Less(x, y))
        {
            return -1;
        }
        return Less(y, x) ? 1 : 0;
    }

    private bool Less(KubeObject a, KubeObject b)
    {
        var nodeA = new PodView(a).NodeName;
        var nodeB = new PodView(b).NodeName;
        // 1. Unassigned before assigned.
        if (string.IsNullOrEmpty(nodeA) != string.IsNullOrEmpty(nodeB))
        {
            return string.IsNullOrEmpty(nodeA);
        }
        // 2. Pending < Unknown < Running.
        var phaseA = PhaseOrdinal(new PodView(a).Phase);
        var phaseB = PhaseOrdinal(new PodView(b).Phase);
        if (phaseA != phaseB)
        {
            return phaseA < phaseB;
        }
        // 3. Not ready before ready.
        var readyA = PodState.IsReady(a);
        var readyB = PodState.IsReady(b);
        if (readyA != readyB)
        {
            return !readyA;
        }
        // 4. Lower deletion cost first.
        var costA = PodState.DeletionCost(a);
        var costB = PodState.DeletionCost(b);
        if (costA != costB)
        {
            return costA < costB;
        }
        // 5. More pods of the same owner on the node first.
        var rankA = RankOnNode(nodeA);
        var rankB = RankOnNode(nodeB);
        if (rankA != rankB)
        {
            return rankA > rankB;
        }
        // 6. Ready for less time first, in log2 buckets.
        if (readyA && readyB)
        {
            var sinceA = PodState.ReadySince(a);
            var sinceB = PodState.ReadySince(b);
            if (sinceA != sinceB)
            {
                if (sinceA is null || sinceB is null)
                {
                    return AfterOrZero(sinceA, sinceB);
                }
                var diff = LogBucket(sinceA.Value) - LogBucket(sinceB.Value);
                if (diff == 0)
                {
                    return string.CompareOrdinal(a.Uid, b.Uid) < 0;
                }
                return diff < 0;
            }
        }
        // 7. More restarts first.
        var restartsA = PodState.MaxRestarts(a);
        var restartsB = PodState.MaxRestarts(b);
        if (restartsA != restartsB)
        {
            return restartsA > restartsB;
        }
        // 8. Newer first.
        if (a.CreationTimestamp != b.CreationTimestamp)
        {
            return AfterOrZero(a.CreationTimestamp, b.CreationTimestamp);
        }
        // 9. Uid.
        return string.CompareOrdinal(a.Uid, b.Uid) < 0;
    }

    private int RankOnNode(string? node) => string.IsNullOrEmpty(node) ? 0 : _podsOnNode.GetValueOrDefault(node);

    private long LogBucket(DateTimeOffset since)
    {
        var nanos = (_now - since).Ticks * 100.0;
        return nanos > 0 ? (long)Math.Log2(nanos) : -1;
    }

    private static int PhaseOrdinal(string? phase) => phase switch
    {
        "Unknown" => 1,
        "Running" => 2,
        _ => 0,
    };

    private static bool AfterOrZero(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null || b is null ? a is null : a > b;
}
