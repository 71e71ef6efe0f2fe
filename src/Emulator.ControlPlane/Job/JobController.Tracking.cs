using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Job;

public sealed partial class JobController
{
    /// <summary>A write that removes the tracking finalizer of a pod (and, for a pod the Job no longer wants, deletes it next).</summary>
    private sealed record FinalizerRemoval(KubeObject? Job, KubeObject Pod, bool DeleteAfter);

    /// <summary>
    /// Removes the finalizers of pods whose outcome the stored status already holds (uid in
    /// <c>uncountedTerminatedPods</c>, or, Indexed, their index in <c>completedIndexes</c>), and of pods that count for
    /// nothing (failures a podFailurePolicy Ignore rule matches, indexes out of range, running pods of a Job being
    /// deleted). A pod whose outcome is only being recorded in this pass keeps its finalizer until the record is stored.
    /// </summary>
    private void RemoveRecordedFinalizers(ObjectKey key, KubeObject job, JobSpec spec, List<KubeObject> owned, HashSet<string> uncounted, SortedSet<int> recordedIndexes, HashSet<string> deleting)
    {
        var completions = spec.Completions ?? 0;
        foreach (var pod in owned)
        {
            var uid = pod.Uid ?? "";
            if (!JobPodFacts.HasTrackingFinalizer(pod) || deleting.Contains(uid))
            {
                continue;
            }
            var succeeded = JobPodFacts.IsSucceeded(pod);
            var failed = !succeeded && JobPodFacts.IsFailed(pod, spec);
            var remove = uncounted.Contains(uid)
                || (spec.Indexed && succeeded && (!ValidIndex(pod, completions) || recordedIndexes.Contains(JobPodFacts.CompletionIndex(pod)!.Value)))
                || (failed && (PodFailurePolicy.Match(spec.PodFailurePolicy, pod) is { CountsFailure: false } || (spec.Indexed && !ValidIndex(pod, completions))))
                || (job.DeletionTimestamp is not null && !succeeded && !failed);
            if (remove)
            {
                RemoveFinalizer(key, job, pod, deleteAfter: false);
            }
        }
    }

    private void RemoveFinalizer(ObjectKey key, KubeObject? job, KubeObject pod, bool deleteAfter)
    {
        var updated = pod.DeepClone();
        updated.SetFinalizers(pod.Finalizers.Where(f => f != TrackingFinalizer));
        // Optimistic concurrency on the pod's resourceVersion: a stale copy must not undo a binding or a label change.
        UpdateObject(key, Pods, updated.Document, new FinalizerRemoval(job, pod, deleteAfter));
    }

    /// <summary>
    /// A pod holding the tracking finalizer whose Job is gone or finished: no Job will count it, so the finalizer goes
    /// (Kubernetes' orphan-pod handling), else the pod could never be removed.
    /// </summary>
    private void ReleaseOrphanPod(ObjectKey key)
    {
        if (Cache(Pods).Get(key.Namespace, key.Name)?.Object is not { } pod || !JobPodFacts.HasTrackingFinalizer(pod))
        {
            return;
        }
        if (pod.ControllerReference is { Kind: "Job" } owner && OwnerOf(owner.Uid) is { } job)
        {
            // Its Job exists: that Job's sync counts the pod (and releases it once the Job has finished).
            Enqueue(KeyOf(Jobs, job));
            return;
        }
        RemoveFinalizer(key, null, pod, deleteAfter: false);
    }
}
