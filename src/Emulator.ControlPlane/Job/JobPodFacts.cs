using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Job;

/// <summary>What the Job controller reads from one of its pods.</summary>
internal static class JobPodFacts
{
    /// <summary>The pod's phase is Succeeded.</summary>
    public static bool IsSucceeded(KubeObject pod) => new PodView(pod).Phase == "Succeeded";

    /// <summary>The pod's phase is Failed.</summary>
    public static bool IsFailedPhase(KubeObject pod) => new PodView(pod).Phase == "Failed";

    /// <summary>Being deleted and not yet Succeeded or Failed (Kubernetes' <c>FilterTerminatingPods</c>).</summary>
    public static bool IsTerminating(KubeObject pod) => pod.DeletionTimestamp is not null && !new PodView(pod).IsTerminal;

    /// <summary>Holds the <c>batch.kubernetes.io/job-tracking</c> finalizer.</summary>
    public static bool HasTrackingFinalizer(KubeObject pod) => pod.Finalizers.Contains(JobController.TrackingFinalizer);

    /// <summary>
    /// Kubernetes' <c>isPodFailed</c>: a Failed pod; with a podFailurePolicy or podReplacementPolicy Failed only that,
    /// otherwise also a pod being deleted before it succeeded (so orphaned pods that never reach Failed still count).
    /// </summary>
    public static bool IsFailed(KubeObject pod, JobSpec spec)
    {
        if (IsFailedPhase(pod))
        {
            return true;
        }
        if (spec.OnlyReplaceFailedPods)
        {
            return false;
        }
        return pod.DeletionTimestamp is not null && !IsSucceeded(pod);
    }

    /// <summary>The completion index of an Indexed Job's pod (annotation, then label), or null when missing or invalid.</summary>
    public static int? CompletionIndex(KubeObject pod)
    {
        var text = pod.Annotations.GetValueOrDefault(JobController.CompletionIndexKey) ?? pod.Labels.GetValueOrDefault(JobController.CompletionIndexKey);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    /// <summary>
    /// When the pod finished (Kubernetes' <c>getFinishedTime</c>): the latest container termination, else when Ready
    /// turned False, else when it was deleted, else its creation.
    /// </summary>
    public static DateTimeOffset FinishedTime(KubeObject pod)
    {
        DateTimeOffset? latest = null;
        foreach (var field in new[] { "containerStatuses", "initContainerStatuses" })
        {
            foreach (var status in JsonTree.Objects(JsonTree.GetArray(pod.Document, "status", field)))
            {
                if (Rfc3339Time.TryParse(JsonTree.GetString(status, "state", "terminated", "finishedAt"), out var at) && (latest is null || at > latest))
                {
                    latest = at;
                }
            }
        }
        if (latest is { } finished)
        {
            return finished;
        }
        if (pod.Status is { } podStatus && Conditions.Find(podStatus, "Ready") is { } ready && JsonTree.GetString(ready, "status") == "False"
            && Rfc3339Time.TryParse(JsonTree.GetString(ready, "lastTransitionTime"), out var unready))
        {
            return unready;
        }
        if (pod.DeletionTimestamp is { } deletion)
        {
            // A graceful deletion's timestamp is when the grace period ends: the pod was deleted that much earlier.
            return deletion.AddSeconds(-(pod.DeletionGracePeriodSeconds ?? 0));
        }
        return pod.CreationTimestamp ?? DateTimeOffset.UnixEpoch;
    }

    /// <summary>Restarts of all containers (init containers included) of a Pending or Running pod (<c>pastBackoffLimitOnFailure</c>).</summary>
    public static long Restarts(KubeObject pod)
    {
        if (new PodView(pod).Phase is not ("Running" or "Pending"))
        {
            return 0;
        }
        long total = 0;
        foreach (var field in new[] { "initContainerStatuses", "containerStatuses" })
        {
            total += JsonTree.Objects(JsonTree.GetArray(pod.Document, "status", field)).Sum(c => JsonTree.GetInt(c, "restartCount") ?? 0);
        }
        return total;
    }

    /// <summary>The container statuses of the pod (app containers first, then init containers), for exit-code rules.</summary>
    public static IEnumerable<JsonObject> ContainerStatuses(KubeObject pod) =>
        JsonTree.Objects(JsonTree.GetArray(pod.Document, "status", "containerStatuses"))
            .Concat(JsonTree.Objects(JsonTree.GetArray(pod.Document, "status", "initContainerStatuses")));
}
