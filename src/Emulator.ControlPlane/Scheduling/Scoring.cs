using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>
/// The default profile's scores (0–100 each): NodeResourcesFit least-allocated (weight 1), NodeResourcesBalancedAllocation
/// (weight 1), PodTopologySpread (weight 2: the pod's <c>ScheduleAnyway</c> constraints, or for a pod without
/// constraints the spreading of one controller's pods over nodes, as the system default does on hostnames),
/// InterPodAffinity (weight 2), preferred node affinity (weight 2) and untolerated PreferNoSchedule taints
/// (TaintToleration, weight 3). Ties break by a rotation over the node names, so equal nodes take turns deterministically.
/// </summary>
public static class Scoring
{
    /// <summary>The total score of each feasible node, in the order of <paramref name="feasible"/>.</summary>
    /// <param name="terms">The pod's terms.</param>
    /// <param name="feasible">The nodes that passed the filters.</param>
    /// <param name="nodes">Every node (other pods' domains count), or null for the feasible ones only.</param>
    /// <param name="namespaceLabels">Namespace labels, for affinity terms with a namespace selector.</param>
    public static long[] Score(PodSchedulingTerms terms, IReadOnlyList<NodeInfo> feasible, IReadOnlyList<NodeInfo>? nodes = null,
        Func<string, IReadOnlyDictionary<string, string>?>? namespaceLabels = null)
    {
        var pod = terms.Pod;
        nodes ??= feasible;
        namespaceLabels ??= _ => null;
        var explicitSpread = PodTopologySpread.Score(pod, feasible, nodes);
        var (request, owner) = (PodUsage.Of(pod).NonZeroRequests, PodUsage.Of(pod).Owner);
        var maxOwned = 0;
        if (owner is not null)
        {
            for (var i = 0; i < feasible.Count; i++)
            {
                maxOwned = Math.Max(maxOwned, feasible[i].Owners.GetValueOrDefault(owner));
            }
        }
        // An array beside the feasible nodes, not a map by name: every pending pod is scored on every feasible node.
        var scores = new long[feasible.Count];
        for (var i = 0; i < feasible.Count; i++)
        {
            var node = feasible[i];
            var cpu = node.NonZeroRequested.MilliCpu + request.MilliCpu;
            var memory = node.NonZeroRequested.Memory + request.Memory;
            var least = (LeastAllocated(cpu, node.Allocatable.MilliCpu) + LeastAllocated(memory, node.Allocatable.Memory)) / 2;
            var balanced = Balanced(cpu, node.Allocatable.MilliCpu, memory, node.Allocatable.Memory);
            var spread = explicitSpread?[node.Name]
                ?? (owner is null || maxOwned == 0 ? 100 : 100L * (maxOwned - node.Owners.GetValueOrDefault(owner)) / maxOwned);
            scores[i] = least + balanced + (2 * spread);
        }
        if (InterPodAffinity.Score(pod, feasible, nodes, namespaceLabels) is { } affinity)
        {
            // Normalized from the lowest to the highest raw score, which may be negative (anti-affinity).
            var (min, max) = (affinity.Values.Min(), affinity.Values.Max());
            for (var i = 0; i < feasible.Count; i++)
            {
                if (affinity.TryGetValue(feasible[i].Name, out var value))
                {
                    scores[i] += 2 * (max > min ? 100 * (value - min) / (max - min) : 0);
                }
            }
        }
        // Without preferred terms every node scores 0, and a normalized 0 adds nothing.
        if (terms.PreferredNodeAffinity.Count > 0)
        {
            AddNormalized(scores, feasible, node => PreferredAffinity(terms.PreferredNodeAffinity, node.Node), reverse: false, weight: 2);
        }
        // TaintToleration: the pod's tolerations are read only when a node has a PreferNoSchedule taint (most have none).
        Func<NodeInfo, long> untolerated = static _ => 0;
        if (AnyPreferNoSchedule(feasible))
        {
            var tolerations = terms.Tolerations.Where(t => (JsonTree.GetString(t, "effect") ?? "") is "" or PreferNoSchedule).ToList();
            untolerated = node => node.Taints.Count(t => Taints.Effect(t) == PreferNoSchedule && !Taints.Tolerated(tolerations, t));
        }
        AddNormalized(scores, feasible, untolerated, reverse: true, weight: 3);
        return scores;
    }

    private static bool AnyPreferNoSchedule(IReadOnlyList<NodeInfo> nodes)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            var taints = nodes[i].Taints;
            for (var t = 0; t < taints.Count; t++)
            {
                if (Taints.Effect(taints[t]) == PreferNoSchedule)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private const string PreferNoSchedule = "PreferNoSchedule";

    /// <summary>Sum of the weights of the pod's preferred node affinity terms the node matches (NodeAffinity score).</summary>
    public static long PreferredAffinity(IReadOnlyList<System.Text.Json.Nodes.JsonObject> preferred, KubeObject node) =>
        preferred
            .Where(term => term["preference"] is System.Text.Json.Nodes.JsonObject preference && NodeAffinity.TermMatches(preference, node))
            .Sum(term => JsonTree.GetInt(term, "weight") ?? 0);

    /// <summary>Adds a raw per-node count scaled to 0–100 by the largest (reversed: fewer is better), times its weight.</summary>
    private static void AddNormalized(long[] scores, IReadOnlyList<NodeInfo> feasible, Func<NodeInfo, long> raw, bool reverse, long weight)
    {
        var values = new long[feasible.Count];
        var max = 0L;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = raw(feasible[i]);
            max = Math.Max(max, values[i]);
        }
        for (var i = 0; i < values.Length; i++)
        {
            // DefaultNormalizeScore: all zero scores 0, or 100 reversed.
            var normalized = max <= 0 ? 0 : 100 * values[i] / max;
            scores[i] += weight * (reverse ? 100 - normalized : normalized);
        }
    }

    /// <summary>
    /// Picks the best of <paramref name="feasible"/> by <paramref name="scores"/> (same order); among equals the
    /// <paramref name="turn"/>-th (modulo) in name order.
    /// </summary>
    public static string Pick(IReadOnlyList<NodeInfo> feasible, long[] scores, long turn)
    {
        var best = scores.Max();
        var top = new List<string>();
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] == best)
            {
                top.Add(feasible[i].Name);
            }
        }
        top.Sort(StringComparer.Ordinal);
        return top[(int)(turn % top.Count)];
    }

    private static long LeastAllocated(long requested, long allocatable) =>
        allocatable <= 0 || requested > allocatable ? 0 : (allocatable - requested) * 100 / allocatable;

    private static long Balanced(long cpu, long cpuAllocatable, long memory, long memoryAllocatable)
    {
        if (cpuAllocatable <= 0 || memoryAllocatable <= 0)
        {
            return 0;
        }
        var cpuFraction = Math.Min(1.0, (double)cpu / cpuAllocatable);
        var memoryFraction = Math.Min(1.0, (double)memory / memoryAllocatable);
        // Standard deviation of the two fractions is half their difference.
        return (long)((1 - (Math.Abs(cpuFraction - memoryFraction) / 2)) * 100);
    }
}
