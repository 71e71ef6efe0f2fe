using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.Job;

public sealed partial class JobController
{
    /// <summary>Kubernetes' <c>names.MaxGeneratedNameLength</c>: the longest generateName prefix.</summary>
    private const int MaxGeneratedNameLength = 58;

    private sealed record PodCreate(KubeObject Job);

    private sealed record PodDelete(KubeObject Job, string Pod);

    /// <summary>What <see cref="ManageJob"/> did: active and ready pods after it, the pods it deletes, when to retry creating.</summary>
    private sealed record ManageOutcome(int Active, int Ready, List<string> Deleted, DateTimeOffset? RetryAt);

    /// <summary>
    /// Kubernetes' <c>manageJob</c>: a suspended Job loses its active pods; otherwise the wanted number of active pods
    /// is min(parallelism, completions − succeeded) (a work queue: parallelism until the first success, then no new
    /// pods); surplus pods are deleted first (duplicated or out-of-range indexes first, then in the ReplicaSet's order),
    /// missing ones are created once the failure back-off has passed (Indexed: the lowest pending indexes). Deleting
    /// and creating never happen in the same pass.
    /// </summary>
    private ManageOutcome ManageJob(ObjectKey key, KubeObject job, JobSpec spec, List<KubeObject> active, int succeeded, SortedSet<int> succeededIndexes, List<KubeObject> owned, PodFailureBackoff backoff)
    {
        var ready = active.Count(PodState.IsReady);
        if (spec.Suspend)
        {
            return DeletePods(key, job, active, ready, ActivePodsForRemoval(spec, active, active.Count));
        }
        int wantActive;
        if (spec.Completions is not { } completions)
        {
            wantActive = succeeded > 0 ? active.Count : spec.Parallelism;
        }
        else
        {
            wantActive = Math.Clamp(completions - succeeded, 0, spec.Parallelism);
        }
        var surplus = Math.Max(active.Count - wantActive, 0);
        var victims = ActivePodsForRemoval(spec, active, surplus).Take(MaxPodCreateDeletePerSync).ToList();
        if (victims.Count > 0)
        {
            return DeletePods(key, job, active, ready, victims);
        }
        // podReplacementPolicy Failed: a terminating pod is replaced only once it has ended.
        var terminating = spec.OnlyReplaceFailedPods ? owned.Count(JobPodFacts.IsTerminating) : 0;
        var diff = wantActive - terminating - active.Count;
        if (diff <= 0)
        {
            return new ManageOutcome(active.Count, ready, [], null);
        }
        var remaining = backoff.RemainingTime(Now);
        if (remaining > TimeSpan.Zero)
        {
            return new ManageOutcome(active.Count, ready, [], Now + remaining);
        }
        diff = Math.Min(diff, MaxPodCreateDeletePerSync);
        if (spec.Indexed)
        {
            var indexes = FirstPendingIndexes(spec, active, owned, succeededIndexes, diff);
            foreach (var index in indexes)
            {
                CreateObject(key, Pods, PodFromTemplate(job, spec, index), new PodCreate(job));
            }
            return new ManageOutcome(active.Count + indexes.Count, ready, [], null);
        }
        for (var i = 0; i < diff; i++)
        {
            CreateObject(key, Pods, PodFromTemplate(job, spec, null), new PodCreate(job));
        }
        return new ManageOutcome(active.Count + diff, ready, [], null);
    }

    private ManageOutcome DeletePods(ObjectKey key, KubeObject job, List<KubeObject> active, int ready, List<KubeObject> victims)
    {
        foreach (var pod in victims)
        {
            DeletePod(key, job, pod);
        }
        return new ManageOutcome(active.Count - victims.Count, ready - victims.Count(PodState.IsReady), victims.Select(p => p.Uid ?? "").ToList(), null);
    }

