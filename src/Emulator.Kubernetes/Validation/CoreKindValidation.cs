using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Validation of the core/v1 kinds beyond pods and services (<c>pkg/apis/core/validation</c>): ReplicationController,
/// PodTemplate, ResourceQuota and LimitRange.
/// </summary>
public static class CoreKindValidation
{
    // VolumeAttributesClass is a scope only behind its feature gate, off in 1.33.
    private static readonly string[] QuotaScopes =
        ["BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating"];

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

    /// <summary>
    /// ResourceQuota (<c>ValidateResourceQuota</c>): resource names quota knows (or qualified ones), non-negative
    /// quantities, whole numbers for the counted resources, scopes that exist, fit the resources and do not conflict,
    /// a well-formed scope selector; the same checks of the status.
    /// </summary>
    public static void ValidateResourceQuota(KubeObject quota, List<FieldError> errors)
    {
        var spec = quota.Spec ?? new JsonObject();
        ValidateQuotaList(spec["hard"] as JsonObject, "spec.hard", errors);
        var hard = (spec["hard"] as JsonObject ?? []).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        if (spec["scopes"] is JsonArray { Count: > 0 } scopeList)
        {
            var scopes = scopeList.Select(JsonTree.AsString).Select(s => s ?? "").ToList();
            foreach (var scope in scopes)
            {
                if (!QuotaScopes.Contains(scope))
                {
                    errors.Add(FieldError.Invalid("spec.scopes", scopeList, "unsupported scope"));
                }
                foreach (var resource in hard.Where(r => IsStandardQuotaResource(r) && !ScopeFitsResource(scope, r)))
                {
                    errors.Add(FieldError.Invalid("spec.scopes", scopeList, "unsupported scope applied to resource"));
                }
            }
            if (ConflictingScopes(scopes))
            {
                errors.Add(FieldError.Invalid("spec.scopes", scopeList, "conflicting scopes"));
            }
        }
        if (spec["scopeSelector"] is JsonObject selector)
        {
            ValidateScopeSelector(selector, spec["scopes"], hard, errors);
        }
        ValidateQuotaList(JsonTree.GetObject(quota.Document, "status", "hard"), "status.hard", errors);
        ValidateQuotaList(JsonTree.GetObject(quota.Document, "status", "used"), "status.used", errors);
    }

