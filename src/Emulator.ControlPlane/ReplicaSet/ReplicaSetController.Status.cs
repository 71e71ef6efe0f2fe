using System.Text.Json.Nodes;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.ReplicaSet;

public partial class ReplicaSetController
{
    /// <summary>What one pass over a ReplicaSet's pods found.</summary>
    /// <param name="Released">Owned pods the selector no longer matches (to release).</param>
    /// <param name="Active">Owned pods that count as replicas.</param>
    /// <param name="FullyLabeled">Active pods that carry every label of the template.</param>
    /// <param name="Ready">Active pods that are ready.</param>
    /// <param name="Available">Active pods ready for minReadySeconds.</param>
    /// <param name="NextAvailable">When the next ready pod becomes available (null: none waits).</param>
    private sealed record Census(List<CachedObject> Released, List<CachedObject> Active, int FullyLabeled, int Ready, int Available, DateTimeOffset? NextAvailable);

    /// <summary>
    /// One pass over the owned pods, reading only their stored fields: a large ReplicaSet syncs on every change of any
    /// of its pods, so each sync must visit each pod once.
    /// </summary>
    private Census TakeCensus(KubeObject rs, LabelSelector selector)
    {
        var view = new WorkloadView(rs);
        var minReady = view.MinReadySeconds;
        var templateLabels = LabelSelector.FromSet(view.TemplateLabels);
        var deleting = rs.DeletionTimestamp is not null;
        var now = Now;
        var owned = Cache(Pods).ByIndex(ByController, rs.Uid ?? "");
        var released = new List<CachedObject>();
        var active = new List<CachedObject>(owned.Count);
        int fullyLabeled = 0, ready = 0, available = 0;
        DateTimeOffset? next = null;
        foreach (var pod in owned)
        {
            if (!deleting && !pod.Stored.IsDeleting && !selector.Matches(pod.Stored.Labels))
            {
                released.Add(pod);
                continue;
            }
            var facts = PodState.Of(pod);
            if (!facts.Active)
            {
                continue;
            }
            active.Add(pod);
            fullyLabeled += templateLabels.Matches(pod.Stored.Labels) ? 1 : 0;
            ready += facts.Ready ? 1 : 0;
            available += PodState.IsAvailable(facts, minReady, now) ? 1 : 0;
            if (PodState.AvailableAt(facts, minReady, now) is { } at && (next is null || at < next))
            {
                next = at;
            }
        }
        return new Census(released, active, fullyLabeled, ready, available, next);
    }

    /// <summary>
    /// Writes replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (ready for minReadySeconds; queues the
    /// ReplicaSet again when a pod will become available), observedGeneration and the ReplicaFailure condition.
    /// </summary>
    private void UpdateStatus(ObjectKey key, CachedObject cached, Census census, DateTimeOffset? retryAt)
    {
        var rs = cached.Object;
        var now = Now;
        var status = rs.Status?.DeepClone() as JsonObject ?? [];
        var wake = retryAt ?? DateTimeOffset.MaxValue;
        if (census.NextAvailable is { } at && at + TimeSpan.FromSeconds(1) < wake)
        {
            wake = at + TimeSpan.FromSeconds(1);
        }
        status["replicas"] = census.Active.Count;
        status["fullyLabeledReplicas"] = census.FullyLabeled;
        status["readyReplicas"] = census.Ready;
        status["availableReplicas"] = census.Available;
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
