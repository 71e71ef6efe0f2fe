using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Job;

public sealed partial class JobController
{
    private const string SuccessCriteriaMet = "SuccessCriteriaMet";
    private const string FailureTarget = "FailureTarget";

    /// <summary>How a Job is finishing: the final condition it will get once its pods are counted and gone.</summary>
    private sealed record Finishing(string Type, string Reason, string Message);

    private sealed record StatusWrite(KubeObject Job, List<(string Type, string Reason, string Message)> Events);

    /// <summary>One pass of Kubernetes' <c>syncJob</c>.</summary>
    private void SyncJob(ObjectKey key, CachedObject cached)
    {
        var job = cached.Object;
        var spec = JobSpec.Of(job);
        var owned = Cache(Pods).ByIndex(ByController, job.Uid ?? "").Select(p => p.Object).ToList();
        if (JobConditions.IsFinished(job))
        {
            // A finished Job counts nothing more: the finalizers its pods still hold go (Kubernetes' orphan-pod path).
            foreach (var pod in owned.Where(JobPodFacts.HasTrackingFinalizer))
            {
                RemoveFinalizer(key, job, pod, deleteAfter: false);
            }
            _backoff.Remove(key);
            return;
        }
        LabelSelector selector;
        try
        {
            selector = new WorkloadView(job).Selector;
        }
        catch (SelectorParseException e)
        {
            LogInvalidSelector(key, e.Message);
            return;
        }
        if (ClaimPods(key, job, selector))
        {
            return;
        }

        var now = Now;
        var stored = JobStatusModel.Parse(job.Status);
        var status = JobStatusModel.Parse(job.Status);
        var events = new List<(string, string, string)>();
        var wake = DateTimeOffset.MaxValue;
        var completions = spec.Completions ?? 0;

        // 1. Uncounted pods whose finalizer is gone are counted now (cleanUncountedPodsWithoutFinalizers).
        var withFinalizer = owned.Where(JobPodFacts.HasTrackingFinalizer).Select(p => p.Uid ?? "").ToHashSet(StringComparer.Ordinal);
        status.Succeeded += status.UncountedSucceeded.RemoveAll(uid => !withFinalizer.Contains(uid));
        status.Failed += status.UncountedFailed.RemoveAll(uid => !withFinalizer.Contains(uid));
        var uncounted = stored.UncountedSucceeded.Concat(stored.UncountedFailed).ToHashSet(StringComparer.Ordinal);

        // 2. Finished pods not yet recorded.
        var tracked = owned.Where(p => JobPodFacts.HasTrackingFinalizer(p) && !uncounted.Contains(p.Uid ?? "")).ToList();
        var newSucceeded = tracked.Where(JobPodFacts.IsSucceeded).ToList();
        var newFailed = tracked.Where(p => !JobPodFacts.IsSucceeded(p) && JobPodFacts.IsFailed(p, spec) && (!spec.Indexed || ValidIndex(p, completions))).ToList();
        var countedFailed = newFailed.Where(p => PodFailurePolicy.Match(spec.PodFailurePolicy, p)?.CountsFailure != false).ToList();
        var previousIndexes = spec.Indexed ? CompletedIndexes.Parse(stored.CompletedIndexes, completions) : [];
        var succeededIndexes = new SortedSet<int>(previousIndexes);
        if (spec.Indexed)
        {
            foreach (var pod in owned.Where(p => JobPodFacts.IsSucceeded(p) && JobPodFacts.HasTrackingFinalizer(p) && ValidIndex(p, completions)))
            {
                succeededIndexes.Add(JobPodFacts.CompletionIndex(pod)!.Value);
            }
        }
        var succeeded = spec.Indexed ? succeededIndexes.Count : status.Succeeded + status.UncountedSucceeded.Count + newSucceeded.Count;
        var failed = status.Failed + status.UncountedFailed.Count + countedFailed.Count;
        var backoff = _backoff.TryGetValue(key, out var record) ? record : _backoff[key] = new PodFailureBackoff();
        backoff.Record(newSucceeded, newFailed);

        var active = owned.Where(PodState.IsActive).ToList();
        var activeCount = active.Count;
        var ready = active.Count(PodState.IsReady);
        var terminating = owned.Count(JobPodFacts.IsTerminating);
        if (status.StartTime is null && !spec.Suspend)
        {
            // The Job starts when it is first synced unsuspended.
            status.StartTime = Rfc3339Time.Format(now);
        }

        // 3. Is the Job finishing?
        Finishing? finishing = null;
        var recordFailureTarget = false;
        if (stored.Condition(FailureTarget) is { } target && JsonTree.GetString(target, "status") == "True")
        {
            finishing = new Finishing("Failed", JsonTree.GetString(target, "reason") ?? "", JsonTree.GetString(target, "message") ?? "");
        }
        else if (stored.IsTrue(SuccessCriteriaMet))
        {
            finishing = new Finishing("Complete", "CompletionsReached", "Reached expected number of succeeded pods");
        }
        else if (FailJobMessage(spec, owned) is { } failJob)
        {
            finishing = new Finishing("Failed", "PodFailurePolicy", failJob);
            recordFailureTarget = true;
        }
        else if (failed > spec.BackoffLimit || PastBackoffLimitOnFailure(spec, owned))
        {
            finishing = new Finishing("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
            recordFailureTarget = true;
        }
        else if (spec.ActiveDeadlineSeconds is { } deadline && !spec.Suspend && Rfc3339Time.TryParse(status.StartTime, out var started))
        {
            var endsAt = started.AddSeconds(deadline);
            if (now >= endsAt)
            {
                finishing = new Finishing("Failed", "DeadlineExceeded", "Job was active longer than specified deadline");
                recordFailureTarget = true;
            }
            else
            {
                wake = endsAt;
            }
        }

        // 4. Pods: record the new finished ones; delete, create or wait.
        if (!spec.Indexed)
        {
            status.UncountedSucceeded.AddRange(newSucceeded.Select(p => p.Uid ?? ""));
        }
        else
        {
            status.CompletedIndexes = CompletedIndexes.Format(succeededIndexes);
            status.Succeeded = succeededIndexes.Count;
        }
        status.UncountedFailed.AddRange(countedFailed.Select(p => p.Uid ?? ""));
        var deleting = new HashSet<string>(StringComparer.Ordinal);
        if (recordFailureTarget)
        {
            // FailureTarget is stored before any pod is touched; the pods still running count as failed (Kubernetes:
            // once the Job is finished, every pod that did not succeed is a failure) and are deleted in the next pass.
            status.EnsureCondition(FailureTarget, "True", finishing!.Reason, finishing.Message, now);
            status.UncountedFailed.AddRange(tracked.Where(p => !JobPodFacts.IsSucceeded(p) && !newFailed.Contains(p) && (!spec.Indexed || ValidIndex(p, completions))).Select(p => p.Uid ?? ""));
        }
        else if (finishing is { Type: "Failed" })
        {
            status.UncountedFailed.AddRange(tracked.Where(p => !JobPodFacts.IsSucceeded(p) && !newFailed.Contains(p) && (!spec.Indexed || ValidIndex(p, completions))).Select(p => p.Uid ?? ""));
            foreach (var pod in active)
            {
                if (JobPodFacts.HasTrackingFinalizer(pod) && !uncounted.Contains(pod.Uid ?? ""))
                {
                    // Recorded as failed in this pass: its finalizer may go (and the pod with it) once that is stored.
                    continue;
                }
                DeletePod(key, job, pod);
                deleting.Add(pod.Uid ?? "");
                activeCount--;
                ready -= PodState.IsReady(pod) ? 1 : 0;
            }
            terminating += deleting.Count;
        }
        else if (finishing is null)
        {
            var manage = job.DeletionTimestamp is null;
            if (manage)
            {
                var outcome = ManageJob(key, job, spec, active, succeeded, succeededIndexes, owned, backoff);
                activeCount = outcome.Active;
                ready = outcome.Ready;
                terminating += outcome.Deleted.Count;
                deleting.UnionWith(outcome.Deleted);
                if (outcome.RetryAt is { } retry && retry < wake)
                {
                    wake = retry;
                }
            }
            var complete = spec.Completions is null ? succeeded > 0 && activeCount == 0 : succeeded >= completions && activeCount == 0;
            if (complete)
            {
                finishing = new Finishing("Complete", "CompletionsReached", "Reached expected number of succeeded pods");
                status.EnsureCondition(SuccessCriteriaMet, "True", finishing.Reason, finishing.Message, now);
            }
            else if (manage && spec.Suspend)
            {
                if (status.EnsureCondition("Suspended", "True", "JobSuspended", "Job suspended", now))
                {
                    events.Add(("Normal", "Suspended", "Job suspended"));
                }
                if (activeCount == 0)
                {
                    // A suspended Job without pods has not started (its scheduling directives may change again); the
                    // deadline counts from the resume.
                    status.StartTime = null;
                }
            }
            else if (manage && status.EnsureCondition("Suspended", "False", "JobResumed", "Job resumed", now))
            {
                events.Add(("Normal", "Resumed", "Job resumed"));
                // A resumed Job starts again: activeDeadlineSeconds counts time continuously active.
                status.StartTime = Rfc3339Time.Format(now);
            }
        }

        // 5. Finalizers of pods whose outcome is already stored (or that count for nothing) go.
        RemoveRecordedFinalizers(key, job, spec, owned, uncounted, previousIndexes, deleting);

        // 6. The final condition, once nothing is left uncounted or terminating.
        if (finishing is not null && !recordFailureTarget && status.UncountedSucceeded.Count == 0 && status.UncountedFailed.Count == 0 && terminating == 0)
        {
            status.EnsureCondition(finishing.Type, "True", finishing.Reason, finishing.Message, now);
            if (finishing.Type == "Complete")
            {
                status.CompletionTime = JsonTree.GetString(status.Condition("Complete"), "lastTransitionTime");
                events.Add(("Normal", "Completed", "Job completed"));
            }
            else
            {
                events.Add(("Warning", finishing.Reason, finishing.Message));
            }
        }
        status.Active = activeCount;
        status.Ready = ready;
        status.Terminating = terminating;
        var json = status.ToJson();
        if (!JsonTree.DeepEquals(json, job.Status))
        {
            var updated = job.DeepClone();
            updated.Document["status"] = json;
            UpdateStatus(key, Jobs, updated.Document, new StatusWrite(job, events));
        }
        if (wake != DateTimeOffset.MaxValue)
        {
            EnqueueAfter(key, wake - now);
        }
    }

    private static bool ValidIndex(KubeObject pod, int completions) =>
        JobPodFacts.CompletionIndex(pod) is { } index && index >= 0 && index < completions;

    /// <summary>The message of the first failed pod matching a FailJob rule (<c>getFailJobMessage</c>).</summary>
    private static string? FailJobMessage(JobSpec spec, IEnumerable<KubeObject> pods)
    {
        if (spec.PodFailurePolicy is null)
        {
            return null;
        }
        foreach (var pod in pods.Where(p => JobPodFacts.IsFailed(p, spec)))
        {
            if (PodFailurePolicy.Match(spec.PodFailurePolicy, pod) is { Action: "FailJob", FailJobMessage: { } message })
            {
                return message;
            }
        }
        return null;
    }

    /// <summary>
    /// restartPolicy OnFailure: containers restart in place, so their restarts are the failures; the Job fails when the
    /// restarts of its pending and running pods reach the backoffLimit (any restart with a limit of 0).
    /// </summary>
    private static bool PastBackoffLimitOnFailure(JobSpec spec, IEnumerable<KubeObject> pods)
    {
        if (spec.RestartPolicy != "OnFailure")
        {
            return false;
        }
        var restarts = pods.Sum(JobPodFacts.Restarts);
        return spec.BackoffLimit == 0 ? restarts > 0 : restarts >= spec.BackoffLimit;
    }
}
