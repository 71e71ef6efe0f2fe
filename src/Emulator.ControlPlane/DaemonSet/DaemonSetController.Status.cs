using System.Text.Json.Nodes;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.DaemonSet;

public sealed partial class DaemonSetController
{
    /// <summary>
    /// Kubernetes' <c>updateDaemonSetStatus</c>: per node that should run the pod, whether it has one
    /// (currentNumberScheduled), whether the oldest is ready, available, at the current revision; pods on nodes that
    /// should not run it (numberMisscheduled); numberUnavailable = desired − available; observedGeneration. Queues the
    /// DaemonSet again when a ready pod will become available (minReadySeconds).
    /// </summary>
    private void UpdateStatus(ObjectKey key, CachedObject cached, IReadOnlyDictionary<string, Eligibility> eligibility, Dictionary<string, List<KubeObject>> nodeToPods, string hash)
    {
        var ds = cached.Object;
        var minReady = new WorkloadView(ds).MinReadySeconds;
        var generation = DaemonPods.TemplateGeneration(ds);
        var now = Now;
        int desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0;
        DateTimeOffset? wake = null;
        foreach (var (node, eligible) in eligibility)
        {
            var pods = nodeToPods.GetValueOrDefault(node);
            var scheduled = pods is { Count: > 0 };
            if (!eligible.ShouldRun)
            {
                if (scheduled)
                {
                    misscheduled++;
                }
                continue;
            }
            desired++;
            if (!scheduled)
            {
                continue;
            }
            current++;
            var pod = pods![0];
            if (PodState.IsReady(pod))
            {
                ready++;
                if (PodState.IsAvailable(pod, minReady, now))
                {
                    available++;
                }
                else if (PodState.AvailableAt(pod, minReady, now) is { } at && (wake is null || at < wake))
                {
                    wake = at;
                }
            }
            if (DaemonPods.IsUpdated(pod, hash, generation))
            {
                updated++;
            }
        }
        if (wake is { } when)
        {
            EnqueueAfter(key, when - now + TimeSpan.FromSeconds(1));
        }
        var status = ds.Status?.DeepClone() as JsonObject ?? [];
        status["currentNumberScheduled"] = current;
        status["numberMisscheduled"] = misscheduled;
        status["desiredNumberScheduled"] = desired;
        status["numberReady"] = ready;
        status["observedGeneration"] = ds.Generation ?? 1;
        // omitempty in Kubernetes' DaemonSetStatus: zero is not written.
        SetOrRemove(status, "updatedNumberScheduled", updated);
        SetOrRemove(status, "numberAvailable", available);
        SetOrRemove(status, "numberUnavailable", desired - available);
        if (JsonTree.DeepEquals(status, ds.Status))
        {
            return;
        }
        var toUpdate = ds.DeepClone();
        toUpdate.Document["status"] = status;
        UpdateStatus(key, DaemonSets, toUpdate.Document);
    }

    private static void SetOrRemove(JsonObject status, string field, int value)
    {
        if (value == 0)
        {
            status.Remove(field);
        }
        else
        {
            status[field] = value;
        }
    }
}
