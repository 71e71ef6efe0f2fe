using System.Text.Json.Nodes;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.ReplicaSet;

public partial class ReplicaSetController
{
    /// <summary>
    /// Writes replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (ready for minReadySeconds; queues the
    /// ReplicaSet again when a pod will become available), observedGeneration and the ReplicaFailure condition.
    /// </summary>
    private void UpdateStatus(ObjectKey key, CachedObject cached, List<CachedObject> active, DateTimeOffset? retryAt)
    {
        var rs = cached.Object;
        var view = new WorkloadView(rs);
        var minReady = view.MinReadySeconds;
        var templateLabels = LabelSelector.FromSet(view.TemplateLabels);
        var now = Now;
        var status = rs.Status?.DeepClone() as JsonObject ?? [];
        status["replicas"] = active.Count;
        status["fullyLabeledReplicas"] = active.Count(p => templateLabels.Matches(p.Stored.Labels));
        status["readyReplicas"] = active.Count(p => PodState.Of(p).Ready);
        status["availableReplicas"] = active.Count(p => PodState.IsAvailable(PodState.Of(p), minReady, now));
        status["observedGeneration"] = rs.Generation ?? 1;
        if (_failures.TryGetValue(key, out var failure))
        {
            Conditions.Set(status, "ReplicaFailure", "True", "FailedCreate", failure.Message, now);
        }
        else if (status["conditions"] is JsonArray conditions && Conditions.Find(status, "ReplicaFailure") is { } stale)
        {
            conditions.Remove(stale);
            if (conditions.Count == 0)
            {
                status.Remove("conditions");
            }
        }
        // One timer per key: wake for the earliest of a pod becoming available and a create retry.
        var wake = active.Select(p => PodState.AvailableAt(PodState.Of(p), minReady, now)).Where(t => t is not null).Select(t => t!.Value + TimeSpan.FromSeconds(1))
            .Append(retryAt ?? DateTimeOffset.MaxValue).Min();
        if (wake != DateTimeOffset.MaxValue)
        {
            EnqueueAfter(key, wake - now);
        }
        if (JsonTree.DeepEquals(status, rs.Status))
        {
            return;
        }
        var updated = rs.DeepClone();
        updated.Document["status"] = status;
        UpdateStatus(key, _kind.Type, updated.Document);
    }
}
