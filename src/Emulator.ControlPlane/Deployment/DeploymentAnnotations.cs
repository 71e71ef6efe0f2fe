using System.Globalization;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Deployment;

/// <summary>The annotations the Deployment controller keeps on Deployments and their ReplicaSets.</summary>
public static class DeploymentAnnotations
{
    /// <summary>The rollout revision of a ReplicaSet (and of the Deployment: its newest).</summary>
    public const string Revision = "deployment.kubernetes.io/revision";

    /// <summary>Earlier revisions a reused ReplicaSet had (comma-separated).</summary>
    public const string RevisionHistory = "deployment.kubernetes.io/revision-history";

    /// <summary>The Deployment's replicas when the ReplicaSet was last scaled.</summary>
    public const string DesiredReplicas = "deployment.kubernetes.io/desired-replicas";

    /// <summary>replicas + maxSurge when the ReplicaSet was last scaled (proportional scaling divides by it).</summary>
    public const string MaxReplicas = "deployment.kubernetes.io/max-replicas";

    /// <summary>Longest revision-history annotation kept, in characters.</summary>
    public const int MaxRevisionHistoryLength = 2000;

    private static readonly HashSet<string> NotCopied = new(StringComparer.Ordinal)
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        Revision,
        RevisionHistory,
        DesiredReplicas,
        MaxReplicas,
        "deprecated.deployment.rollback.to",
    };

    /// <summary>Whether a Deployment annotation is copied to its ReplicaSets.</summary>
    public static bool IsCopied(string key) => !NotCopied.Contains(key);

    /// <summary>An object's revision (0 when absent or invalid).</summary>
    public static long RevisionOf(KubeObject obj) =>
        obj.Annotations.TryGetValue(Revision, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    /// <summary>An integer annotation, or null.</summary>
    public static int? IntOf(KubeObject obj, string key) =>
        obj.Annotations.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>
    /// Copies the Deployment's annotations to a ReplicaSet and raises its revision to <paramref name="newRevision"/> when
    /// lower, keeping the previous revision in the revision history (a rollback). Kubernetes' <c>SetNewReplicaSetAnnotations</c>.
    /// Returns true when anything changed.
    /// </summary>
    public static bool SetNewReplicaSetAnnotations(KubeObject deployment, KubeObject rs, long newRevision)
    {
        var changed = false;
        var annotations = rs.Annotations;
        foreach (var (key, value) in deployment.Annotations)
        {
            if (IsCopied(key) && (!annotations.TryGetValue(key, out var existing) || existing != value))
            {
                rs.SetAnnotation(key, value);
                changed = true;
            }
        }
        var hadRevision = annotations.TryGetValue(Revision, out var oldText);
        long oldRevision = 0;
        if (hadRevision && !long.TryParse(oldText, NumberStyles.None, CultureInfo.InvariantCulture, out oldRevision))
        {
            return changed;
        }
        if (oldRevision < newRevision)
        {
            rs.SetAnnotation(Revision, newRevision.ToString(CultureInfo.InvariantCulture));
            changed = true;
            if (hadRevision)
            {
                var history = annotations.GetValueOrDefault(RevisionHistory, "");
                if (history.Length == 0)
                {
                    rs.SetAnnotation(RevisionHistory, oldText);
                }
                else
                {
                    var revisions = history.Split(',').ToList();
                    var total = history.Length + oldText!.Length + 1;
                    var start = 0;
                    while (total > MaxRevisionHistoryLength && start < revisions.Count)
                    {
                        total -= revisions[start].Length + 1;
                        start++;
                    }
                    if (total <= MaxRevisionHistoryLength)
                    {
                        rs.SetAnnotation(RevisionHistory, string.Join(',', revisions.Skip(start).Append(oldText)));
                    }
                }
            }
        }
        return changed;
    }
}
