using Emulator.ControlPlane.History;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.DaemonSet;

public sealed partial class DaemonSetController
{
    /// <summary>
    /// Adopts orphan pods the selector matches and releases owned pods it no longer matches (Kubernetes'
    /// <c>ClaimPods</c>). Returns true when any such write was sent.
    /// </summary>
    private bool ClaimPods(ObjectKey key, KubeObject ds, LabelSelector selector)
    {
        var sent = false;
        var uid = ds.Uid ?? "";
        foreach (var cached in Cache(Pods).ByIndex(ByController, uid).ToArray())
        {
            var pod = cached.Object;
            if (!selector.Matches(pod) && pod.DeletionTimestamp is null)
            {
                var released = pod.DeepClone();
                released.SetOwnerReferences(pod.OwnerReferences.Where(r => r.Uid != uid));
                UpdateObject(key, Pods, released.Document);
                sent = true;
            }
        }
        foreach (var cached in Cache(Pods).ByIndex(OrphansByNamespace, ds.Namespace ?? "").ToArray())
        {
            var pod = cached.Object;
            if (pod.ControllerReference is null && pod.DeletionTimestamp is null && selector.Matches(pod))
            {
                var adopted = pod.DeepClone();
                adopted.SetOwnerReferences([.. pod.OwnerReferences, OwnerReferenceTo(ds)]);
                UpdateObject(key, Pods, adopted.Document);
                sent = true;
            }
        }
        return sent;
    }

    /// <summary>Adopts and releases ControllerRevisions as <c>ClaimControllerRevisions</c> does. Returns true when a write was sent.</summary>
    private bool ClaimRevisions(ObjectKey key, KubeObject ds, LabelSelector selector)
    {
        var writes = ControllerHistory.Claim(Cache(Revisions), ds, selector);
        foreach (var write in writes)
        {
            UpdateObject(key, Revisions, write);
        }
        return writes.Count > 0;
    }

    /// <summary>The controller reference a DaemonSet's pods carry.</summary>
    internal static OwnerReference OwnerReferenceTo(KubeObject ds) =>
        new("apps/v1", "DaemonSet", ds.Name ?? "", ds.Uid ?? "", Controller: true, BlockOwnerDeletion: true);

    /// <summary>
    /// Kubernetes' <c>getNodesToDaemonPods</c>: the DaemonSet's pods by the node they are for (bound node or affinity
    /// target), oldest first; terminal pods already being deleted are left out (the kubelet or pod GC finishes them).
    /// </summary>
    private Dictionary<string, List<KubeObject>> NodeToDaemonPods(KubeObject ds)
    {
        var map = new Dictionary<string, List<KubeObject>>(StringComparer.Ordinal);
        foreach (var cached in Cache(Pods).ByIndex(ByController, ds.Uid ?? ""))
        {
            var pod = cached.Object;
            if (pod.DeletionTimestamp is not null && new PodView(pod).IsTerminal)
            {
                continue;
            }
            if (DaemonPods.TargetNodeName(pod) is not { } node)
            {
                continue;
            }
            if (!map.TryGetValue(node, out var list))
            {
                map[node] = list = [];
            }
            list.Add(pod);
        }
        foreach (var list in map.Values)
        {
            list.Sort(DaemonPods.CompareOldestFirst);
        }
        return map;
    }
}
