using System.Text.Json.Nodes;
using Emulator.ControlPlane.History;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.StatefulSet;

public sealed partial class StatefulSetController
{
    /// <summary>The label a StatefulSet's ControllerRevisions carry their hash in (<c>history.ControllerRevisionHashLabel</c>).</summary>
    public const string RevisionHashLabel = ControllerHistory.HistoryHashLabel;

    /// <summary>The set's current and update revisions (and all it controls).</summary>
    private sealed record SetRevisions(KubeObject Current, KubeObject Update, List<KubeObject> All);

    /// <summary>
    /// Kubernetes' <c>getStatefulSetRevisions</c>: the update revision is the one whose data equals the set's template
    /// (the latest, renumbered to the next number when an older one matches — a rollback — or a new one); the current
    /// revision is the one <c>status.currentRevision</c> names, else the update revision. Returns null while a revision
    /// (or the collision count) is being written.
    /// </summary>
    private SetRevisions? EnsureRevisions(ObjectKey key, KubeObject set, List<KubeObject> pods)
    {
        var revisions = ControllerHistory.ControlledBy(Cache(Revisions), set);
        var data = RevisionData(set);
        var equal = ControllerHistory.FindEqual(revisions, data);
        KubeObject update;
        if (equal.Count > 0 && ControllerHistory.DataEquals(ControllerHistory.Data(revisions[^1]), data))
        {
            update = revisions[^1];
        }
        else if (equal.Count > 0)
        {
            UpdateObject(key, Revisions, ControllerHistory.WithRevision(equal[^1], ControllerHistory.NextRevision(revisions)));
            return null;
        }
        else
        {
            var collisionCount = (int?)JsonTree.GetInt(set.Document, "status", "collisionCount");
            var hash = ControllerHistory.HashRevision(data, collisionCount);
            var name = ControllerHistory.RevisionName(set.Name ?? "", hash);
            if (Cache(Revisions).Get(set.Namespace, name) is not null)
            {
                // The name is taken by another template (or another owner): probe with the next collision count.
                var bumped = set.DeepClone();
                bumped.EnsureStatus()["collisionCount"] = (collisionCount ?? 0) + 1;
                UpdateStatus(key, StatefulSets, bumped.Document);
                return null;
            }
            // StatefulSet revisions carry their hash in history's label, not the DaemonSet's controller-revision-hash.
            var revision = ControllerHistory.NewRevision(set, new WorkloadView(set).TemplateLabels, data, ControllerHistory.NextRevision(revisions), hash,
                hashLabel: RevisionHashLabel);
            CreateObject(key, Revisions, revision);
            return null;
        }
        var currentName = JsonTree.GetString(set.Document, "status", "currentRevision");
        var current = revisions.FirstOrDefault(r => r.Name == currentName) ?? update;
        return new SetRevisions(current, update, revisions);
    }

    /// <summary>
    /// The data of a StatefulSet revision (Kubernetes' <c>getPatch</c>): a strategic merge patch that replaces the
    /// template, which <c>kubectl rollout undo</c> applies to the set as it is.
    /// </summary>
    private static JsonObject RevisionData(KubeObject set)
    {
        var template = JsonTree.GetObject(set.Document, "spec", "template")?.DeepClone() as JsonObject ?? [];
        template["$patch"] = "replace";
        return new JsonObject { ["spec"] = new JsonObject { ["template"] = template } };
    }

    /// <summary>The pod template a revision records.</summary>
    private static JsonObject TemplateOf(KubeObject revision)
    {
        var template = JsonTree.GetObject(revision.Document, "data", "spec", "template")?.DeepClone() as JsonObject ?? [];
        template.Remove("$patch");
        return template;
    }

    /// <summary>Kubernetes' <c>truncateHistory</c>: revisions no pod uses, other than current and update, beyond revisionHistoryLimit go, oldest first.</summary>
    private void TruncateHistory(ObjectKey key, KubeObject set, SetRevisions revisions, List<KubeObject> pods)
    {
        var live = pods.Select(Revision).ToHashSet(StringComparer.Ordinal);
        live.Add(revisions.Current.Name ?? "");
        live.Add(revisions.Update.Name ?? "");
        var history = revisions.All.Where(r => !live.Contains(r.Name ?? "")).ToList();
        var limit = (int)(JsonTree.GetInt(set.Document, "spec", "revisionHistoryLimit") ?? 10);
        foreach (var victim in ControllerHistory.ToTruncate(history, limit, new HashSet<string>()))
        {
            DeleteObject(key, Revisions, victim.Namespace, victim.Name ?? "", victim.Uid);
        }
    }
}
