using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Deployment;

public sealed partial class DeploymentController
{
    // The new ReplicaSet a Deployment's last create made: the next status pass reports Progressing NewReplicaSetCreated.
    private readonly Dictionary<ObjectKey, string> _createdNewReplicaSet = [];

    /// <summary>The new ReplicaSet (the oldest whose template equals the Deployment's, ignoring the hash label) and the old ones.</summary>
    private static (ReplicaSetState? New, List<ReplicaSetState> Old) FindNewAndOld(Pass pass)
    {
        var template = pass.View.Template;
        var newRs = pass.Owned.FirstOrDefault(rs => PodTemplateHash.EqualIgnoringHash(new WorkloadView(rs.Object).Template, template));
        return (newRs, pass.Owned.Where(rs => rs != newRs).ToList());
    }

    /// <summary>
    /// Kubernetes' <c>getAllReplicaSetsAndSyncRevision</c>: finds the new ReplicaSet, brings its revision (max old + 1),
    /// copied annotations and minReadySeconds up to date, mirrors its revision on the Deployment, and creates it when
    /// <paramref name="create"/> and missing. Returns <c>Stop</c> when it sent a write the rest of the pass depends on.
    /// </summary>
    private (ReplicaSetState? New, List<ReplicaSetState> Old, bool Stop) SyncRevision(Pass pass, bool create)
    {
        var (newRs, old) = FindNewAndOld(pass);
        var newRevision = old.Select(rs => rs.Revision).DefaultIfEmpty(0).Max() + 1;
        var d = pass.Deployment;
        if (newRs is not null)
        {
            var updated = newRs.Object.DeepClone();
            var changed = DeploymentAnnotations.SetNewReplicaSetAnnotations(d, updated, newRevision);
            if (new WorkloadView(updated).MinReadySeconds != pass.View.MinReadySeconds)
            {
                updated.EnsureSpec()["minReadySeconds"] = pass.View.MinReadySeconds;
                changed = true;
            }
            if (changed)
            {
                UpdateObject(pass.Key, ReplicaSets, updated.Document);
                return (newRs, old, true);
            }
            var revision = newRs.Object.Annotations.GetValueOrDefault(DeploymentAnnotations.Revision);
            if (revision is not null && d.Annotations.GetValueOrDefault(DeploymentAnnotations.Revision) != revision)
            {
                var annotated = d.DeepClone();
                annotated.SetAnnotation(DeploymentAnnotations.Revision, revision);
                UpdateObject(pass.Key, Deployments, annotated.Document);
                return (newRs, old, true);
            }
            if (HasProgressDeadline(pass) && !_createdNewReplicaSet.ContainsKey(pass.Key) && d.Status is var status && (status is null || DeploymentConditions.Find(status, DeploymentConditions.Progressing) is null))
            {
                var next = (JsonObject?)d.Status?.DeepClone() ?? [];
                DeploymentConditions.Set(next, DeploymentConditions.New(DeploymentConditions.Progressing, "True", "FoundNewReplicaSet", $"Found new replica set \"{newRs.Name}\"", pass.Now));
                WriteStatus(pass, next);
                return (newRs, old, true);
            }
            return (newRs, old, false);
        }
        if (!create)
        {
            return (null, old, false);
        }
        CreateNewReplicaSet(pass, old, newRevision);
        return (null, old, true);
    }