    /// <summary>ResourceQuota updates (<c>ValidateResourceQuotaUpdate</c>): the scopes cannot change.</summary>
    public static void ValidateResourceQuotaUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        static HashSet<string> Scopes(KubeObject quota) =>
            (JsonTree.GetArray(quota.Document, "spec", "scopes") ?? []).Select(JsonTree.AsString).Select(s => s ?? "").ToHashSet(StringComparer.Ordinal);
        if (!Scopes(updated).SetEquals(Scopes(old)))
        {
            errors.Add(FieldError.Invalid("spec.scopes", JsonTree.GetArray(updated.Document, "spec", "scopes")?.DeepClone() ?? JsonValue.Create((string?)null), "field is immutable"));
        }
    }

    private static void ValidateScopeSelector(JsonObject selector, JsonNode? scopesField, List<string> hard, List<FieldError> errors)
    {
        const string path = "spec.scopeSelector.matchExpressions";
        var names = new List<string>();
        foreach (var expression in JsonTree.Objects(selector["matchExpressions"] as JsonArray))
        {
            var scope = JsonTree.GetString(expression, "scopeName") ?? "";
            var op = JsonTree.GetString(expression, "operator") ?? "";
            var values = expression["values"] as JsonArray ?? [];
            if (!QuotaScopes.Contains(scope))
            {
                errors.Add(FieldError.Invalid(path + ".scopeName", scope, "unsupported scope"));
            }
            foreach (var resource in hard.Where(r => IsStandardQuotaResource(r) && !ScopeFitsResource(scope, r)))
            {
                errors.Add(FieldError.Invalid(path, selector, "unsupported scope applied to resource"));
            }
            if (scope is "BestEffort" or "NotBestEffort" or "Terminating" or "NotTerminating" or "CrossNamespacePodAffinity" && op != "Exists")
            {
                errors.Add(FieldError.Invalid(path + ".operator", op,
                    "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"));
            }
            switch (op)
            {
                case "In" or "NotIn" when values.Count == 0:
                    errors.Add(FieldError.Required(path + ".values", "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
                    break;
                case "Exists" or "DoesNotExist" when values.Count != 0:
                    errors.Add(FieldError.Invalid(path + ".values", values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
                    break;
                case "In" or "NotIn" or "Exists" or "DoesNotExist":
                    break;
                default:
                    errors.Add(FieldError.Invalid(path + ".operator", op, "not a valid selector operator"));
                    break;
            }
            names.Add(scope);
        }
        if (ConflictingScopes(names))
        {
            // Kubernetes reports the spec's scopes list here, whatever the selector holds.
            errors.Add(FieldError.Invalid(path, scopesField?.DeepClone(), "conflicting scopes"));
        }
    }

    private static bool ConflictingScopes(List<string> scopes) =>
        (scopes.Contains("BestEffort") && scopes.Contains("NotBestEffort")) || (scopes.Contains("Terminating") && scopes.Contains("NotTerminating"));

    // IsResourceQuotaScopeValidForResource: pod scopes only fit pod counts and compute resources.
    private static bool ScopeFitsResource(string scope, string resource) => scope switch
    {
        "Terminating" or "NotTerminating" or "NotBestEffort" or "PriorityClass" or "CrossNamespacePodAffinity" =>
            resource is "pods" or "cpu" or "memory" or "limits.cpu" or "limits.memory" or "requests.cpu" or "requests.memory",
        "BestEffort" => resource == "pods",
        _ => true,
    };

    private static void ValidateQuotaList(JsonObject? list, string path, List<FieldError> errors)
    {
        foreach (var (resource, value) in list ?? [])
        {
            var resourcePath = $"{path}[{resource}]";
            ValidateResourceName(resource, resourcePath, errors);
            if (!resource.Contains('/', StringComparison.Ordinal) && !IsStandardQuotaResource(resource))
            {
                errors.Add(FieldError.Invalid(resourcePath, resource, "must be a standard resource for quota"));
            }
            if (Quantity.TryParse(JsonTree.AsString(value), out var quantity))
            {
                ValidateQuantityValue(resource, quantity, resourcePath, errors);
            }
        }
    }

    // ValidateResourceQuantityValue: never negative; whole numbers for what is counted.
    private static void ValidateQuantityValue(string resource, Quantity quantity, string path, List<FieldError> errors)
    {
        if (quantity < Quantity.Zero)
        {
            errors.Add(FieldError.Invalid(path, quantity.ToString(), "must be greater than or equal to 0"));
        }
        if (IsIntegerResource(resource) && quantity.MilliValue % 1000 != 0)
        {
            errors.Add(FieldError.Invalid(path, quantity.ToString(), "must be an integer"));
        }
    }

    // validateResourceName: a qualified name, and a standard one when it has no prefix.
    private static void ValidateResourceName(string resource, string path, List<FieldError> errors)
    {
        var syntax = NameSyntax.IsQualifiedName(resource);
        foreach (var message in syntax)
        {
            errors.Add(FieldError.Invalid(path, resource, message));
        }
        if (syntax.Count == 0 && !resource.Contains('/', StringComparison.Ordinal) && !IsStandardResource(resource))
        {
            errors.Add(FieldError.Invalid(path, resource, "must be a standard resource type or fully qualified"));
        }
    }

    private static readonly HashSet<string> StandardQuotaResources = new(StringComparer.Ordinal)
    {
        "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services", "replicationcontrollers",
        "secrets", "persistentvolumeclaims", "configmaps", "services.nodeports", "services.loadbalancers",
    };

    private static readonly HashSet<string> IntegerResources = new(StringComparer.Ordinal)
    {
        "pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims",
        "services.nodeports", "services.loadbalancers",
    };

    private static bool IsQuotaHugePages(string resource) =>
        resource.StartsWith("hugepages-", StringComparison.Ordinal) || resource.StartsWith("requests.hugepages-", StringComparison.Ordinal);

    private static bool IsStandardQuotaResource(string resource) => StandardQuotaResources.Contains(resource) || IsQuotaHugePages(resource);

    private static bool IsStandardResource(string resource) => IsStandardQuotaResource(resource) || resource == "storage";

    private static bool IsNativeResource(string resource) =>
        !resource.Contains('/', StringComparison.Ordinal) || resource.Contains("kubernetes.io/", StringComparison.Ordinal);

    // An extended resource: outside kubernetes.io, not a quota "requests." name, and still qualified once prefixed so.
    private static bool IsExtendedResource(string resource) =>
        !IsNativeResource(resource) && !resource.StartsWith("requests.", StringComparison.Ordinal) && NameSyntax.IsQualifiedName("requests." + resource).Count == 0;

    private static bool IsIntegerResource(string resource) => IntegerResources.Contains(resource) || IsExtendedResource(resource);

    /// <summary>
    /// LimitRange (<c>ValidateLimitRange</c>): one item per type, a standard or qualified type, resource names a
    /// container (Container, Pod) or anything (other types) can have, no defaults for Pod items, a storage bound for
    /// PersistentVolumeClaim items, and for each resource min ≤ default request ≤ default limit ≤ max and a
    /// maxLimitRequestRatio of at least 1 that max/min allows.
    /// </summary>
    public static void ValidateLimitRange(KubeObject limitRange, List<FieldError> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var item in JsonTree.Objects(JsonTree.GetArray(limitRange.Document, "spec", "limits")))
        {
            var path = $"spec.limits[{i++}]";
            var type = JsonTree.GetString(item, "type") ?? "";
            var typeSyntax = NameSyntax.IsQualifiedName(type);
            foreach (var message in typeSyntax)
            {
                errors.Add(FieldError.Invalid(path + ".type", type, message));
            }
            if (typeSyntax.Count == 0 && !type.Contains('/', StringComparison.Ordinal) && !LimitTypes.Contains(type))
            {
                errors.Add(FieldError.Invalid(path + ".type", type, "must be a standard limit type or fully qualified"));
            }
            if (!seen.Add(type))
            {
                errors.Add(FieldError.Duplicate(path + ".type", JsonValue.Create(type)));
            }
            var names = new SortedSet<string>(StringComparer.Ordinal);
            Dictionary<string, Quantity> Read(string field)
            {
                foreach (var resource in (item[field] as JsonObject ?? []).Select(p => p.Key))
                {
                    ValidateLimitRangeResourceName(type, resource, $"{path}.{field}[{resource}]", errors);
                    names.Add(resource);
                }
                return Quantities(item[field]);
            }
            var max = Read("max");
            var min = Read("min");
            Dictionary<string, Quantity> defaults = [], requests = [];
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
            else
            {
                defaults = Read("default");
                requests = Read("defaultRequest");
            }
            if (type == "PersistentVolumeClaim" && !min.ContainsKey("storage") && !max.ContainsKey("storage"))
            {
                errors.Add(FieldError.Required(path + ".limits", "either minimum or maximum storage value is required, but neither was provided"));
            }
            var ratios = Read("maxLimitRequestRatio");
            foreach (var resource in names)
            {
                var hasMin = min.TryGetValue(resource, out var lower);
                var hasMax = max.TryGetValue(resource, out var upper);
                var hasDefault = defaults.TryGetValue(resource, out var limit);
                var hasRequest = requests.TryGetValue(resource, out var request);
                var hasRatio = ratios.TryGetValue(resource, out var ratio);
                if (hasMin && hasMax && lower > upper)
                {
                    errors.Add(FieldError.Invalid($"{path}.min[{resource}]", lower.ToString(), $"min value {lower} is greater than max value {upper}"));
                }
                if (hasRequest && hasMin && lower > request)
                {
                    errors.Add(FieldError.Invalid($"{path}.defaultRequest[{resource}]", request.ToString(), $"min value {lower} is greater than default request value {request}"));
                }
                if (hasRequest && hasMax && request > upper)
                {
                    errors.Add(FieldError.Invalid($"{path}.defaultRequest[{resource}]", request.ToString(), $"default request value {request} is greater than max value {upper}"));
                }
                if (hasRequest && hasDefault && request > limit)
                {
                    errors.Add(FieldError.Invalid($"{path}.defaultRequest[{resource}]", request.ToString(), $"default request value {request} is greater than default limit value {limit}"));
                }
                // Kubernetes reports the min (or max) as the value of these two default errors.
                if (hasDefault && hasMin && lower > limit)
                {
                    errors.Add(FieldError.Invalid($"{path}.default[{resource}]", lower.ToString(), $"min value {lower} is greater than default value {limit}"));
                }
                if (hasDefault && hasMax && limit > upper)
                {
                    errors.Add(FieldError.Invalid($"{path}.default[{resource}]", upper.ToString(), $"default value {limit} is greater than max value {upper}"));
                }
                if (hasRatio && ratio < Quantity.FromValue(1))
                {
                    errors.Add(FieldError.Invalid($"{path}.maxLimitRequestRatio[{resource}]", ratio.ToString(), $"ratio {ratio} is less than 1"));
                }
                if (hasRatio && hasMin && hasMax)
                {
                    double ratioValue = ratio.Value;
                    double minValue = lower.Value, maxValue = upper.Value;
                    const long maxMilli = long.MaxValue / 1000;
                    if (ratio.Value < maxMilli && lower.Value < maxMilli && upper.Value < maxMilli)
                    {
                        ratioValue = ratio.MilliValue / 1000.0;
                        minValue = lower.MilliValue;
                        maxValue = upper.MilliValue;
                    }
                    var allowed = maxValue / minValue;
                    if (ratioValue > allowed)
                    {
                        errors.Add(FieldError.Invalid($"{path}.maxLimitRequestRatio[{resource}]", ratio.ToString(),
                            $"ratio {ratio} is greater than max/min = {allowed.ToString("F6", System.Globalization.CultureInfo.InvariantCulture)}"));
                    }
                }
                // Resources that cannot be overcommitted (hugepages, devices) need the same default limit and request.
                if (!IsOvercommitAllowed(resource) && hasDefault && hasRequest && limit.CompareTo(request) != 0)
                {
                    errors.Add(FieldError.Invalid($"{path}.defaultRequest[{resource}]", request.ToString(), $"default value {limit} must equal to defaultRequest value {request} in {resource}"));
                }
            }
        }
    }

    // validateLimitRangeResourceName: container resources for Container and Pod items, any resource name otherwise.
    private static void ValidateLimitRangeResourceName(string type, string resource, string path, List<FieldError> errors)
    {
        ValidateResourceName(resource, path, errors);
        if (type is not ("Pod" or "Container"))
        {
            return;
        }
        if (!resource.Contains('/', StringComparison.Ordinal))
        {
            if (resource is not ("cpu" or "memory" or "ephemeral-storage") && !resource.StartsWith("hugepages-", StringComparison.Ordinal))
            {
                errors.Add(FieldError.Invalid(path, resource, "must be a standard resource for containers"));
            }
        }
        else if (!IsNativeResource(resource) && !IsExtendedResource(resource))
        {
            errors.Add(FieldError.Invalid(path, resource, "doesn't follow extended resource name standard"));
        }
    }

    private static bool IsOvercommitAllowed(string resource) => IsNativeResource(resource) && !resource.StartsWith("hugepages-", StringComparison.Ordinal);

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
}
