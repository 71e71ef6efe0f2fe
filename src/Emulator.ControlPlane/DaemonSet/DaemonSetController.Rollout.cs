using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.DaemonSet;

public sealed partial class DaemonSetController
{
    /// <summary>
    /// Kubernetes' <c>SurgeCount</c>/<c>UnavailableCount</c> and <c>updatedDesiredNodeCounts</c>: maxSurge and
    /// maxUnavailable of a RollingUpdate DaemonSet resolved against the number of nodes that should run it, percentages
    /// rounded up; a configuration with both zero behaves as maxUnavailable 1.
    /// </summary>
    internal static (int MaxSurge, int MaxUnavailable) RollingUpdateBounds(KubeObject ds, int desiredNumberScheduled)
    {
        if (new WorkloadView(ds).StrategyType != "RollingUpdate")
        {
            return (0, 0);
        }
        var rollingUpdate = JsonTree.GetObject(ds.Document, "spec", "updateStrategy", "rollingUpdate");
        var surge = rollingUpdate?["maxSurge"] is { } s ? IntOrPercent.Resolve(s, desiredNumberScheduled, roundUp: true) : 0;
        var unavailable = rollingUpdate?["maxUnavailable"] is { } u ? IntOrPercent.Resolve(u, desiredNumberScheduled, roundUp: true) : 0;
        if (desiredNumberScheduled > 0 && surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }
        return (surge, unavailable);
    }

    /// <summary>Kubernetes' <c>AllowsSurge</c>: a RollingUpdate whose maxSurge resolves above zero (against one node).</summary>
    internal static bool AllowsSurge(KubeObject ds)
    {
        if (new WorkloadView(ds).StrategyType != "RollingUpdate"
            || JsonTree.Get(ds.Document, "spec", "updateStrategy", "rollingUpdate", "maxSurge") is not { } surge)
        {
            return false;
        }
        try
        {
            return IntOrPercent.Resolve(surge, 1, roundUp: true) > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Kubernetes' <c>rollingUpdate</c>. Without surge: old pods are deleted (unavailable ones always, available ones
    /// while fewer than maxUnavailable nodes lack an available pod) and <see cref="Manage"/> creates their
    /// replacements. With surge: a new pod is created beside each old one (at once where the old one is unavailable,
    /// else up to maxSurge at a time) and the old one is deleted once the new one is available.
    /// </summary>
    private void RollingUpdate(ObjectKey key, KubeObject ds, IReadOnlyDictionary<string, Eligibility> eligibility, Dictionary<string, List<KubeObject>> nodeToPods, string hash)
    {
        var desired = eligibility.Count(e => e.Value.ShouldRun);
        var (maxSurge, maxUnavailable) = RollingUpdateBounds(ds, desired);
        var minReady = new WorkloadView(ds).MinReadySeconds;
        var generation = DaemonPods.TemplateGeneration(ds);
        var now = Now;
        // Every node that should run the pod takes part, with or without pods; iterate in a stable order (Kubernetes
        // walks a map) so runs are reproducible.
        var nodes = nodeToPods.Keys.Concat(eligibility.Where(e => e.Value.ShouldRun).Select(e => e.Key))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        bool Available(KubeObject pod) => DaemonPods.IsAvailable(pod, minReady, now);
        bool ShouldRun(string node) => eligibility.TryGetValue(node, out var e) && e.ShouldRun;

        if (maxSurge == 0)
        {
            var numUnavailable = 0;
            var allowedReplacements = new List<KubeObject>();
            var candidates = new List<KubeObject>();
            foreach (var node in nodes)
            {
                if (!FindUpdatedPodsOnNode(nodeToPods.GetValueOrDefault(node), hash, generation, out var newPod, out var oldPod))
                {
                    // Excess pods: the manage pass cleans this node up; count it unavailable meanwhile.
                    numUnavailable++;
                    continue;
                }
                if ((oldPod is null && newPod is null) || (oldPod is not null && newPod is not null))
                {
                    numUnavailable++;
                }
                else if (newPod is not null)
                {
                    if (!Available(newPod))
                    {
                        numUnavailable++;
                    }
                }
                else if (!Available(oldPod!))
                {
                    // An old pod that is not available anyway is replaced at once.
                    allowedReplacements.Add(oldPod!);
                    numUnavailable++;
                }
                else if (numUnavailable < maxUnavailable)
                {
                    candidates.Add(oldPod!);
                }
            }
            var remaining = Math.Clamp(maxUnavailable - numUnavailable, 0, candidates.Count);
            SyncNodes(key, ds, [.. allowedReplacements, .. candidates.Take(remaining)], [], hash);
            return;
        }

        var oldPodsToDelete = new List<KubeObject>();
        var shouldNotRunPodsToDelete = new List<KubeObject>();
        var candidateNewNodes = new List<string>();
        var allowedNewNodes = new List<string>();
        var numSurge = 0;
        var numAvailable = 0;
        foreach (var node in nodes)
        {
            if (!FindUpdatedPodsOnNode(nodeToPods.GetValueOrDefault(node), hash, generation, out var newPod, out var oldPod))
            {
                numSurge++;
                continue;
            }
            if (oldPod is not null ? Available(oldPod) : newPod is not null && Available(newPod))
            {
                numAvailable++;
            }
            if (oldPod is null)
            {
                continue;
            }
            if (newPod is null)
            {
                if (!Available(oldPod))
                {
                    if (!ShouldRun(node))
                    {
                        oldPodsToDelete.Add(oldPod);
                        continue;
                    }
                    allowedNewNodes.Add(node);
                }
                else if (!ShouldRun(node))
                {
                    shouldNotRunPodsToDelete.Add(oldPod);
                }
                else if (numSurge < maxSurge)
                {
                    candidateNewNodes.Add(node);
                }
                continue;
            }
            if (!Available(newPod))
            {
                // Surged here, waiting for the new pod to become available.
                numSurge++;
                continue;
            }
            oldPodsToDelete.Add(oldPod);
        }
        // With surge the owner expects full availability: pods on nodes that no longer qualify go only as far as
        // pods elsewhere are available beyond the desired count.
        var deletable = Math.Min(numAvailable - desired, shouldNotRunPodsToDelete.Count);
        if (deletable > 0)
        {
            oldPodsToDelete.AddRange(shouldNotRunPodsToDelete.Take(deletable));
        }
        var remainingSurge = Math.Clamp(maxSurge - numSurge, 0, candidateNewNodes.Count);
        SyncNodes(key, ds, oldPodsToDelete, [.. allowedNewNodes, .. candidateNewNodes.Take(remainingSurge)], hash);
    }

    /// <summary>
    /// Kubernetes' <c>findUpdatedPodsOnNode</c>: the node's one new and one old pod (not being deleted); false when it
    /// has more than one of either.
    /// </summary>
    private static bool FindUpdatedPodsOnNode(List<KubeObject>? pods, string hash, long? generation, out KubeObject? newPod, out KubeObject? oldPod)
    {
        newPod = null;
        oldPod = null;
        foreach (var pod in pods ?? [])
        {
            if (pod.DeletionTimestamp is not null)
            {
                continue;
            }
            if (DaemonPods.IsUpdated(pod, hash, generation))
            {
                if (newPod is not null)
                {
                    newPod = oldPod = null;
                    return false;
                }
                newPod = pod;
            }
            else
            {
                if (oldPod is not null)
                {
                    newPod = oldPod = null;
                    return false;
                }
                oldPod = pod;
            }
        }
        return true;
    }
}
