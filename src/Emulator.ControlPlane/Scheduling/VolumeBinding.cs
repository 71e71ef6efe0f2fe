using System.Text.Json.Nodes;
using Emulator.ControlPlane.Volumes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>
/// What the VolumeBinding plugin learnt about a pod's claims in PreFilter: the volumes of its bound claims (whose node
/// affinity each node must satisfy), and its unbound WaitForFirstConsumer claims (which the scheduler binds to the node
/// it picks by setting their selected node).
/// </summary>
/// <param name="BoundVolumes">The volumes of the pod's bound claims; null entries are claims bound to volumes that do not exist.</param>
/// <param name="DelayedClaims">The pod's unbound claims of WaitForFirstConsumer classes.</param>
public sealed record PodVolumes(IReadOnlyList<KubeObject?> BoundVolumes, IReadOnlyList<KubeObject> DelayedClaims)
{
    /// <summary>A pod without claims.</summary>
    public static PodVolumes None { get; } = new([], []);
}

/// <summary>The outcome of the VolumeBinding PreFilter: the pod's volumes, or why no node can take it.</summary>
/// <param name="Volumes">The pod's volumes (when it may go on).</param>
/// <param name="Unresolvable">Kubernetes' message when the pod cannot be scheduled anywhere (a missing claim, an unbound Immediate claim).</param>
public sealed record VolumePreFilter(PodVolumes Volumes, string? Unresolvable);

/// <summary>
/// kube-scheduler's VolumeBinding plugin for the emulated storage: a pod whose claim is missing or being deleted, or
/// has an unbound Immediate claim, fits nowhere (PreFilter, UnschedulableAndUnresolvable); a node must satisfy the node
/// affinity of every bound volume, and of a WaitForFirstConsumer claim already given a node, be that node (Filter).
/// </summary>
public static class VolumeBinding
{
    /// <summary>A bound volume's node affinity excludes the node.</summary>
    public const string NodeConflict = "node(s) had volume node affinity conflict";

    /// <summary>A delayed claim cannot be bound or provisioned on the node.</summary>
    public const string BindConflict = "node(s) didn't find available persistent volumes to bind";

    /// <summary>A claim is bound to a volume that does not exist.</summary>
    public const string VolumeMissing = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";

    /// <summary>PreFilter's message for unbound Immediate claims.</summary>
    public const string UnboundImmediateClaims = "pod has unbound immediate PersistentVolumeClaims";

    /// <summary>Reads the pod's claims, their volumes and classes.</summary>
    /// <param name="pod">The pod.</param>
    /// <param name="claim">Looks a claim up by namespace and name.</param>
    /// <param name="volume">Looks a volume up by name.</param>
    /// <param name="storageClass">Looks a StorageClass up by name.</param>
    public static VolumePreFilter PreFilter(KubeObject pod, Func<string?, string, KubeObject?> claim, Func<string, KubeObject?> volume, Func<string, KubeObject?> storageClass)
    {
        var names = StorageObjects.PodClaimNames(pod).ToList();
        if (names.Count == 0)
        {
            return new(PodVolumes.None, null);
        }
        var bound = new List<KubeObject?>();
        var delayed = new List<KubeObject>();
        var unboundImmediate = false;
        foreach (var name in names)
        {
            if (claim(pod.Namespace, name) is not { } found)
            {
                return new(PodVolumes.None, $"persistentvolumeclaim \"{name}\" not found");
            }
            if (found.DeletionTimestamp is not null)
            {
                return new(PodVolumes.None, $"persistentvolumeclaim \"{name}\" is being deleted");
            }
            if (StorageObjects.VolumeName(found) is { } volumeName)
            {
                bound.Add(volume(volumeName));
                continue;
            }
            var className = StorageObjects.ClaimClass(found);
            if (className is { Length: > 0 } && storageClass(className) is { } sc && JsonTree.GetString(sc.Document, "volumeBindingMode") == "WaitForFirstConsumer")
            {
                delayed.Add(found);
            }
            else
            {
                unboundImmediate = true;
            }
        }
        return unboundImmediate
            ? new(PodVolumes.None, UnboundImmediateClaims)
            : new(new PodVolumes(bound, delayed), null);
    }

    /// <summary>The plugin's verdict for one node: null when the node fits.</summary>
    public static FilterFailure? Filter(PodVolumes volumes, NodeInfo node)
    {
        for (var i = 0; i < volumes.BoundVolumes.Count; i++)
        {
            var volume = volumes.BoundVolumes[i];
            if (volume is null)
            {
                return new FilterFailure(VolumeMissing, false);
            }
            if (JsonTree.GetArray(volume.Document, "spec", "nodeAffinity", "required", "nodeSelectorTerms") is { } terms
                && !AnyTermMatches(terms, node))
            {
                return new FilterFailure(NodeConflict, false);
            }
        }
        for (var i = 0; i < volumes.DelayedClaims.Count; i++)
        {
            var claim = volumes.DelayedClaims[i];
            // Provisioning already started for another node: the claim's volume will live there.
            if (claim.Annotations.TryGetValue(StorageObjects.SelectedNodeAnnotation, out var selected) && selected != node.Name)
            {
                return new FilterFailure(BindConflict, false);
            }
        }
        return null;
    }

    // Apart from Filter: its closure would be allocated for every pod and node, volumes or not.
    private static bool AnyTermMatches(JsonArray terms, NodeInfo node) => JsonTree.Objects(terms).Any(term => NodeAffinity.TermMatches(term, node.Node));

    /// <summary>The delayed claims that still need the chosen node written on them (<c>volume.kubernetes.io/selected-node</c>).</summary>
    public static IEnumerable<JsonObject> SelectNode(PodVolumes volumes, string node)
    {
        foreach (var claim in volumes.DelayedClaims)
        {
            if (claim.Annotations.GetValueOrDefault(StorageObjects.SelectedNodeAnnotation) == node)
            {
                continue;
            }
            var selected = claim.DeepClone();
            selected.SetAnnotation(StorageObjects.SelectedNodeAnnotation, node);
            yield return selected.Document;
        }
    }
}
