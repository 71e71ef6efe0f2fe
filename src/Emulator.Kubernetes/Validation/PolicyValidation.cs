using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Validation of policy/v1 PodDisruptionBudget, scheduling.k8s.io/v1 PriorityClass, autoscaling/v2
/// HorizontalPodAutoscaler and node.k8s.io/v1 RuntimeClass.
/// </summary>
public static class PolicyValidation
{
    /// <summary>The highest value a user-defined PriorityClass may have (<c>HighestUserDefinablePriority</c>).</summary>
    public const long HighestUserDefinablePriority = 1_000_000_000;

    /// <summary>The system priority classes the API server creates, with their values.</summary>
    public static readonly IReadOnlyDictionary<string, int> SystemPriorityClasses = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["system-cluster-critical"] = 2_000_000_000,
        ["system-node-critical"] = 2_000_001_000,
    };

    private static readonly string[] EvictionPolicies = ["AlwaysAllow", "IfHealthyBudget"];
    private static readonly string[] PreemptionPolicies = ["Never", "PreemptLowerPriority"];

    /// <summary>PodDisruptionBudget: minAvailable or maxUnavailable (not both) as a count or a percent ≤ 100%, a valid selector.</summary>
    public static void ValidatePodDisruptionBudget(KubeObject budget, List<FieldError> errors)
    {
        var spec = budget.Spec ?? new JsonObject();
        if (spec["minAvailable"] is not null && spec["maxUnavailable"] is not null)
        {
            errors.Add(FieldError.Invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"));
        }
        foreach (var field in new[] { "minAvailable", "maxUnavailable" })
        {
            if (spec[field] is { } value)
            {
                FieldChecks.PositiveIntOrPercent(value, "spec." + field, errors);
                FieldChecks.NotMoreThan100Percent(value, "spec." + field, errors);
            }
        }
        LabelValidation.ValidateSelector(spec["selector"], "spec.selector", errors);
        if (JsonTree.GetString(spec, "unhealthyPodEvictionPolicy") is { } policy && !EvictionPolicies.Contains(policy))
        {
            errors.Add(FieldError.NotSupported("spec.unhealthyPodEvictionPolicy", policy, EvictionPolicies));
        }
    }

    /// <summary>
    /// PriorityClass: names starting <c>system-</c> are reserved for the system classes (with their values); other
    /// values at most one billion; preemptionPolicy Never or PreemptLowerPriority.
    /// </summary>
    public static void ValidatePriorityClass(KubeObject priorityClass, List<FieldError> errors)
    {
        var doc = priorityClass.Document;
        var name = priorityClass.Name ?? "";
        var value = JsonTree.GetInt(doc, "value") ?? 0;
        if (name.StartsWith("system-", StringComparison.Ordinal))
        {
            var problem = !SystemPriorityClasses.TryGetValue(name, out var systemValue) ? $"{name} is not a known system priority class"
                : value != systemValue ? $"value of {name} PriorityClass must be {systemValue}"
                : JsonTree.GetBool(doc, "globalDefault") == true ? $"globalDefault of {name} PriorityClass must be false"
                : null;
            if (problem is not null)
            {
                errors.Add(FieldError.Forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for system use only. error: " + problem));
            }
        }
        else if (value > HighestUserDefinablePriority)
        {
            errors.Add(FieldError.Forbidden("value", $"maximum allowed value of a user defined priority is {HighestUserDefinablePriority}"));
        }
        if (JsonTree.GetString(doc, "preemptionPolicy") is { } policy && !PreemptionPolicies.Contains(policy))
        {
            errors.Add(FieldError.NotSupported("preemptionPolicy", policy, PreemptionPolicies));
        }
    }

    /// <summary>PriorityClass updates: the value and the preemption policy are fixed.</summary>
    public static void ValidatePriorityClassUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        if (JsonTree.GetInt(updated.Document, "value") != JsonTree.GetInt(old.Document, "value"))
        {
            errors.Add(FieldError.Forbidden("value", "may not be changed in an update."));
        }
        MetadataValidation.Immutable(JsonTree.GetString(updated.Document, "preemptionPolicy"), JsonTree.GetString(old.Document, "preemptionPolicy"), "preemptionPolicy", errors);
    }

    /// <summary>HorizontalPodAutoscaler: a target kind and name, 1 ≤ minReplicas ≤ maxReplicas.</summary>
    public static void ValidateHorizontalPodAutoscaler(KubeObject autoscaler, List<FieldError> errors)
    {
        var spec = autoscaler.Spec ?? new JsonObject();
        var min = JsonTree.GetInt(spec, "minReplicas");
        if (min is < 1)
        {
            errors.Add(FieldError.Invalid("spec.minReplicas", min.Value, "must be greater than or equal to 1"));
        }
        var max = JsonTree.GetInt(spec, "maxReplicas") ?? 0;
        if (max < 1)
        {
            errors.Add(FieldError.Invalid("spec.maxReplicas", max, "must be greater than 0"));
        }
        if (min is { } lower && max < lower)
        {
            errors.Add(FieldError.Invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
        }
        var target = spec["scaleTargetRef"] as JsonObject ?? new JsonObject();
        foreach (var field in new[] { "kind", "name" })
        {
            var text = JsonTree.GetString(target, field) ?? "";
            if (text.Length == 0)
            {
                errors.Add(FieldError.Required("spec.scaleTargetRef." + field));
                continue;
            }
            foreach (var message in MetadataValidation.NameErrors(Kinds.NameRule.PathSegment, text, prefix: false))
            {
                errors.Add(FieldError.Invalid("spec.scaleTargetRef." + field, text, message));
            }
        }
    }

    /// <summary>RuntimeClass: the handler is a DNS label.</summary>
    public static void ValidateRuntimeClass(KubeObject runtimeClass, List<FieldError> errors)
    {
        var handler = JsonTree.GetString(runtimeClass.Document, "handler") ?? "";
        foreach (var message in NameSyntax.IsDns1123Label(handler))
        {
            errors.Add(FieldError.Invalid("handler", handler, message));
        }
    }

    /// <summary>RuntimeClass updates: the handler is immutable.</summary>
    public static void ValidateRuntimeClassUpdate(KubeObject updated, KubeObject old, List<FieldError> errors) =>
        MetadataValidation.Immutable(JsonTree.GetString(updated.Document, "handler"), JsonTree.GetString(old.Document, "handler"), "handler", errors);
}
