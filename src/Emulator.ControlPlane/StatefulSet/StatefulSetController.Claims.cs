using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.StatefulSet;

public sealed partial class StatefulSetController
{
    /// <summary>
    /// Creates the missing claims of an ordinal from the volumeClaimTemplates (an existing claim is reused as it is).
    /// True when every claim exists and none is being deleted: only then may the pod be made.
    /// </summary>
    private bool EnsureClaims(ObjectKey key, KubeObject set, int ordinal)
    {
        var ready = true;
        foreach (var template in ClaimTemplates(set))
        {
            var claim = NewClaim(set, template, ordinal);
            var name = JsonTree.GetString(claim, "metadata", "name") ?? "";
            if (Cache(Claims).Get(set.Namespace, name) is { } existing)
            {
                // A claim still terminating from a previous life of this ordinal: the pod waits until it is gone.
                ready &= existing.Object.DeletionTimestamp is null;
                continue;
            }
            if (RetentionPolicy(set).WhenDeleted == "Delete")
            {
                new KubeObject(claim).SetOwnerReferences([SetReference(set)]);
            }
            CreateObject(key, Claims, claim, new ClaimWrite(set, name, PodName(set, ordinal)));
            ready = false;
        }
        return ready;
    }

    /// <summary>
    /// Kubernetes' <c>updateClaimOwnerRefForSetAndPod</c> (persistentVolumeClaimRetentionPolicy): whenDeleted Delete
    /// makes the set an owner of its claims (they go with it); whenScaled Delete makes a condemned pod the owner of its
    /// claims instead (they go with the pod); Retain removes those references. Returns true when a claim was updated.
    /// </summary>
    private bool UpdateClaimOwnership(ObjectKey key, KubeObject set, KubeObject?[] replicas, List<(int Ordinal, KubeObject Pod)> condemned)
    {
        var (whenDeleted, whenScaled) = RetentionPolicy(set);
        var sent = false;
        var start = StartOrdinal(set);
        var pods = replicas.Select((pod, i) => (Ordinal: start + i, Pod: pod, Condemned: false))
            .Concat(condemned.Select(c => (c.Ordinal, Pod: (KubeObject?)c.Pod, Condemned: true)));
        foreach (var (ordinal, pod, isCondemned) in pods)
        {
            if (pod is null || IsTerminating(pod))
            {
                continue;
            }
            foreach (var name in ClaimNames(set, ordinal))
            {
                if (Cache(Claims).Get(set.Namespace, name)?.Object is not { DeletionTimestamp: null } claim)
                {
                    continue;
                }
                var ownedBySet = whenDeleted == "Delete" && !(whenScaled == "Delete" && isCondemned);
                var ownedByPod = whenScaled == "Delete" && isCondemned;
                var references = claim.OwnerReferences.Where(r => r.Uid != set.Uid && r.Uid != pod.Uid).ToList();
                if (ownedBySet)
                {
                    references.Add(claim.OwnerReferences.FirstOrDefault(r => r.Uid == set.Uid) ?? SetReference(set));
                }
                if (ownedByPod)
                {
                    references.Add(claim.OwnerReferences.FirstOrDefault(r => r.Uid == pod.Uid) ?? new OwnerReference("v1", "Pod", pod.Name ?? "", pod.Uid ?? ""));
                }
                if (references.Select(r => r.Uid).Order(StringComparer.Ordinal).SequenceEqual(claim.OwnerReferences.Select(r => r.Uid).Order(StringComparer.Ordinal)))
                {
                    continue;
                }
                var updated = claim.DeepClone();
                updated.SetOwnerReferences(references);
                UpdateObject(key, Claims, updated.Document);
                sent = true;
            }
        }
        return sent;
    }

    private static (string WhenDeleted, string WhenScaled) RetentionPolicy(KubeObject set) =>
        (JsonTree.GetString(set.Document, "spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted") ?? "Retain",
         JsonTree.GetString(set.Document, "spec", "persistentVolumeClaimRetentionPolicy", "whenScaled") ?? "Retain");

    /// <summary>The reference a claim carries to its set under whenDeleted Delete (not a controller reference: the claim is not the set's to adopt).</summary>
    private static OwnerReference SetReference(KubeObject set) => new("apps/v1", "StatefulSet", set.Name ?? "", set.Uid ?? "");
}
