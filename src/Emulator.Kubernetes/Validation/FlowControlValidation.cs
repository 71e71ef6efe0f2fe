using System.Globalization;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Validation of flowcontrol.apiserver.k8s.io/v1 FlowSchemas and PriorityLevelConfigurations (API Priority and
/// Fairness). The objects are stored and validated; the emulator's API server does not queue requests by them.
/// </summary>
public static class FlowControlValidation
{
    /// <summary>The largest matching precedence (<c>FlowSchemaMaxMatchingPrecedence</c>).</summary>
    public const int MaxMatchingPrecedence = 10000;

    private static readonly string[] DistinguisherMethods = ["ByNamespace", "ByUser"];
    private static readonly string[] SubjectKinds = ["Group", "ServiceAccount", "User"];
    private static readonly string[] PriorityLevelTypes = ["Exempt", "Limited"];
    private static readonly string[] LimitResponseTypes = ["Queue", "Reject"];

    /// <summary>FlowSchema: a priority level, a precedence in 1–10000, a known distinguisher, well-formed rules.</summary>
    public static void ValidateFlowSchema(KubeObject obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? [];
        var precedence = JsonTree.GetInt(spec, "matchingPrecedence") ?? 0;
        if (precedence <= 0)
        {
            errors.Add(FieldError.Invalid("spec.matchingPrecedence", precedence, "must be a positive value"));
        }
        if (precedence > MaxMatchingPrecedence)
        {
            errors.Add(FieldError.Invalid("spec.matchingPrecedence", precedence, $"must not be greater than {MaxMatchingPrecedence.ToString(CultureInfo.InvariantCulture)}"));
        }
        if (spec["distinguisherMethod"] is JsonObject method && JsonTree.GetString(method, "type") is var type && !DistinguisherMethods.Contains(type ?? ""))
        {
            errors.Add(FieldError.NotSupported("spec.distinguisherMethod.type", type ?? "", DistinguisherMethods));
        }
        var level = JsonTree.GetString(spec, "priorityLevelConfiguration", "name") ?? "";
        if (level.Length == 0)
        {
            errors.Add(FieldError.Required("spec.priorityLevelConfiguration.name", "must reference a priority level"));
        }
        else
        {
            foreach (var message in NameSyntax.IsDns1123Subdomain(level))
            {
                errors.Add(FieldError.Invalid("spec.priorityLevelConfiguration.name", level, message));
            }
        }
        var i = 0;
        foreach (var rule in JsonTree.Objects(spec["rules"] as JsonArray))
        {
            ValidateRule(rule, $"spec.rules[{i++}]", errors);
        }
    }

    private static void ValidateRule(JsonObject rule, string path, List<FieldError> errors)
    {
        if (rule["subjects"] is not JsonArray { Count: > 0 } subjects)
        {
            errors.Add(FieldError.Required(path + ".subjects", "subjects must contain at least one value"));
        }
        else
        {
            var i = 0;
            foreach (var subject in JsonTree.Objects(subjects))
            {
                ValidateSubject(subject, $"{path}.subjects[{i++}]", errors);
            }
        }
        var resourceRules = rule["resourceRules"] as JsonArray;
        var nonResourceRules = rule["nonResourceRules"] as JsonArray;
        if (resourceRules is not { Count: > 0 } && nonResourceRules is not { Count: > 0 })
        {
            errors.Add(FieldError.Required(path, "at least one of resourceRules and nonResourceRules has to be non-empty"));
        }
        var r = 0;
        foreach (var resourceRule in JsonTree.Objects(resourceRules))
        {
            var rulePath = $"{path}.resourceRules[{r++}]";
            RequireList(resourceRule, "verbs", rulePath, "verbs must contain at least one value", errors);
            RequireList(resourceRule, "apiGroups", rulePath, "resource rules must supply at least one api group", errors);
            RequireList(resourceRule, "resources", rulePath, "resource rules must supply at least one resource", errors);
            if (resourceRule["namespaces"] is not JsonArray { Count: > 0 } && JsonTree.GetBool(resourceRule, "clusterScope") != true)
            {
                errors.Add(FieldError.Required(rulePath + ".namespaces", "resource rules that are not cluster scoped must supply at least one namespace"));
            }
        }
        var n = 0;
        foreach (var nonResourceRule in JsonTree.Objects(nonResourceRules))
        {
            var rulePath = $"{path}.nonResourceRules[{n++}]";
            RequireList(nonResourceRule, "verbs", rulePath, "verbs must contain at least one value", errors);
            RequireList(nonResourceRule, "nonResourceURLs", rulePath, "nonResourceURLs must contain at least one value", errors);
        }
    }

    private static void ValidateSubject(JsonObject subject, string path, List<FieldError> errors)
    {
        var kind = JsonTree.GetString(subject, "kind") ?? "";
        switch (kind)
        {
            case "User":
                RequireName(subject, "user", path, "username is required", errors);
                break;
            case "Group":
                RequireName(subject, "group", path, "name is required", errors);
                break;
            case "ServiceAccount":
                RequireName(subject, "serviceAccount", path, "name is required", errors);
                if (string.IsNullOrEmpty(JsonTree.GetString(subject, "serviceAccount", "namespace")))
                {
                    errors.Add(FieldError.Required(path + ".serviceAccount.namespace", "must specify namespace for service account"));
                }
                break;
            default:
                errors.Add(FieldError.NotSupported(path + ".kind", kind, SubjectKinds));
                break;
        }
    }

    private static void RequireName(JsonObject subject, string field, string path, string detail, List<FieldError> errors)
    {
        if (subject[field] is not JsonObject member)
        {
            errors.Add(FieldError.Required($"{path}.{field}", $"{field} is required when subject kind is '{JsonTree.GetString(subject, "kind")}'"));
        }
        else if (string.IsNullOrEmpty(JsonTree.GetString(member, "name")))
        {
            errors.Add(FieldError.Required($"{path}.{field}.name", detail));
        }
    }

    private static void RequireList(JsonObject obj, string field, string path, string detail, List<FieldError> errors)
    {
        if (obj[field] is not JsonArray { Count: > 0 })
        {
            errors.Add(FieldError.Required($"{path}.{field}", detail));
        }
    }

    /// <summary>
    /// PriorityLevelConfiguration: <c>Exempt</c> or <c>Limited</c> with the matching section, a limit response that
    /// queues (with positive queues, hand size and queue length, a hand no larger than the queues) or rejects, and
    /// percentages within 0–100.
    /// </summary>
    public static void ValidatePriorityLevelConfiguration(KubeObject obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? [];
        var type = JsonTree.GetString(spec, "type") ?? "";
        var limited = spec["limited"] as JsonObject;
        var exempt = spec["exempt"] as JsonObject;
        switch (type)
        {
            case "Exempt":
                if (limited is not null)
                {
                    errors.Add(FieldError.Forbidden("spec.limited", "must be nil if the type is not Limited"));
                }
                if (exempt is not null)
                {
                    Percent(exempt, "lendablePercent", "spec.exempt", errors);
                    Nonnegative(exempt, "nominalConcurrencyShares", "spec.exempt", errors);
                }
                break;
            case "Limited":
                if (exempt is not null)
                {
                    errors.Add(FieldError.Forbidden("spec.exempt", "must be nil if the type is Limited"));
                }
                if (limited is null)
                {
                    errors.Add(FieldError.Required("spec.limited", "must not be empty when type is Limited"));
                }
                else
                {
                    ValidateLimited(limited, errors);
                }
                break;
            default:
                errors.Add(FieldError.NotSupported("spec.type", type, PriorityLevelTypes));
                break;
        }
    }

    private static void ValidateLimited(JsonObject limited, List<FieldError> errors)
    {
        const string Path = "spec.limited";
        Nonnegative(limited, "nominalConcurrencyShares", Path, errors);
        Percent(limited, "lendablePercent", Path, errors);
        if (JsonTree.GetInt(limited, "borrowingLimitPercent") is < 0 and var borrowing)
        {
            errors.Add(FieldError.Invalid(Path + ".borrowingLimitPercent", borrowing, "if specified, must be a non-negative integer"));
        }
        var response = limited["limitResponse"] as JsonObject ?? [];
        var responseType = JsonTree.GetString(response, "type") ?? "";
        var queuing = response["queuing"] as JsonObject;
        switch (responseType)
        {
            case "Queue":
                if (queuing is null)
                {
                    errors.Add(FieldError.Required(Path + ".limitResponse.queuing", "must not be empty if the type is Queue"));
                }
                else
                {
                    ValidateQueuing(queuing, Path + ".limitResponse.queuing", errors);
                }
                break;
            case "Reject":
                if (queuing is not null)
                {
                    errors.Add(FieldError.Forbidden(Path + ".limitResponse.queuing", "must be nil if limited.limitResponse.type is not Limited"));
                }
                break;
            default:
                errors.Add(FieldError.NotSupported(Path + ".limitResponse.type", responseType, LimitResponseTypes));
                break;
        }
    }

    private static void ValidateQueuing(JsonObject queuing, string path, List<FieldError> errors)
    {
        var queues = JsonTree.GetInt(queuing, "queues") ?? 0;
        var handSize = JsonTree.GetInt(queuing, "handSize") ?? 0;
        var queueLength = JsonTree.GetInt(queuing, "queueLengthLimit") ?? 0;
        if (queueLength <= 0)
        {
            errors.Add(FieldError.Invalid(path + ".queueLengthLimit", queueLength, "must be positive"));
        }
        if (queues <= 0)
        {
            errors.Add(FieldError.Invalid(path + ".queues", queues, "must be positive"));
        }
        if (handSize <= 0)
        {
            errors.Add(FieldError.Invalid(path + ".handSize", handSize, "must be positive"));
        }
        else if (queues > 0 && handSize > queues)
        {
            errors.Add(FieldError.Invalid(path + ".handSize", handSize, $"should not be greater than queues ({queues.ToString(CultureInfo.InvariantCulture)})"));
        }
    }

    private static void Percent(JsonObject obj, string field, string path, List<FieldError> errors)
    {
        if (JsonTree.GetInt(obj, field) is { } value && value is < 0 or > 100)
        {
            errors.Add(FieldError.Invalid($"{path}.{field}", value, "must be between 0 and 100, inclusive"));
        }
    }

    private static void Nonnegative(JsonObject obj, string field, string path, List<FieldError> errors)
    {
        if (JsonTree.GetInt(obj, field) is < 0 and var value)
        {
            errors.Add(FieldError.Invalid($"{path}.{field}", value, "must be a non-negative integer"));
        }
    }
}
