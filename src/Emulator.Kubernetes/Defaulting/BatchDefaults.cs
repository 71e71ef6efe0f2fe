using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>Defaults of batch/v1 Job and CronJob (<c>pkg/apis/batch/v1/defaults.go</c>).</summary>
public static class BatchDefaults
{
    /// <summary>Label with the Job's uid on its pods and in its generated selector.</summary>
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";

    /// <summary>Label with the Job's name on its pods.</summary>
    public const string JobNameLabel = "batch.kubernetes.io/job-name";

    /// <summary>Pre-1.27 form of <see cref="ControllerUidLabel"/>, still written.</summary>
    public const string LegacyControllerUidLabel = "controller-uid";

    /// <summary>Pre-1.27 form of <see cref="JobNameLabel"/>, still written.</summary>
    public const string LegacyJobNameLabel = "job-name";

    /// <summary>
    /// Job: completions and parallelism 1 when both unset (else parallelism 1), backoffLimit 6 (MaxInt32 with
    /// backoffLimitPerIndex), completionMode NonIndexed, suspend false, manualSelector false,
    /// podReplacementPolicy TerminatingOrFailed (Failed with a podFailurePolicy), labels from the template when the Job has none.
    /// </summary>
    public static void ApplyJob(KubeObject job)
    {
        var spec = job.EnsureSpec();
        ApplyJobSpecOnly(spec);
        if (job.Labels.Count == 0 && JsonTree.GetObject(spec, "template", "metadata", "labels") is { Count: > 0 } templateLabels)
        {
            job.Metadata["labels"] = templateLabels.DeepClone();
        }
        WorkloadDefaults.ApplyTemplate(spec);
    }

    private static void ApplyJobSpecOnly(JsonObject spec)
    {
        if (spec["completions"] is null && spec["parallelism"] is null)
        {
            spec["completions"] = 1;
            spec["parallelism"] = 1;
        }
        JsonTree.SetDefault(spec, "parallelism", 1);
        if (spec["backoffLimit"] is null)
        {
            spec["backoffLimit"] = spec["backoffLimitPerIndex"] is null ? 6 : int.MaxValue;
        }
        JsonTree.SetDefault(spec, "completionMode", "NonIndexed");
        JsonTree.SetDefault(spec, "suspend", false);
        JsonTree.SetDefault(spec, "manualSelector", false);
        JsonTree.SetDefault(spec, "podReplacementPolicy", spec["podFailurePolicy"] is null ? "TerminatingOrFailed" : "Failed");
        if (spec["podFailurePolicy"] is JsonObject policy)
        {
            foreach (var rule in JsonTree.Objects(policy["rules"] as JsonArray))
            {
                foreach (var pattern in JsonTree.Objects(rule["onPodConditions"] as JsonArray))
                {
                    JsonTree.SetDefaultString(pattern, "status", "True");
                }
            }
        }
    }

    /// <summary>
    /// What the Job strategy does on create when <c>manualSelector</c> is not true: template labels
    /// <c>batch.kubernetes.io/controller-uid</c>, <c>batch.kubernetes.io/job-name</c>, <c>controller-uid</c>,
    /// <c>job-name</c> (user values kept) and selector <c>matchLabels: {batch.kubernetes.io/controller-uid: uid}</c>.
    /// Needs <c>metadata.uid</c> to be set.
    /// </summary>
    public static void GenerateJobSelector(KubeObject job)
    {
        var spec = job.EnsureSpec();
        if (JsonTree.GetBool(spec, "manualSelector") == true)
        {
            return;
        }
        var name = job.Name ?? "";
        var uid = job.Uid ?? "";
        var labels = JsonTree.Ensure(spec, "template", "metadata", "labels");
        foreach (var (key, value) in new[]
        {
            (ControllerUidLabel, uid), (JobNameLabel, name), (LegacyControllerUidLabel, uid), (LegacyJobNameLabel, name),
        })
        {
            if (!labels.ContainsKey(key))
            {
                labels[key] = value;
            }
        }
        var matchLabels = JsonTree.Ensure(spec, "selector", "matchLabels");
        if (!matchLabels.ContainsKey(ControllerUidLabel))
        {
            matchLabels[ControllerUidLabel] = uid;
        }
        if (job.Labels.Count == 0)
        {
            job.Metadata["labels"] = labels.DeepClone();
        }
    }

    /// <summary>CronJob: concurrencyPolicy Allow, suspend false, successfulJobsHistoryLimit 3, failedJobsHistoryLimit 1.</summary>
    public static void ApplyCronJob(KubeObject cronJob)
    {
        var spec = cronJob.EnsureSpec();
        JsonTree.SetDefaultString(spec, "concurrencyPolicy", "Allow");
        JsonTree.SetDefault(spec, "suspend", false);
        JsonTree.SetDefault(spec, "successfulJobsHistoryLimit", 3);
        JsonTree.SetDefault(spec, "failedJobsHistoryLimit", 1);
        PodSpecDefaults.Apply(JsonTree.Ensure(spec, "jobTemplate", "spec", "template", "spec"));
    }
}
