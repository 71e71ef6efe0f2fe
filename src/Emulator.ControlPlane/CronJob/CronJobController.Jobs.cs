using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.Job;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.CronJob;

public sealed partial class CronJobController
{
    // Jobs this controller created (or found already created for its slot) that the stored status does not show yet.
    private readonly Dictionary<ObjectKey, List<(string Job, DateTimeOffset Scheduled)>> _created = [];

    private sealed record JobCreate(KubeObject CronJob, string Job, DateTimeOffset Scheduled);

    private sealed record JobDelete(KubeObject CronJob, string Job);

    /// <summary>The name of the Job of a slot: <c>&lt;cronjob&gt;-&lt;scheduled Unix time / 60&gt;</c>.</summary>
    public static string JobName(string cronJob, DateTimeOffset scheduled) =>
        $"{cronJob}-{(scheduled.ToUnixTimeSeconds() / 60).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The controller reference of a CronJob's Jobs.</summary>
    internal static OwnerReference OwnerReferenceTo(KubeObject cronJob) =>
        new("batch/v1", "CronJob", cronJob.Name ?? "", cronJob.Uid ?? "", Controller: true, BlockOwnerDeletion: true);

    /// <summary>
    /// The Job of a slot (Kubernetes' <c>getJobFromTemplate2</c>): the jobTemplate's labels, annotations and spec, the
    /// scheduled-timestamp annotation, the CronJob as controller.
    /// </summary>
    internal static JsonObject JobFromTemplate(KubeObject cronJob, DateTimeOffset scheduled, TimeZoneInfo zone)
    {
        var template = JsonTree.GetObject(cronJob.Document, "spec", "jobTemplate") ?? [];
        var annotations = JsonTree.GetObject(template, "metadata", "annotations")?.DeepClone() as JsonObject ?? [];
        annotations[ScheduledTimestampAnnotation] = FormatInZone(scheduled, zone);
        var metadata = new JsonObject
        {
            ["name"] = JobName(cronJob.Name ?? "", scheduled),
            ["namespace"] = cronJob.Namespace,
        };
        if (JsonTree.GetObject(template, "metadata", "labels") is { Count: > 0 } labels)
        {
            metadata["labels"] = labels.DeepClone();
        }
        metadata["annotations"] = annotations;
        metadata["ownerReferences"] = new JsonArray(OwnerReferenceTo(cronJob).ToJson());
        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = metadata,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }

    private void CreateJob(ObjectKey key, KubeObject cronJob, DateTimeOffset scheduled, TimeZoneInfo zone)
    {
        var job = JobFromTemplate(cronJob, scheduled, zone);
        CreateObject(key, Jobs, job, new JobCreate(cronJob, JobName(cronJob.Name ?? "", scheduled), scheduled));
    }

    /// <summary>Deletes a Job and, in the background, its pods (Kubernetes' <c>deleteJob</c>).</summary>
    private void DeleteJob(ObjectKey key, KubeObject cronJob, KubeObject job) =>
        DeleteObject(key, Jobs, job.Namespace, job.Name ?? "", job.Uid, propagationPolicy: "Background", state: new JobDelete(cronJob, job.Name ?? ""));

    private void JobCreated(ObjectKey key, JobCreate create, StoreReply reply)
    {
        if (reply.IsSuccess)
        {
            Event(create.CronJob, "Normal", "SuccessfulCreate", $"Created job {create.Job}");
            Remember(key, create);
            return;
        }
        if (reply.Error?.Reason == "AlreadyExists")
        {
            // Created before (say, by an incarnation of this controller that died before writing the status): when the
            // CronJob controls it, it is this slot's Job and goes into the status now.
            if (Cache(Jobs).Get(key.Namespace, create.Job)?.Object is { } existing && existing.ControllerReference?.Uid == create.CronJob.Uid)
            {
                Remember(key, create);
            }
            return;
        }
        Event(create.CronJob, "Warning", "FailedCreate", $"Error creating job: {reply.Error?.Message}");
    }

    private void Remember(ObjectKey key, JobCreate create)
    {
        if (!_created.TryGetValue(key, out var list))
        {
            _created[key] = list = [];
        }
        list.Add((create.Job, create.Scheduled));
    }

    /// <summary>
    /// Kubernetes' <c>cleanupFinishedJobs</c>: finished Jobs beyond successfulJobsHistoryLimit (Complete) and
    /// failedJobsHistoryLimit (Failed) are deleted, those that started first (by status.startTime, then name) first.
    /// Returns the Jobs deleted.
    /// </summary>
    private List<KubeObject> CleanupFinishedJobs(ObjectKey key, KubeObject cronJob, List<KubeObject> jobs, CronJobStatusModel status)
    {
        var deleted = new List<KubeObject>();
        foreach (var (condition, field) in new[] { ("Complete", "successfulJobsHistoryLimit"), ("Failed", "failedJobsHistoryLimit") })
        {
            if (JsonTree.GetInt(cronJob.Spec, field) is not { } limit)
            {
                continue;
            }
            var finished = jobs.Where(j => j.DeletionTimestamp is null && JsonTree.GetString(JobConditions.FinishedCondition(j), "type") == condition)
                .OrderBy(j => Rfc3339Time.TryParse(JsonTree.GetString(j.Status, "startTime"), out var started) ? started : DateTimeOffset.MaxValue)
                .ThenBy(j => j.Name, StringComparer.Ordinal)
                .ToList();
            foreach (var job in finished.Take(Math.Max(finished.Count - (int)limit, 0)))
            {
                DeleteJob(key, cronJob, job);
                status.RemoveActive(job.Uid);
                deleted.Add(job);
            }
        }
        return deleted;
    }
}