    /// <summary>
    /// Deletes a pod the controller no longer wants, without counting it: its tracking finalizer is removed first and
    /// the delete follows once that is stored (Kubernetes' <c>deleteJobPods</c>).
    /// </summary>
    private void DeletePod(ObjectKey key, KubeObject job, KubeObject pod)
    {
        if (JobPodFacts.HasTrackingFinalizer(pod))
        {
            RemoveFinalizer(key, job, pod, deleteAfter: true);
            return;
        }
        DeleteObject(key, Pods, pod.Namespace, pod.Name ?? "", pod.Uid, state: new PodDelete(job, pod.Name ?? ""));
    }

    /// <summary>
    /// Kubernetes' <c>activePodsForRemoval</c>: for an Indexed Job, pods with an out-of-range or repeated index go
    /// first; the rest in the ReplicaSet's scale-down order.
    /// </summary>
    private List<KubeObject> ActivePodsForRemoval(JobSpec spec, List<KubeObject> active, int atLeast)
    {
        var remove = new List<KubeObject>();
        var left = new List<KubeObject>();
        if (spec.Indexed)
        {
            var seen = new HashSet<int>();
            foreach (var pod in active.OrderBy(p => p.CreationTimestamp).ThenBy(p => p.Name, StringComparer.Ordinal))
            {
                if (JobPodFacts.CompletionIndex(pod) is { } index && index < (spec.Completions ?? 0) && seen.Add(index))
                {
                    left.Add(pod);
                }
                else
                {
                    remove.Add(pod);
                }
            }
        }
        else
        {
            left.AddRange(active);
        }
        if (remove.Count < atLeast)
        {
            remove.AddRange(new ScaleDownRanking(active, Now).Order(left).Take(atLeast - remove.Count));
        }
        return remove;
    }

    /// <summary>The lowest indexes that have neither succeeded nor an active pod (nor, under podReplacementPolicy Failed, a terminating one).</summary>
    private static List<int> FirstPendingIndexes(JobSpec spec, List<KubeObject> active, List<KubeObject> owned, SortedSet<int> succeededIndexes, int count)
    {
        var taken = new HashSet<int>(succeededIndexes);
        foreach (var pod in spec.OnlyReplaceFailedPods ? active.Concat(owned.Where(JobPodFacts.IsTerminating)) : active)
        {
            if (JobPodFacts.CompletionIndex(pod) is { } index)
            {
                taken.Add(index);
            }
        }
        var result = new List<int>();
        for (var i = 0; i < (spec.Completions ?? 0) && result.Count < count; i++)
        {
            if (!taken.Contains(i))
            {
                result.Add(i);
            }
        }
        return result;
    }

    /// <summary>The controller reference a Job's pods carry.</summary>
    internal static OwnerReference OwnerReferenceTo(KubeObject job) =>
        new("batch/v1", "Job", job.Name ?? "", job.Uid ?? "", Controller: true, BlockOwnerDeletion: true);