    private void CreateNewReplicaSet(Pass pass, List<ReplicaSetState> old, long newRevision)
    {
        var d = pass.Deployment;
        var collisionCount = (int?)JsonTree.GetInt(d.Document, "status", "collisionCount");
        var template = (JsonObject)pass.View.Template!.DeepClone();
        var hash = PodTemplateHash.Compute(pass.View.Template, collisionCount);
        var templateMetadata = JsonTree.Ensure(template, "metadata");
        var labels = JsonTree.Ensure(templateMetadata, "labels");
        labels[PodTemplateHash.LabelKey] = hash;
        var selector = (JsonObject?)pass.View.SelectorJson?.DeepClone() ?? [];
        JsonTree.Ensure(selector, "matchLabels")[PodTemplateHash.LabelKey] = hash;
        var name = $"{d.Name}-{hash}";
        if (Cache(ReplicaSets).Get(d.Namespace, name) is not null)
        {
            // The name is taken by a ReplicaSet of another template (or another owner): a hash collision.
            var status = (JsonObject?)d.Status?.DeepClone() ?? [];
            status["collisionCount"] = (collisionCount ?? 0) + 1;
            WriteStatus(pass, status);
            return;
        }
        var rs = new KubeObject(new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = d.Namespace,
                ["labels"] = labels.DeepClone(),
                ["ownerReferences"] = new JsonArray(new OwnerReference("apps/v1", "Deployment", d.Name ?? "", d.Uid ?? "", true, true).ToJson()),
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = 0,
                ["minReadySeconds"] = pass.View.MinReadySeconds,
                ["selector"] = selector,
                ["template"] = template,
            },
        });
        var replicas = NewReplicaSetReplicas(pass, Saturated(old.Sum(r => (long)r.Planned)), 0);
        rs.EnsureSpec()["replicas"] = replicas;
        DeploymentAnnotations.SetNewReplicaSetAnnotations(d, rs, newRevision);
        SetReplicasAnnotations(pass, rs);
        CreateObject(pass.Key, ReplicaSets, rs.Document, new Created(d, name, replicas));
    }

    /// <summary>
    /// Kubernetes' <c>NewRSNewReplicas</c>: RollingUpdate grows the new ReplicaSet within replicas + maxSurge of all
    /// ReplicaSets' specs (never beyond replicas); Recreate sets it to replicas.
    /// </summary>
    private static int NewReplicaSetReplicas(Pass pass, int oldSpec, int newSpec)
    {
        if (!pass.IsRolling)
        {
            return pass.Replicas;
        }
        var current = (long)oldSpec + newSpec;
        var maxTotal = pass.MaxTotal;
        if (current >= maxTotal)
        {
            return newSpec;
        }
        return newSpec + (int)Math.Min(maxTotal - current, pass.Replicas - newSpec);
    }

    private static bool SetReplicasAnnotations(Pass pass, KubeObject rs)
    {
        var desired = pass.Replicas.ToString(CultureInfo.InvariantCulture);
        var max = pass.MaxTotal.ToString(CultureInfo.InvariantCulture);
        var changed = false;
        if (rs.Annotations.GetValueOrDefault(DeploymentAnnotations.DesiredReplicas) != desired)
        {
            rs.SetAnnotation(DeploymentAnnotations.DesiredReplicas, desired);
            changed = true;
        }
        if (rs.Annotations.GetValueOrDefault(DeploymentAnnotations.MaxReplicas) != max)
        {
            rs.SetAnnotation(DeploymentAnnotations.MaxReplicas, max);
            changed = true;
        }
        return changed;
    }

    /// <summary>Plans a new size for a ReplicaSet; returns true when the size changes.</summary>
    private static bool Scale(ReplicaSetState rs, int replicas)
    {
        if (rs.Planned == replicas)
        {
            return false;
        }
        rs.Planned = replicas;
        rs.Dirty = true;
        return true;
    }

    /// <summary>Sends the planned ReplicaSet writes (size and the desired/max-replicas annotations).</summary>
    private void Flush(Pass pass)
    {
        foreach (var rs in pass.Owned)
        {
            if (!rs.Dirty)
            {
                continue;
            }
            var updated = rs.Object.DeepClone();
            var annotationsChanged = SetReplicasAnnotations(pass, updated);
            if (rs.Planned == rs.SpecReplicas && !annotationsChanged)
            {
                continue;
            }
            new WorkloadView(updated).Replicas = rs.Planned;
            UpdateObject(pass.Key, ReplicaSets, updated.Document, new Scaled(pass.Deployment, rs.Name, rs.SpecReplicas, rs.Planned));
        }
    }

    /// <summary>Deletes old ReplicaSets with nothing left beyond revisionHistoryLimit, lowest revision first.</summary>
    private void Cleanup(Pass pass, List<ReplicaSetState> old)
    {
        if (JsonTree.Get(pass.Deployment.Document, "spec", "revisionHistoryLimit") is null)
        {
            return;
        }
        var cleanable = old.Where(rs => rs.Object.DeletionTimestamp is null).ToList();
        var diff = cleanable.Count - pass.View.RevisionHistoryLimit;
        if (diff <= 0)
        {
            return;
        }
        foreach (var rs in cleanable.OrderBy(r => r.Revision).ThenBy(r => r.Created).Take(diff))
        {
            var observed = JsonTree.GetInt(rs.Object.Document, "status", "observedGeneration") ?? 0;
            if (rs.StatusReplicas != 0 || rs.SpecReplicas != 0 || rs.Planned != 0 || (rs.Object.Generation ?? 0) > observed)
            {
                continue;
            }
            DeleteObject(pass.Key, ReplicaSets, rs.Object.Namespace, rs.Name, rs.Object.Uid);
        }
    }
}
