using System.Runtime.CompilerServices;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>
/// What a pod takes from its node, computed once per cached object version: cached objects are shared and never
/// changed, so every scheduling cycle reuses the parse instead of reading each bound pod's JSON again.
/// <see cref="HasPodAffinity"/> says whether it has pod (anti-)affinity terms (the pods InterPodAffinity looks at on a node).
/// </summary>
public sealed record PodUsage(ResourceAmount Requests, ResourceAmount NonZeroRequests, IReadOnlyList<HostPort> HostPorts, string? Owner, bool HasPodAffinity)
{
    private static readonly ConditionalWeakTable<KubeObject, PodUsage> Computed = new();

    /// <summary>The usage of <paramref name="pod"/> (memoized per object instance).</summary>
    public static PodUsage Of(KubeObject pod) => Computed.GetValue(pod, Compute);

    /// <summary>
    /// The usage of <paramref name="pod"/>, read from <paramref name="source"/> (the same version, parsed privately):
    /// a <see cref="KubeObject.Deferred"/> pod then never needs its document for its usage.
    /// </summary>
    public static PodUsage Of(KubeObject pod, KubeObject source) => Computed.GetValue(pod, _ => Compute(source));

    /// <summary>Gives <paramref name="pod"/> the usage already computed for another version with the same spec and owner.</summary>
    public static PodUsage Of(KubeObject pod, PodUsage same) => Computed.GetValue(pod, _ => same);

    private static PodUsage Compute(KubeObject pod) => new(
        PodResources.Requests(pod),
        PodResources.NonZeroRequests(pod),
        PodResources.HostPorts(pod).ToList(),
        pod.ControllerReference?.Uid is { Length: > 0 } owner ? owner : null,
        PodAffinityTerm.HasAny(pod));
}
