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
        // One pass over the pods: a large ReplicaSet syncs on every change of any of its pods.
        int fullyLabeled = 0, ready = 0, available = 0;
        var wake = retryAt ?? DateTimeOffset.MaxValue;
        foreach (var pod in active)
        {
            var facts = PodState.Of(pod);
            fullyLabeled += templateLabels.Matches(pod.Stored.Labels) ? 1 : 0;
            ready += facts.Ready ? 1 : 0;
            available += PodState.IsAvailable(facts, minReady, now) ? 1 : 0;
            if (PodState.AvailableAt(facts, minReady, now) is { } at && at + TimeSpan.FromSeconds(1) < wake)
            {
                wake = at + TimeSpan.FromSeconds(1);
            }
        }
        status["replicas"] = active.Count;
        status["fullyLabeledReplicas"] = fullyLabeled;
        status["readyReplicas"] = ready;
        status["availableReplicas"] = available;
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
