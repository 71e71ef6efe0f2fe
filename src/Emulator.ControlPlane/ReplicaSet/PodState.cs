using System.Globalization;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.ReplicaSet;

/// <summary>What the workload controllers read from a pod version.</summary>
/// <param name="Active">Not Succeeded/Failed and not being deleted.</param>
/// <param name="Ready">The Ready condition is True.</param>
/// <param name="ReadySince">When it became ready (null when not ready).</param>
public readonly record struct PodFacts(bool Active, bool Ready, DateTimeOffset? ReadySince);

/// <summary>What the workload controllers read from a pod: activity, readiness, availability.</summary>
public static class PodState
{
    /// <summary>
    /// The facts of a cached pod version, from the fields the store reads when it stores the version: a ReplicaSet's
    /// sync reads every pod it owns, and parsing each pod version for it made large ReplicaSets quadratic.
    /// </summary>
    public static PodFacts Of(Informers.CachedObject pod) =>
        new(!pod.Stored.IsDeleting && !pod.Stored.IsTerminalPod, pod.Stored.IsPodReady, pod.Stored.PodReadySince);

    /// <summary>Ready for at least <paramref name="minReadySeconds"/>, from the facts.</summary>
    public static bool IsAvailable(PodFacts pod, int minReadySeconds, DateTimeOffset now) =>
        pod.Ready && (minReadySeconds <= 0 || (pod.ReadySince is { } since && since.AddSeconds(minReadySeconds) <= now));

    /// <summary>When a ready pod that is not yet available will become so (null when it is, or is not ready).</summary>
    public static DateTimeOffset? AvailableAt(PodFacts pod, int minReadySeconds, DateTimeOffset now) =>
        minReadySeconds <= 0 || pod.ReadySince is not { } since || since.AddSeconds(minReadySeconds) <= now ? null : since.AddSeconds(minReadySeconds);

    /// <summary>The annotation that ranks pods for scale-down (lower cost goes first).</summary>
    public const string DeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

    /// <summary>Counted by its controller: not Succeeded/Failed and not being deleted.</summary>
    public static bool IsActive(KubeObject pod) => pod.DeletionTimestamp is null && !new PodView(pod).IsTerminal;

    /// <summary>Not Succeeded/Failed (terminating pods included).</summary>
    public static bool IsNonTerminal(KubeObject pod) => !new PodView(pod).IsTerminal;

    /// <summary>True when the pod's Ready condition is True.</summary>
    public static bool IsReady(KubeObject pod) => new PodView(pod).IsReady;

    /// <summary>Since when the pod has been ready (the Ready condition's lastTransitionTime), or null when not ready.</summary>
    public static DateTimeOffset? ReadySince(KubeObject pod)
    {
        if (pod.Status is not { } status || Conditions.Find(status, "Ready") is not { } ready || JsonTree.GetString(ready, "status") != "True")
        {
            return null;
        }
        return Rfc3339Time.TryParse(JsonTree.GetString(ready, "lastTransitionTime"), out var since) ? since : null;
    }

    /// <summary>Ready for at least <paramref name="minReadySeconds"/>.</summary>
    public static bool IsAvailable(KubeObject pod, int minReadySeconds, DateTimeOffset now)
    {
        if (!IsReady(pod))
        {
            return false;
        }
        if (minReadySeconds <= 0)
        {
            return true;
        }
        return ReadySince(pod) is { } since && since.AddSeconds(minReadySeconds) <= now;
    }

    /// <summary>When a ready pod that is not yet available will become so (null when it is, or is not ready).</summary>
    public static DateTimeOffset? AvailableAt(KubeObject pod, int minReadySeconds, DateTimeOffset now)
    {
        if (minReadySeconds <= 0 || ReadySince(pod) is not { } since)
        {
            return null;
        }
        var at = since.AddSeconds(minReadySeconds);
        return at > now ? at : null;
    }

    /// <summary>The pod's deletion cost annotation (0 when absent or invalid).</summary>
    public static int DeletionCost(KubeObject pod) =>
        pod.Annotations.TryGetValue(DeletionCostAnnotation, out var text) && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var cost) ? cost : 0;

    /// <summary>The highest restart count of the pod's containers.</summary>
    public static long MaxRestarts(KubeObject pod) =>
        JsonTree.Objects(JsonTree.GetArray(pod.Document, "status", "containerStatuses")).Select(c => JsonTree.GetInt(c, "restartCount") ?? 0).DefaultIfEmpty(0).Max();
}
