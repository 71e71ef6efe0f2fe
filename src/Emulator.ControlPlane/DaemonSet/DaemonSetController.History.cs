using System.Text.Json.Nodes;
using Emulator.ControlPlane.History;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.DaemonSet;

public sealed partial class DaemonSetController
{
    /// <summary>The current revision's hash and the other (old) revisions of a DaemonSet.</summary>
    private sealed record RevisionHistory(string Hash, List<KubeObject> Old);

    /// <summary>
    /// Kubernetes' <c>constructHistory</c>: labels unlabelled revisions with their name, finds the revision whose
    /// snapshot equals the template (keeping the newest of duplicates and relabelling their pods), renumbers it to
    /// max(old)+1 when it is reused (a rollback), or snapshots the template as a new revision
    /// <c>&lt;ds&gt;-&lt;hash&gt;</c> (a name taken by another snapshot bumps <c>status.collisionCount</c>). Returns
    /// null while such a write is in flight.
    /// </summary>
    private RevisionHistory? ConstructHistory(ObjectKey key, KubeObject ds)
    {
        var all = ControllerHistory.ControlledBy(Cache(Revisions), ds);
        var sent = false;
        foreach (var revision in all.Where(r => ControllerHistory.Hash(r) is null))
        {
            // The name, not a recomputed hash: no collision to worry about.
            var labelled = revision.DeepClone();
            labelled.SetLabel(ControllerHistory.HashLabel, revision.Name);
            UpdateObject(key, Revisions, labelled.Document);
            sent = true;
        }
        if (sent)
        {
            return null;
        }
        var patch = DaemonPods.RevisionPatch(ds);
        var current = ControllerHistory.FindEqual(all, patch);
        var old = all.Except(current).ToList();
        var next = ControllerHistory.NextRevision(old);
        if (current.Count == 0)
        {
            Snapshot(key, ds, patch, next);
            return null;
        }
        // dedupCurHistories: the highest revision stays; pods of the others take its hash.
        var keep = current[^1];
        var keepHash = ControllerHistory.Hash(keep)!;
        foreach (var duplicate in current.Take(current.Count - 1))
        {
            foreach (var cached in Cache(Pods).ByIndex(ByController, ds.Uid ?? ""))
            {
                if (cached.Object.Labels.GetValueOrDefault(ControllerHistory.HashLabel) != keepHash)
                {
                    var relabelled = cached.Object.DeepClone();
                    relabelled.SetLabel(ControllerHistory.HashLabel, keepHash);
                    UpdateObject(key, Pods, relabelled.Document);
                }
            }
            DeleteObject(key, Revisions, duplicate.Namespace, duplicate.Name ?? "", duplicate.Uid);
            sent = true;
        }
        if (sent)
        {
            return null;
        }
        if (ControllerHistory.RevisionNumber(keep) < next)
        {
            // The template went back to an older revision (kubectl rollout undo): that revision becomes the newest.
            UpdateObject(key, Revisions, ControllerHistory.WithRevision(keep, next));
        }
        return new RevisionHistory(keepHash, old);
    }

    private void Snapshot(ObjectKey key, KubeObject ds, JsonObject patch, long revision)
    {
        var collisionCount = (int?)JsonTree.GetInt(ds.Document, "status", "collisionCount");
        var view = new WorkloadView(ds);
        var hash = ControllerHistory.HashTemplate(view.Template, collisionCount);
        var name = ControllerHistory.RevisionName(ds.Name ?? "", hash);
        if (Cache(Revisions).Get(ds.Namespace, name) is { } taken && taken.Object.DeletionTimestamp is null)
        {
            // The name belongs to another snapshot (or to a revision this DaemonSet does not control): bump the
            // collision count so the next hash differs, as Kubernetes' snapshot does on AlreadyExists.
            var bumped = ds.DeepClone();
            bumped.EnsureStatus()["collisionCount"] = (collisionCount ?? 0) + 1;
            UpdateStatus(key, DaemonSets, bumped.Document);
            return;
        }
        var revisionObject = ControllerHistory.NewRevision(ds, view.TemplateLabels, patch, revision, hash, ds.Annotations);
        CreateObject(key, Revisions, revisionObject);
    }

    /// <summary>
    /// Kubernetes' <c>cleanupHistory</c>: deletes the oldest old revisions beyond <c>revisionHistoryLimit</c>, never
    /// one a pod still runs.
    /// </summary>
    private void CleanupHistory(ObjectKey key, KubeObject ds, List<KubeObject> old, Dictionary<string, List<KubeObject>> nodeToPods)
    {
        var limit = new WorkloadView(ds).RevisionHistoryLimit;
        if (old.Count <= limit)
        {
            return;
        }
        var liveHashes = nodeToPods.Values.SelectMany(p => p)
            .Select(p => p.Labels.GetValueOrDefault(ControllerHistory.HashLabel))
            .OfType<string>().Where(h => h.Length > 0).ToHashSet(StringComparer.Ordinal);
        foreach (var revision in ControllerHistory.ToTruncate(old, limit, liveHashes))
        {
            DeleteObject(key, Revisions, revision.Namespace, revision.Name ?? "", revision.Uid);
        }
    }
}
