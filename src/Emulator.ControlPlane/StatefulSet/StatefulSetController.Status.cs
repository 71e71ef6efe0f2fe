using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.StatefulSet;

public sealed partial class StatefulSetController
{
    /// <summary>
    /// Kubernetes' <c>computeReplicaStatus</c> and <c>completeRollingUpdate</c>: replicas (pods made), readyReplicas,
    /// availableReplicas (ready for minReadySeconds), currentReplicas and updatedReplicas (pods not terminating at the
    /// current and update revisions), the revisions, collisionCount and observedGeneration; once every pod is updated
    /// and ready under RollingUpdate, the update revision becomes the current one.
    /// </summary>
    private void UpdateStatus(ObjectKey key, KubeObject set, SetRevisions revisions, List<KubeObject> pods)
    {
        var minReady = new WorkloadView(set).MinReadySeconds;
        var now = Now;
        var status = set.Status?.DeepClone() as JsonObject ?? [];
        var replicas = pods.Count;
        var ready = pods.Count(IsRunningAndReady);
        var available = pods.Count(p => IsAvailable(p, minReady, now));
        var live = pods.Where(p => !IsTerminating(p)).ToList();
        var current = live.Count(p => Revision(p) == revisions.Current.Name);
        var updated = live.Count(p => Revision(p) == revisions.Update.Name);
        var currentRevision = revisions.Current.Name;
        if (JsonTree.GetString(set.Document, "spec", "updateStrategy", "type") == "RollingUpdate" && updated == replicas && ready == replicas)
        {
            current = updated;
            currentRevision = revisions.Update.Name;
        }
        status["observedGeneration"] = set.Generation ?? 1;
        status["replicas"] = replicas;
        status["readyReplicas"] = ready;
        status["currentReplicas"] = current;
        status["updatedReplicas"] = updated;
        status["availableReplicas"] = available;
        status["currentRevision"] = currentRevision;
        status["updateRevision"] = revisions.Update.Name;
        status["collisionCount"] = (int)(JsonTree.GetInt(set.Document, "status", "collisionCount") ?? 0);
        // One timer per key: wake when the first pod that is ready but not yet available becomes available.
        if (pods.Select(p => ReplicaSet.PodState.AvailableAt(p, minReady, now)).Where(t => t is not null).Min() is { } wake)
        {
            EnqueueAfter(key, wake - now + TimeSpan.FromSeconds(1));
        }
        if (JsonTree.DeepEquals(status, set.Status))
        {
            return;
        }
        var copy = set.DeepClone();
        copy.Document["status"] = status;
        UpdateStatus(key, StatefulSets, copy.Document);
    }
}
