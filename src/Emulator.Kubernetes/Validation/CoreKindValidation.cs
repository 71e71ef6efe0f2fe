using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Validation of the core/v1 kinds beyond pods and services (<c>pkg/apis/core/validation</c>): ReplicationController,
/// PodTemplate, ResourceQuota and LimitRange.
/// </summary>
public static class CoreKindValidation
{
    private static readonly string[] QuotaScopes =
        ["BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating", "VolumeAttributesClass"];

    private static readonly string[] LimitTypes = ["Container", "PersistentVolumeClaim", "Pod"];

    /// <summary>
    /// ReplicationController (<c>ValidateReplicationControllerSpec</c>): a non-empty selector of valid labels matching
    /// the template's labels, non-negative replicas and minReadySeconds, a template that restarts Always.
    /// </summary>
    public static void ValidateReplicationController(KubeObject controller, List<FieldError> errors)
    {
        var spec = controller.Spec ?? new JsonObject();
        FieldChecks.Nonnegative(spec, "minReadySeconds", "spec.minReadySeconds", errors);
        var selector = spec["selector"] as JsonObject;
        if (selector is not { Count: > 0 })
        {
            errors.Add(FieldError.Required("spec.selector"));
        }
        else
        {
            LabelValidation.ValidateLabels(selector, "spec.selector", errors);
        }
        FieldChecks.Nonnegative(spec, "replicas", "spec.replicas", errors);
        if (spec["template"] is not JsonObject template)
        {
            errors.Add(FieldError.Required("spec.template"));
            return;
        }
        if (selector is { Count: > 0 })
        {
            var templateLabels = JsonTree.Get(template, "metadata", "labels");
            var labels = JsonTree.StringMap(templateLabels);
            if (JsonTree.StringMap(selector).Any(p => !labels.TryGetValue(p.Key, out var value) || value != p.Value))
            {
                errors.Add(FieldError.Invalid("spec.template.metadata.labels", templateLabels?.DeepClone(), "`selector` does not match template `labels`"));
            }
        }
        PodSpecValidation.ValidateTemplate(template, "spec.template", errors);
        var restartPolicy = JsonTree.GetString(template, "spec", "restartPolicy") ?? "";
        if (restartPolicy != "Always")
        {
            errors.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restartPolicy, ["Always"]));
        }
        if (JsonTree.GetInt(template, "spec", "activeDeadlineSeconds") is { } deadline)
        {
            errors.Add(FieldError.Invalid("spec.template.spec.activeDeadlineSeconds", deadline, "activeDeadlineSeconds in ReplicationController is not Supported"));
        }
    }

    /// <summary>PodTemplate (<c>ValidatePodTemplate</c>): its template as any pod template.</summary>
    public static void ValidatePodTemplate(KubeObject podTemplate, List<FieldError> errors) =>
        PodSpecValidation.ValidateTemplate(podTemplate.Document["template"] as JsonObject, "template", errors);

    /// <summary>ResourceQuota: non-negative hard limits, known scopes.</summary>
    public static void ValidateResourceQuota(KubeObject quota, List<FieldError> errors)
    {
        var spec = quota.Spec ?? new JsonObject();
        NonNegativeQuantities(spec["hard"] as JsonObject, "spec.hard", errors);
        NonNegativeQuantities(JsonTree.GetObject(quota.Document, "status", "hard"), "status.hard", errors);
        NonNegativeQuantities(JsonTree.GetObject(quota.Document, "status", "used"), "status.used", errors);
        foreach (var scope in (spec["scopes"] as JsonArray ?? []).Select(JsonTree.AsString))
        {
            if (!QuotaScopes.Contains(scope ?? ""))
            {
                errors.Add(FieldError.Invalid("spec.scopes", scope ?? "", "unsupported scope"));
            }
        }
    }

    /// <summary>
    /// LimitRange (<c>ValidateLimitRange</c>): one item per type, no defaults for Pod items, and
    /// min ≤ default request ≤ default limit ≤ max for each resource.
    /// </summary>
    public static void ValidateLimitRange(KubeObject limitRange, List<FieldError> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var item in JsonTree.Objects(JsonTree.GetArray(limitRange.Document, "spec", "limits")))
        {
            var path = $"spec.limits[{i++}]";
            var type = JsonTree.GetString(item, "type") ?? "";
            if (!seen.Add(type))
            {
                errors.Add(FieldError.Duplicate(path + ".type", JsonValue.Create(type)));
            }
            if (type.Length > 0 && !LimitTypes.Contains(type) && !type.Contains('/', StringComparison.Ordinal))
            {
                errors.Add(FieldError.NotSupported(path + ".type", type, LimitTypes));
            }
            if (type == "Pod")
            {
                if (item["default"] is JsonObject { Count: > 0 })
                {
                    errors.Add(FieldError.Forbidden(path + ".default", "may not be specified when `type` is 'Pod'"));
                }
                if (item["defaultRequest"] is JsonObject { Count: > 0 })
                {
                    errors.Add(FieldError.Forbidden(path + ".defaultRequest", "may not be specified when `type` is 'Pod'"));
                }
            }
            var min = Quantities(item["min"]);
            var max = Quantities(item["max"]);
            var defaults = Quantities(item["default"]);
            var requests = Quantities(item["defaultRequest"]);
            foreach (var (resource, value) in min)
            {
                if (max.TryGetValue(resource, out var upper) && value > upper)
                {
                    errors.Add(FieldError.Invalid($"{path}.min[{resource}]", value.ToString(), $"min value {value} is greater than max value {upper}"));
                }
            }
            foreach (var (resource, value) in requests)
            {
                if (min.TryGetValue(resource, out var lower) && value < lower)
                {
                    errors.Add(FieldError.Invalid($"{path}.defaultRequest[{resource}]", value.ToString(), $"min value {lower} is greater than default request value {value}"));
                }
                if (defaults.TryGetValue(resource, out var limit) && value > limit)
                {
                    errors.Add(FieldError.Invalid($"{path}.defaultRequest[{resource}]", value.ToString(), $"default request value {value} is greater than default limit value {limit}"));
                }
                if (max.TryGetValue(resource, out var upper) && value > upper)
                {
                    errors.Add(FieldError.Invalid($"{path}.defaultRequest[{resource}]", value.ToString(), $"default request value {value} is greater than max value {upper}"));
                }
            }
            foreach (var (resource, value) in defaults)
            {
                if (min.TryGetValue(resource, out var lower) && value < lower)
                {
                    errors.Add(FieldError.Invalid($"{path}.default[{resource}]", value.ToString(), $"min value {lower} is greater than default value {value}"));
                }
                if (max.TryGetValue(resource, out var upper) && value > upper)
                {
                    errors.Add(FieldError.Invalid($"{path}.default[{resource}]", value.ToString(), $"default value {value} is greater than max value {upper}"));
                }
            }
        }
    }

    private static Dictionary<string, Quantity> Quantities(JsonNode? map)
    {
        var result = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        if (map is JsonObject obj)
        {
            foreach (var (resource, value) in obj)
            {
                if (Quantity.TryParse(JsonTree.AsString(value), out var quantity))
                {
                    result[resource] = quantity;
                }
            }
        }
        return result;
    }

    private static void NonNegativeQuantities(JsonObject? map, string path, List<FieldError> errors)
    {
        foreach (var (resource, value) in Quantities(map))
        {
            if (value < Quantity.Zero)
            {
                errors.Add(FieldError.Invalid($"{path}[{resource}]", value.ToString(), "must be greater than or equal to 0"));
            }
        }
    }
}
