using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Validation of apiregistration.k8s.io/v1 APIServices, admissionregistration.k8s.io/v1 ValidatingAdmissionPolicies
/// and their bindings, and storage.k8s.io/v1 CSIStorageCapacities. Policies are stored and validated; their CEL
/// expressions are neither compiled nor evaluated.
/// </summary>
public static class ApiServerKindValidation
{
    private static readonly string[] FailurePolicies = ["Fail", "Ignore"];
    private static readonly string[] MatchPolicies = ["Equivalent", "Exact"];
    private static readonly string[] Operations = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
    private static readonly string[] Scopes = ["*", "Cluster", "Namespaced"];
    private static readonly string[] Reasons = ["Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"];
    private static readonly string[] ValidationActions = ["Audit", "Deny", "Warn"];
    private static readonly string[] ParameterNotFoundActions = ["Allow", "Deny"];

    /// <summary>
    /// APIService (kube-aggregator's <c>ValidateAPIService</c>): named <c>version.group</c>, a DNS group (empty for the
    /// legacy v1 only), a DNS-1035 version, priorities in range, and a service reference or none (a local APIService,
    /// served by this API server).
    /// </summary>
    public static void ValidateApiService(KubeObject obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? [];
        var group = JsonTree.GetString(spec, "group") ?? "";
        var version = JsonTree.GetString(spec, "version") ?? "";
        var required = version + "." + group;
        if (obj.Name is { Length: > 0 } name && name != required && !errors.Any(e => e.Field == "metadata.name"))
        {
            errors.Add(FieldError.Invalid("metadata.name", name, $"must be `spec.version+\".\"+spec.group`: \"{required}\""));
        }
        if (group.Length == 0 && version != "v1")
        {
            errors.Add(FieldError.Required("spec.group", "only v1 may have an empty group and it better be legacy kube"));
        }
        if (group.Length > 0)
        {
            foreach (var message in NameSyntax.IsDns1123Subdomain(group))
            {
                errors.Add(FieldError.Invalid("spec.group", group, message));
            }
        }
        foreach (var message in NameSyntax.IsDns1035Label(version))
        {
            errors.Add(FieldError.Invalid("spec.version", version, message));
        }
        var groupPriority = JsonTree.GetInt(spec, "groupPriorityMinimum") ?? 0;
        if (groupPriority is <= 0 or > 20000)
        {
            errors.Add(FieldError.Invalid("spec.groupPriorityMinimum", groupPriority, "must be positive and less than 20000"));
        }
        var versionPriority = JsonTree.GetInt(spec, "versionPriority") ?? 0;
        if (versionPriority is <= 0 or > 1000)
        {
            errors.Add(FieldError.Invalid("spec.versionPriority", versionPriority, "must be positive and less than 1000"));
        }
        var caBundle = JsonTree.GetString(spec, "caBundle") ?? "";
        var insecure = JsonTree.GetBool(spec, "insecureSkipTLSVerify") == true;
        if (spec["service"] is not JsonObject service)
        {
            if (caBundle.Length > 0)
            {
                errors.Add(FieldError.Invalid("spec.caBundle", $"{Convert.FromBase64String(caBundle).Length} bytes", "local APIServices may not have a caBundle"));
            }
            if (insecure)
            {
                errors.Add(FieldError.Invalid("spec.insecureSkipTLSVerify", JsonValue.Create(true), "local APIServices may not have insecureSkipTLSVerify"));
            }
            return;
        }
        if (string.IsNullOrEmpty(JsonTree.GetString(service, "namespace")))
        {
            errors.Add(FieldError.Required("spec.service.namespace"));
        }
        if (string.IsNullOrEmpty(JsonTree.GetString(service, "name")))
        {
            errors.Add(FieldError.Required("spec.service.name"));
        }
        var port = JsonTree.GetInt(service, "port") ?? 0;
        if (NameSyntax.IsValidPortNumber(port) is { Count: > 0 } portErrors)
        {
            errors.Add(FieldError.Invalid("spec.service.port", port, "port is not valid: " + string.Join(", ", portErrors)));
        }
        if (insecure && caBundle.Length > 0)
        {
            errors.Add(FieldError.Invalid("spec.insecureSkipTLSVerify", JsonValue.Create(true), "may not be true if caBundle is present"));
        }
    }

