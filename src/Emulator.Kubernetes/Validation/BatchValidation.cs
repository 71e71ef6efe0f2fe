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
        var podFailurePolicy = spec["podFailurePolicy"] as JsonObject;
        if (podFailurePolicy is not null)
        {
            ValidatePodFailurePolicy(spec, podFailurePolicy, $"{path}.podFailurePolicy", errors);
        }
        if (JsonTree.GetString(spec, "podReplacementPolicy") is { } replacement)
        {
            // With a pod failure policy only Failed: a terminating pod is not yet known to have failed.
            if (podFailurePolicy is not null && replacement != "Failed")
            {
                errors.Add(FieldError.NotSupported($"{path}.podReplacementPolicy", replacement, ["Failed"]));
            }
            else if (podFailurePolicy is null && replacement is not ("TerminatingOrFailed" or "Failed"))
            {
                errors.Add(FieldError.NotSupported($"{path}.podReplacementPolicy", replacement, ["Failed", "TerminatingOrFailed"]));
            }
        }
        PodSpecValidation.ValidateTemplate(spec["template"] as JsonObject, $"{path}.template", errors);
        var restartPolicyPath = $"{path}.template.spec.restartPolicy";
        var restartPolicy = JsonTree.GetString(spec, "template", "spec", "restartPolicy") ?? "";
        if (restartPolicy is "Always" or "")
        {
            errors.Add(FieldError.Required(restartPolicyPath, "valid values: \"OnFailure\", \"Never\""));
        }
        else if (restartPolicy is not ("OnFailure" or "Never"))
        {
            errors.Add(FieldError.NotSupported(restartPolicyPath, restartPolicy, ["OnFailure", "Never"]));
        }
        else if (podFailurePolicy is not null && restartPolicy != "Never")
        {
            // A restarted container never fails its pod, so the policy would never see the failure it is written for.
            errors.Add(FieldError.Invalid(restartPolicyPath, restartPolicy, "only \"Never\" is supported when podFailurePolicy is specified"));
        }
    }

    private const int MaxPodFailurePolicyRules = 20;
    private const int MaxOnExitCodesValues = 255;
    private const int MaxOnPodConditionsPatterns = 20;
    private static readonly string[] PodFailurePolicyActions = ["Count", "FailIndex", "FailJob", "Ignore"];
    private static readonly string[] OnExitCodesOperators = ["In", "NotIn"];
    private static readonly string[] OnPodConditionsStatuses = ["False", "True", "Unknown"];

    /// <summary>Go's <c>%q</c> of a string slice, as Kubernetes prints the valid values of a required field: <c>["In" "NotIn"]</c>.</summary>
    private static string GoQuotedList(IEnumerable<string> values) => "[" + string.Join(" ", values.Select(v => $"\"{v}\"")) + "]";

    /// <summary><c>validatePodFailurePolicy</c>: at most 20 rules, each checked against the template's container names.</summary>
    private static void ValidatePodFailurePolicy(JsonObject spec, JsonObject policy, string path, List<FieldError> errors)
    {
        var rulesPath = $"{path}.rules";
        var rules = JsonTree.Objects(policy["rules"] as JsonArray).ToList();
        if (rules.Count > MaxPodFailurePolicyRules)
        {
            errors.Add(FieldError.TooMany(rulesPath, rules.Count, MaxPodFailurePolicyRules));
        }
        var containerNames = new[] { "containers", "initContainers" }
            .SelectMany(list => JsonTree.Objects(JsonTree.GetArray(spec, "template", "spec", list)))
            .Select(c => JsonTree.GetString(c, "name") ?? "")
            .ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            ValidatePodFailurePolicyRule(spec, rules[i], $"{rulesPath}[{i}]", containerNames, errors);
        }
    }

    private static void ValidatePodFailurePolicyRule(JsonObject spec, JsonObject rule, string path, HashSet<string> containerNames, List<FieldError> errors)
    {
        var actionPath = $"{path}.action";
        var action = JsonTree.GetString(rule, "action") ?? "";
        if (action.Length == 0)
        {
            errors.Add(FieldError.Required(actionPath, $"valid values: {GoQuotedList(PodFailurePolicyActions)}"));
        }
        else if (action == "FailIndex")
        {
            if (spec["backoffLimitPerIndex"] is null)
            {
                errors.Add(FieldError.Invalid(actionPath, action, "requires the backoffLimitPerIndex to be set"));
            }
        }
        else if (!PodFailurePolicyActions.Contains(action, StringComparer.Ordinal))
        {
            errors.Add(FieldError.NotSupported(actionPath, action, PodFailurePolicyActions));
        }
        var onExitCodes = rule["onExitCodes"] as JsonObject;
        var onPodConditions = JsonTree.Objects(rule["onPodConditions"] as JsonArray).ToList();
        if (onExitCodes is not null)
        {
            ValidateOnExitCodes(onExitCodes, $"{path}.onExitCodes", containerNames, errors);
        }
        if (onPodConditions.Count > 0)
        {
            ValidateOnPodConditions(onPodConditions, $"{path}.onPodConditions", errors);
        }
        if (onExitCodes is not null && onPodConditions.Count > 0)
        {
            errors.Add(FieldError.InvalidWithoutValue(path, "specifying both OnExitCodes and OnPodConditions is not supported"));
        }
        if (onExitCodes is null && onPodConditions.Count == 0)
        {
            errors.Add(FieldError.InvalidWithoutValue(path, "specifying one of OnExitCodes and OnPodConditions is required"));
        }
    }

    private static void ValidateOnPodConditions(List<JsonObject> patterns, string path, List<FieldError> errors)
    {
        if (patterns.Count > MaxOnPodConditionsPatterns)
        {
            errors.Add(FieldError.TooMany(path, patterns.Count, MaxOnPodConditionsPatterns));
        }
        for (var j = 0; j < patterns.Count; j++)
        {
            var patternPath = $"{path}[{j}]";
            var type = JsonTree.GetString(patterns[j], "type") ?? "";
            foreach (var message in NameSyntax.IsQualifiedName(type))
            {
                errors.Add(FieldError.Invalid($"{patternPath}.type", type, message));
            }
            var status = JsonTree.GetString(patterns[j], "status") ?? "";
            if (status.Length == 0)
            {
                errors.Add(FieldError.Required($"{patternPath}.status", $"valid values: {GoQuotedList(OnPodConditionsStatuses)}"));
            }
            else if (!OnPodConditionsStatuses.Contains(status, StringComparer.Ordinal))
            {
                errors.Add(FieldError.NotSupported($"{patternPath}.status", status, OnPodConditionsStatuses));
            }
        }
    }

    /// <summary>
    /// <c>validatePodFailurePolicyRuleOnExitCodes</c>: a known operator, a container of the template, 1–255 values,
    /// unique, in ascending order, and no 0 with <c>In</c> (exit code 0 is success, never a failure to match).
    /// </summary>
    private static void ValidateOnExitCodes(JsonObject onExitCodes, string path, HashSet<string> containerNames, List<FieldError> errors)
    {
        var operatorPath = $"{path}.operator";
        var op = JsonTree.GetString(onExitCodes, "operator") ?? "";
        if (op.Length == 0)
        {
            errors.Add(FieldError.Required(operatorPath, $"valid values: {GoQuotedList(OnExitCodesOperators)}"));
        }
        else if (!OnExitCodesOperators.Contains(op, StringComparer.Ordinal))
        {
            errors.Add(FieldError.NotSupported(operatorPath, op, OnExitCodesOperators));
        }
        if (JsonTree.GetString(onExitCodes, "containerName") is { } containerName && !containerNames.Contains(containerName))
        {
            errors.Add(FieldError.Invalid($"{path}.containerName", containerName, "must be one of the container or initContainer names in the pod template"));
        }
        var valuesPath = $"{path}.values";
        var valuesNode = onExitCodes["values"] as JsonArray;
        var values = (valuesNode ?? []).Select(v => JsonTree.AsInt(v) ?? 0).ToList();
        if (values.Count == 0)
        {
            errors.Add(FieldError.Invalid(valuesPath, valuesNode?.DeepClone(), "at least one value is required"));
        }
        else if (values.Count > MaxOnExitCodesValues)
        {
            errors.Add(FieldError.TooMany(valuesPath, values.Count, MaxOnExitCodesValues));
        }
        var ordered = true;
        var unique = new HashSet<long>();
        for (var j = 0; j < values.Count; j++)
        {
            var valuePath = $"{valuesPath}[{j}]";
            if (op == "In" && values[j] == 0)
            {
                errors.Add(FieldError.Invalid(valuePath, values[j], "must not be 0 for the In operator"));
            }
            if (!unique.Add(values[j]))
            {
                errors.Add(FieldError.Duplicate(valuePath, JsonValue.Create(values[j])));
            }
            if (j > 0 && values[j - 1] > values[j])
            {
                ordered = false;
            }
        }
        if (!ordered)
        {
            errors.Add(FieldError.Invalid(valuesPath, valuesNode!.DeepClone(), "must be ordered"));
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
