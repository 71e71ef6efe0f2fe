using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>Validation of batch/v1 Job and CronJob (<c>pkg/apis/batch/validation</c>).</summary>
public static class BatchValidation
{
    /// <summary>Longest CronJob name: Job names get an 11-character suffix and must stay DNS-1035 labels.</summary>
    public const int MaxCronJobNameLength = 52;

    /// <summary>Job on create: spec rules plus the generated-selector rules when manualSelector is not true.</summary>
    public static void ValidateJob(KubeObject job, List<FieldError> errors)
    {
        var spec = job.Spec ?? new JsonObject();
        if (JsonTree.GetBool(spec, "manualSelector") != true && job.Uid is { Length: > 0 } uid && spec["selector"] is JsonObject selector)
        {
            var matchLabels = selector["matchLabels"] as JsonObject;
            var generated = matchLabels is { Count: 1 }
                && JsonTree.GetString(matchLabels, Defaulting.BatchDefaults.ControllerUidLabel) == uid
                && (selector["matchExpressions"] as JsonArray)?.Count is null or 0;
            if (!generated)
            {
                errors.Add(FieldError.Invalid("spec.selector", selector, "`selector` not auto-generated"));
            }
        }
        if (spec["selector"] is null)
        {
            errors.Add(FieldError.Required("spec.selector"));
        }
        else
        {
            LabelValidation.ValidateSelector(spec["selector"], "spec.selector", errors);
            FieldChecks.SelectorMatchesTemplate(spec, "spec", errors, skipWhenEmpty: false);
        }
        ValidateJobSpec(spec, "spec", errors);
    }

    /// <summary>Job updates: selector, template, completionMode, podFailurePolicy and backoffLimitPerIndex are immutable; completions too unless Indexed.</summary>
    public static void ValidateJobUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        var newSpec = updated.Spec ?? new JsonObject();
        var oldSpec = old.Spec ?? new JsonObject();
        if (JsonTree.GetString(newSpec, "completionMode") != "Indexed")
        {
            MetadataValidation.Immutable(newSpec["completions"], oldSpec["completions"], "spec.completions", errors);
        }
        MetadataValidation.Immutable(newSpec["selector"], oldSpec["selector"], "spec.selector", errors);
        MetadataValidation.Immutable(newSpec["template"], oldSpec["template"], "spec.template", errors);
        MetadataValidation.Immutable(newSpec["completionMode"], oldSpec["completionMode"], "spec.completionMode", errors);
        MetadataValidation.Immutable(newSpec["podFailurePolicy"], oldSpec["podFailurePolicy"], "spec.podFailurePolicy", errors);
        MetadataValidation.Immutable(newSpec["backoffLimitPerIndex"], oldSpec["backoffLimitPerIndex"], "spec.backoffLimitPerIndex", errors);
    }

    /// <summary>CronJob: name ≤ 52, schedule syntax (no TZ=), timeZone, concurrencyPolicy, limits, job template.</summary>
    public static void ValidateCronJob(KubeObject cronJob, List<FieldError> errors)
    {
        if (cronJob.Name is { Length: > MaxCronJobNameLength } name)
        {
            errors.Add(FieldError.Invalid("metadata.name", name, $"must be no more than {MaxCronJobNameLength} characters"));
        }
        var spec = cronJob.Spec ?? new JsonObject();
        var schedule = JsonTree.GetString(spec, "schedule") ?? "";
        if (schedule.Length == 0)
        {
            errors.Add(FieldError.Required("spec.schedule"));
        }
        else
        {
            if (CronScheduleSyntax.Check(schedule) is { } scheduleError)
            {
                errors.Add(FieldError.Invalid("spec.schedule", schedule, scheduleError));
            }
            if (schedule.Contains("TZ", StringComparison.Ordinal))
            {
                errors.Add(FieldError.Invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
            }
        }
        if (JsonTree.GetString(spec, "timeZone") is { } timeZone && !IsKnownTimeZone(timeZone))
        {
            errors.Add(FieldError.Invalid("spec.timeZone", timeZone, $"unknown time zone {timeZone}"));
        }
        FieldChecks.Nonnegative(spec, "startingDeadlineSeconds", "spec.startingDeadlineSeconds", errors);
        var policy = JsonTree.GetString(spec, "concurrencyPolicy") ?? "";
        if (policy.Length == 0)
        {
            errors.Add(FieldError.Required("spec.concurrencyPolicy"));
        }
        else if (policy is not ("Allow" or "Forbid" or "Replace"))
        {
            errors.Add(FieldError.NotSupported("spec.concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"]));
        }
        FieldChecks.Nonnegative(spec, "successfulJobsHistoryLimit", "spec.successfulJobsHistoryLimit", errors);
        FieldChecks.Nonnegative(spec, "failedJobsHistoryLimit", "spec.failedJobsHistoryLimit", errors);

        var template = spec["jobTemplate"] as JsonObject ?? new JsonObject();
        LabelValidation.ValidateLabels(JsonTree.Get(template, "metadata", "labels"), "spec.jobTemplate.metadata.labels", errors);
        LabelValidation.ValidateAnnotations(JsonTree.Get(template, "metadata", "annotations"), "spec.jobTemplate.metadata.annotations", errors);
        var jobSpec = template["spec"] as JsonObject ?? new JsonObject();
        if (jobSpec["selector"] is { } selector)
        {
            errors.Add(FieldError.Invalid("spec.jobTemplate.spec.selector", selector, "`selector` will be auto-generated"));
        }
        if (JsonTree.GetBool(jobSpec, "manualSelector") == true)
        {
            errors.Add(FieldError.NotSupported("spec.jobTemplate.spec.manualSelector", JsonValue.Create(true), ["nil", "false"]));
        }
        ValidateJobSpec(jobSpec, "spec.jobTemplate.spec", errors);
    }

    private static void ValidateJobSpec(JsonObject spec, string path, List<FieldError> errors)
    {
        foreach (var field in new[] { "parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes" })
        {
            FieldChecks.Nonnegative(spec, field, $"{path}.{field}", errors);
        }
        if (JsonTree.GetString(spec, "completionMode") is { } mode)
        {
            if (mode is not ("NonIndexed" or "Indexed"))
            {
                errors.Add(FieldError.NotSupported($"{path}.completionMode", mode, ["NonIndexed", "Indexed"]));
            }
            if (mode == "Indexed" && spec["completions"] is null)
            {
                errors.Add(FieldError.Required($"{path}.completions", "when completion mode is Indexed"));
            }
        }
        if (JsonTree.GetString(spec, "podReplacementPolicy") is { } replacement && replacement is not ("TerminatingOrFailed" or "Failed"))
        {
            errors.Add(FieldError.NotSupported($"{path}.podReplacementPolicy", replacement, ["Failed", "TerminatingOrFailed"]));
        }
        PodSpecValidation.ValidateTemplate(spec["template"] as JsonObject, $"{path}.template", errors);
        var restartPolicy = JsonTree.GetString(spec, "template", "spec", "restartPolicy") ?? "";
        if (restartPolicy is not ("OnFailure" or "Never"))
        {
            errors.Add(FieldError.Required($"{path}.template.spec.restartPolicy", "valid values: \"OnFailure\", \"Never\""));
        }
    }

    private static bool IsKnownTimeZone(string id)
    {
        if (id.Length == 0 || id == "Local")
        {
            return id.Length == 0;
        }
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}