    /// <summary>
    /// A pod from the Job's template: generateName <c>&lt;job&gt;-</c>, the tracking finalizer, the controller
    /// reference; Indexed: generateName <c>&lt;job&gt;-&lt;i&gt;-</c>, the completion index annotation and label,
    /// hostname <c>&lt;job&gt;-&lt;i&gt;</c> and <c>JOB_COMPLETION_INDEX</c> in every container's environment.
    /// </summary>
    internal static JsonObject PodFromTemplate(KubeObject job, JobSpec spec, int? index)
    {
        var template = JsonTree.GetObject(job.Document, "spec", "template") ?? [];
        var name = job.Name ?? "";
        var metadata = new JsonObject
        {
            ["generateName"] = index is { } i ? GenerateNameWithIndex(name, i) : name + "-",
            ["namespace"] = job.Namespace,
        };
        foreach (var field in new[] { "labels", "annotations" })
        {
            if (JsonTree.Get(template, "metadata", field) is { } value)
            {
                metadata[field] = value.DeepClone();
            }
        }
        var finalizers = (JsonTree.GetArray(template, "metadata", "finalizers")?.DeepClone() as JsonArray) ?? [];
        if (!finalizers.Any(f => JsonTree.AsString(f) == TrackingFinalizer))
        {
            finalizers.Add(TrackingFinalizer);
        }
        metadata["finalizers"] = finalizers;
        metadata["ownerReferences"] = new JsonArray(OwnerReferenceTo(job).ToJson());
        var podSpec = template["spec"]?.DeepClone() as JsonObject ?? [];
        if (index is { } completionIndex)
        {
            var text = completionIndex.ToString(CultureInfo.InvariantCulture);
            JsonTree.Ensure(metadata, "annotations")[CompletionIndexKey] = text;
            JsonTree.Ensure(metadata, "labels")[CompletionIndexKey] = text;
            podSpec["hostname"] = $"{name}-{text}";
            foreach (var list in new[] { "initContainers", "containers" })
            {
                foreach (var container in JsonTree.Objects(podSpec[list] as JsonArray))
                {
                    AddCompletionIndexEnv(container);
                }
            }
        }
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = podSpec,
        };
    }

    /// <summary><c>&lt;job&gt;-&lt;index&gt;-</c>, the job name cut so the prefix stays within 58 characters.</summary>
    private static string GenerateNameWithIndex(string job, int index)
    {
        var suffix = $"-{index.ToString(CultureInfo.InvariantCulture)}-";
        var prefix = job + suffix;
        return prefix.Length > MaxGeneratedNameLength ? job[..(MaxGeneratedNameLength - suffix.Length)] + suffix : prefix;
    }

    /// <summary>Adds <c>JOB_COMPLETION_INDEX</c> from the pod's completion index label (PodIndexLabel, GA in 1.32), unless set.</summary>
    private static void AddCompletionIndexEnv(JsonObject container)
    {
        if (container["env"] is not JsonArray env)
        {
            env = [];
            container["env"] = env;
        }
        if (JsonTree.Objects(env).Any(e => JsonTree.GetString(e, "name") == CompletionIndexEnv))
        {
            return;
        }
        env.Add(new JsonObject
        {
            ["name"] = CompletionIndexEnv,
            ["valueFrom"] = new JsonObject
            {
                ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = $"metadata.labels['{CompletionIndexKey}']" },
            },
        });
    }

    private void PodCreated(PodCreate create, StoreReply reply)
    {
        if (reply is { IsSuccess: true, Object: { } pod })
        {
            Event(create.Job, "Normal", "SuccessfulCreate", $"Created pod: {pod.Name}");
            return;
        }
        Event(create.Job, "Warning", "FailedCreate", $"Error creating: {reply.Error?.Message ?? "unknown error"}");
    }

    /// <summary>
    /// Adopts orphan pods the selector matches (not while the Job is being deleted) and releases owned pods it no longer
    /// matches. Returns true when any such write was sent.
    /// </summary>
    private bool ClaimPods(ObjectKey key, KubeObject job, LabelSelector selector)
    {
        var sent = false;
        var uid = job.Uid ?? "";
        foreach (var cached in Cache(Pods).ByIndex(ByController, uid).ToArray())
        {
            var pod = cached.Object;
            if (!selector.Matches(pod) && pod.DeletionTimestamp is null && job.DeletionTimestamp is null)
            {
                var released = pod.DeepClone();
                released.SetOwnerReferences(pod.OwnerReferences.Where(r => r.Uid != uid));
                UpdateObject(key, Pods, released.Document);
                sent = true;
            }
        }
        if (job.DeletionTimestamp is not null || selector.IsEmpty)
        {
            return sent;
        }
        foreach (var cached in Cache(Pods).ByIndex(OrphansByNamespace, job.Namespace ?? "").ToArray())
        {
            var pod = cached.Object;
            if (pod.ControllerReference is null && pod.DeletionTimestamp is null && selector.Matches(pod))
            {
                var adopted = pod.DeepClone();
                adopted.SetOwnerReferences([.. pod.OwnerReferences, OwnerReferenceTo(job)]);
                UpdateObject(key, Pods, adopted.Document);
                sent = true;
            }
        }
        return sent;
    }
}