    /// <summary>
    /// ValidatingAdmissionPolicy: at least one validation or audit annotation, each with an expression; match
    /// constraints with resource rules; supported failure and match policies and reasons; a complete paramKind.
    /// </summary>
    public static void ValidateValidatingAdmissionPolicy(KubeObject obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? [];
        if (spec["paramKind"] is JsonObject paramKind)
        {
            if (string.IsNullOrEmpty(JsonTree.GetString(paramKind, "apiVersion")))
            {
                errors.Add(FieldError.Required("spec.paramKind.apiVersion"));
            }
            if (string.IsNullOrEmpty(JsonTree.GetString(paramKind, "kind")))
            {
                errors.Add(FieldError.Required("spec.paramKind.kind"));
            }
        }
        if (spec["matchConstraints"] is not JsonObject constraints)
        {
            errors.Add(FieldError.Required("spec.matchConstraints"));
        }
        else
        {
            ValidateMatchResources(constraints, "spec.matchConstraints", requireRules: true, errors);
        }
        var validations = spec["validations"] as JsonArray;
        var audits = spec["auditAnnotations"] as JsonArray;
        if (validations is not { Count: > 0 } && audits is not { Count: > 0 })
        {
            errors.Add(FieldError.Required("spec.validations", "validations or auditAnnotations must contain at least one item"));
        }
        var i = 0;
        foreach (var validation in JsonTree.Objects(validations))
        {
            var path = $"spec.validations[{i++}]";
            if (string.IsNullOrWhiteSpace(JsonTree.GetString(validation, "expression")))
            {
                errors.Add(FieldError.Required(path + ".expression", "expression is not specified"));
            }
            if (JsonTree.GetString(validation, "reason") is { } reason && !Reasons.Contains(reason))
            {
                errors.Add(FieldError.NotSupported(path + ".reason", reason, Reasons));
            }
        }
        i = 0;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var audit in JsonTree.Objects(audits))
        {
            var path = $"spec.auditAnnotations[{i++}]";
            var key = JsonTree.GetString(audit, "key") ?? "";
            if (key.Length == 0)
            {
                errors.Add(FieldError.Required(path + ".key"));
            }
            else if (!keys.Add(key))
            {
                errors.Add(FieldError.Duplicate(path + ".key", JsonValue.Create(key)));
            }
            if (string.IsNullOrWhiteSpace(JsonTree.GetString(audit, "valueExpression")))
            {
                errors.Add(FieldError.Required(path + ".valueExpression", "valueExpression is not specified"));
            }
        }
        if (JsonTree.GetString(spec, "failurePolicy") is { } failurePolicy && !FailurePolicies.Contains(failurePolicy))
        {
            errors.Add(FieldError.NotSupported("spec.failurePolicy", failurePolicy, FailurePolicies));
        }
        ValidateNamedExpressions(spec["matchConditions"] as JsonArray, "spec.matchConditions", errors);
        ValidateNamedExpressions(spec["variables"] as JsonArray, "spec.variables", errors);
    }

    private static void ValidateNamedExpressions(JsonArray? items, string path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var item in JsonTree.Objects(items))
        {
            var itemPath = $"{path}[{i++}]";
            var name = JsonTree.GetString(item, "name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required(itemPath + ".name"));
            }
            else if (!names.Add(name))
            {
                errors.Add(FieldError.Duplicate(itemPath + ".name", JsonValue.Create(name)));
            }
            if (string.IsNullOrWhiteSpace(JsonTree.GetString(item, "expression")))
            {
                errors.Add(FieldError.Required(itemPath + ".expression"));
            }
        }
    }

    private static void ValidateMatchResources(JsonObject match, string path, bool requireRules, List<FieldError> errors)
    {
        if (JsonTree.GetString(match, "matchPolicy") is { } matchPolicy && !MatchPolicies.Contains(matchPolicy))
        {
            errors.Add(FieldError.NotSupported(path + ".matchPolicy", matchPolicy, MatchPolicies));
        }
        LabelValidation.ValidateSelector(match["namespaceSelector"], path + ".namespaceSelector", errors);
        LabelValidation.ValidateSelector(match["objectSelector"], path + ".objectSelector", errors);
        if (requireRules && match["resourceRules"] is not JsonArray { Count: > 0 })
        {
            errors.Add(FieldError.Required(path + ".resourceRules"));
        }
        foreach (var field in new[] { "resourceRules", "excludeResourceRules" })
        {
            var i = 0;
            foreach (var rule in JsonTree.Objects(match[field] as JsonArray))
            {
                ValidateRule(rule, $"{path}.{field}[{i++}]", errors);
            }
        }
    }

    private static void ValidateRule(JsonObject rule, string path, List<FieldError> errors)
    {
        foreach (var field in new[] { "operations", "apiGroups", "apiVersions", "resources" })
        {
            if (rule[field] is not JsonArray { Count: > 0 })
            {
                errors.Add(FieldError.Required($"{path}.{field}"));
            }
        }
        var i = 0;
        foreach (var operation in (rule["operations"] as JsonArray ?? []).Select(JsonTree.AsString))
        {
            if (!Operations.Contains(operation ?? ""))
            {
                errors.Add(FieldError.NotSupported($"{path}.operations[{i}]", operation ?? "", Operations));
            }
            i++;
        }
        if (JsonTree.GetString(rule, "scope") is { } scope && !Scopes.Contains(scope))
        {
            errors.Add(FieldError.NotSupported(path + ".scope", scope, Scopes));
        }
    }

    /// <summary>
    /// ValidatingAdmissionPolicyBinding: a policy name, validation actions from Audit/Deny/Warn (never Deny with
    /// Warn, no repeats), a param reference by name or selector with a not-found action.
    /// </summary>
    public static void ValidateValidatingAdmissionPolicyBinding(KubeObject obj, List<FieldError> errors)
    {
        var spec = obj.Spec ?? [];
        var policy = JsonTree.GetString(spec, "policyName") ?? "";
        if (policy.Length == 0)
        {
            errors.Add(FieldError.Required("spec.policyName"));
        }
        else
        {
            foreach (var message in NameSyntax.IsDns1123Subdomain(policy))
            {
                errors.Add(FieldError.Invalid("spec.policyName", policy, message));
            }
        }
        if (spec["validationActions"] is not JsonArray { Count: > 0 } actions)
        {
            errors.Add(FieldError.Required("spec.validationActions", "at least one validation action is required"));
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < actions.Count; i++)
            {
                var action = JsonTree.AsString(actions[i]) ?? "";
                if (!seen.Add(action))
                {
                    errors.Add(FieldError.Duplicate($"spec.validationActions[{i}]", JsonValue.Create(action)));
                }
                else if (!ValidationActions.Contains(action))
                {
                    errors.Add(FieldError.NotSupported($"spec.validationActions[{i}]", action, ValidationActions));
                }
            }
            if (seen.Contains("Deny") && seen.Contains("Warn"))
            {
                errors.Add(FieldError.Invalid("spec.validationActions", actions, "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)"));
            }
        }
        if (spec["paramRef"] is JsonObject paramRef)
        {
            var hasName = !string.IsNullOrEmpty(JsonTree.GetString(paramRef, "name"));
            if (hasName && paramRef["selector"] is not null)
            {
                errors.Add(FieldError.Forbidden("spec.paramRef.name", "name and selector are mutually exclusive"));
            }
            else if (!hasName && paramRef["selector"] is null)
            {
                errors.Add(FieldError.Required("spec.paramRef", "one of name or selector must be set"));
            }
            LabelValidation.ValidateSelector(paramRef["selector"], "spec.paramRef.selector", errors);
            var notFound = JsonTree.GetString(paramRef, "parameterNotFoundAction");
            if (notFound is null)
            {
                errors.Add(FieldError.Required("spec.paramRef.parameterNotFoundAction"));
            }
            else if (!ParameterNotFoundActions.Contains(notFound))
            {
                errors.Add(FieldError.NotSupported("spec.paramRef.parameterNotFoundAction", notFound, ParameterNotFoundActions));
            }
        }
        if (spec["matchResources"] is JsonObject matchResources)
        {
            ValidateMatchResources(matchResources, "spec.matchResources", requireRules: false, errors);
        }
    }

    /// <summary>CSIStorageCapacity: a storage class name and non-negative capacities.</summary>
    public static void ValidateCsiStorageCapacity(KubeObject obj, List<FieldError> errors)
    {
        var document = obj.Document;
        var storageClass = JsonTree.GetString(document, "storageClassName") ?? "";
        if (storageClass.Length == 0)
        {
            errors.Add(FieldError.Required("storageClassName"));
        }
        else
        {
            foreach (var message in NameSyntax.IsDns1123Subdomain(storageClass))
            {
                errors.Add(FieldError.Invalid("storageClassName", storageClass, message));
            }
        }
        LabelValidation.ValidateSelector(document["nodeTopology"], "nodeTopology", errors);
        foreach (var field in new[] { "capacity", "maximumVolumeSize" })
        {
            if (JsonTree.GetString(document, field) is { } text && Quantity.TryParse(text, out var quantity) && quantity < Quantity.Zero)
            {
                errors.Add(FieldError.Invalid(field, text, "must be greater than or equal to 0"));
            }
        }
    }
}
