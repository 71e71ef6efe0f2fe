using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>
/// The default profile's scores (0–100 each): NodeResourcesFit least-allocated (weight 1), NodeResourcesBalancedAllocation
/// (weight 1), and spreading of the pods of one controller over nodes (weight 2, as PodTopologySpread's system default
/// on hostnames). Ties break by a rotation over the node names, so equal nodes take turns deterministically.
/// </summary>
public static class Scoring
{
    /// <summary>The total score of each feasible node.</summary>
    public static Dictionary<string, long> Score(KubeObject pod, IReadOnlyList<NodeInfo> feasible)
    {
        var request = PodResources.NonZeroRequests(pod);
        var owner = pod.ControllerReference?.Uid;
        var maxOwned = owner is null ? 0 : feasible.Max(n => n.Owners.GetValueOrDefault(owner));
        var scores = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var node in feasible)
        {
            var cpu = node.NonZeroRequested.MilliCpu + request.MilliCpu;
            var memory = node.NonZeroRequested.Memory + request.Memory;
            var least = (LeastAllocated(cpu, node.Allocatable.MilliCpu) + LeastAllocated(memory, node.Allocatable.Memory)) / 2;
            var balanced = Balanced(cpu, node.Allocatable.MilliCpu, memory, node.Allocatable.Memory);
            var spread = owner is null || maxOwned == 0 ? 100 : 100L * (maxOwned - node.Owners.GetValueOrDefault(owner)) / maxOwned;
            scores[node.Name] = least + balanced + (2 * spread);
        }
        return scores;
    }

    /// <summary>Picks the best node; among equals the <paramref name="turn"/>-th (modulo) in name order.</summary>
    public static string Pick(Dictionary<string, long> scores, long turn)
    {
        var best = scores.Values.Max();
        var top = scores.Where(kv => kv.Value == best).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
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
