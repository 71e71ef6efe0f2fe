using System.Text.Json.Nodes;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Cel;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.Admission.ValidatingAdmissionPolicy;

/// <summary>
/// The <c>ValidatingAdmissionPolicy</c> admission plugin (admissionregistration.k8s.io/v1): every policy whose
/// <c>matchConstraints</c> select the write is evaluated through each of its bindings that selects it too
/// (<c>matchResources</c>), once per parameter object the binding's <c>paramRef</c> finds. Match conditions gate the
/// validations; variables are computed when first read; a validation that does not hold is denied with the binding's
/// <c>Deny</c> action (Kubernetes' <c>ValidatingAdmissionPolicy 'P' with binding 'B' denied request: MESSAGE</c>, the
/// status reason and code from the validation's <c>reason</c>, Invalid 422 by default) and warned with <c>Warn</c>
/// (a <c>Warning</c> header); <c>Audit</c> and <c>auditAnnotations</c> have no audit log to go to and are ignored.
/// Errors (an expression that fails, does not compile, parameters not found with <c>parameterNotFoundAction: Deny</c>)
/// follow the policy's <c>failurePolicy</c>. The <c>authorizer</c> variable is not provided, and
/// <c>request.userInfo</c> is always the cluster's administrator.
/// </summary>
public static class ValidatingAdmissionPolicyAdmission
{
    private const string Group = "admissionregistration.k8s.io";

    /// <summary>The policies' store type.</summary>
    public static readonly ResourceType Policies = ResourceTypes.Of(Group, "validatingadmissionpolicies");

    /// <summary>The bindings' store type.</summary>
    public static readonly ResourceType Bindings = ResourceTypes.Of(Group, "validatingadmissionpolicybindings");

    private sealed record Decision(string Message, string? Reason);

    private sealed record Denial(string Policy, string? Binding, Decision Decision);

    /// <summary>Evaluates the policies that match a write; throws the first denial.</summary>
    /// <exception cref="ApiStatusException">When a policy with a <c>Deny</c> binding refuses the write.</exception>
    public static void Admit(ResourceType type, JsonObject obj, JsonObject? old, AdmissionOperation operation, IAdmissionContext stored)
    {
        var subresource = operation switch
        {
            AdmissionOperation.UpdateStatus => "status",
            AdmissionOperation.UpdateEphemeralContainers => "ephemeralcontainers",
            _ => "",
        };
        Admit(Request(type, subresource, operation == AdmissionOperation.Create ? "CREATE" : "UPDATE", obj, obj, old, stored), stored);
    }

    /// <summary>Evaluates the policies that match a DELETE of <paramref name="existing"/>: <c>object</c> is null, <c>oldObject</c> the stored object.</summary>
    /// <exception cref="ApiStatusException">When a policy with a <c>Deny</c> binding refuses the delete.</exception>
    public static void AdmitDelete(ResourceType type, JsonObject existing, IAdmissionContext stored) =>
        Admit(Request(type, "", "DELETE", existing, null, existing, stored), stored);

    /// <summary>The request of a write: <paramref name="named"/> gives the namespace and name, the context the dry run and user.</summary>
    private static PolicyRequest Request(ResourceType type, string subresource, string operation, JsonObject named, JsonObject? obj, JsonObject? old, IAdmissionContext stored) =>
        new(type, subresource, operation,
            type.Namespaced ? JsonTree.GetString(named, "metadata", "namespace") ?? "" : "",
            JsonTree.GetString(named, "metadata", "name") ?? "", obj, old, stored.DryRun, stored.UserInfo);

    private static void Admit(PolicyRequest request, IAdmissionContext stored)
    {
        var policies = stored.List(Policies).OrderBy(p => p.Name, StringComparer.Ordinal).ToArray();
        if (policies.Length == 0)
        {
            return;
        }
        var bindings = stored.List(Bindings).Select(b => b.ToJsonObject())
            .OrderBy(b => JsonTree.GetString(b, "metadata", "name"), StringComparer.Ordinal).ToArray();
        var denials = new List<Denial>();
        foreach (var storedPolicy in policies)
        {
            var policy = CompiledPolicy.Of(storedPolicy);
            var policyBindings = bindings.Where(b => JsonTree.GetString(b, "spec", "policyName") == policy.Name).ToArray();
            // A policy no binding names has no effect.
            if (policyBindings.Length == 0 || !PolicyMatcher.Matches(policy.Spec["matchConstraints"] as JsonObject, request, stored, requireRules: true))
            {
                continue;
            }
            if (policy.ConfigurationError is { } configurationError)
            {
                ConfigurationError(policy, null, configurationError, denials);
                continue;
            }
            foreach (var binding in policyBindings)
            {
                var bindingName = JsonTree.GetString(binding, "metadata", "name") ?? "";
                if (!PolicyMatcher.Matches(JsonTree.GetObject(binding, "spec", "matchResources"), request, stored, requireRules: false))
                {
                    continue;
                }
                IReadOnlyList<JsonObject?> parameters;
                try
                {
                    parameters = CollectParams(policy, binding["spec"]?["paramRef"] as JsonObject, request, stored);
                }
                catch (InvalidOperationException e)
                {
                    ConfigurationError(policy, bindingName, e.Message, denials);
                    continue;
                }
                var actions = (binding["spec"]?["validationActions"] as JsonArray ?? []).Select(JsonTree.AsString).ToArray();
                foreach (var parameter in parameters)
                {
                    foreach (var decision in Validate(policy, request, parameter, stored))
                    {
                        if (actions.Contains("Deny"))
                        {
                            denials.Add(new Denial(policy.Name, bindingName, decision));
                        }
                        if (actions.Contains("Warn"))
                        {
                            stored.Warn($"Validation failed for ValidatingAdmissionPolicy '{policy.Name}' with binding '{bindingName}': {decision.Message}");
                        }
                    }
                }
            }
        }
        if (denials.Count > 0)
        {
            throw new ApiStatusException(Refusal(denials[0], request));
        }
    }

    /// <summary>The failure policy applied to a policy or binding that cannot be evaluated.</summary>
    private static void ConfigurationError(CompiledPolicy policy, string? binding, string error, List<Denial> denials)
    {
        if (!policy.FailurePolicyIgnores)
        {
            denials.Add(new Denial(policy.Name, binding,
                new Decision(binding is null ? $"failed to configure policy: {error}" : $"failed to configure binding: {error}", null)));
        }
    }

    /// <summary>
    /// <c>admission.NewForbidden</c> with the reason and code of the denying validation: <c>deployments.apps "web" is
    /// forbidden: ValidatingAdmissionPolicy ...</c>, the message repeated as the only cause.
    /// </summary>
    private static ApiStatus Refusal(Denial denial, PolicyRequest request)
    {
        var message = denial.Binding is null
            ? $"ValidatingAdmissionPolicy '{denial.Policy}' denied request: {denial.Decision.Message}"
            : $"ValidatingAdmissionPolicy '{denial.Policy}' with binding '{denial.Binding}' denied request: {denial.Decision.Message}";
        var reason = string.IsNullOrEmpty(denial.Decision.Reason) ? "Invalid" : denial.Decision.Reason;
        var code = reason switch
        {
            "Forbidden" => 403,
            "Unauthorized" => 401,
            "RequestEntityTooLarge" => 413,
            "Invalid" => 422,
            _ => 400,
        };
        var name = request.Name.Length > 0 ? request.Name : "Unknown";
        var resource = ApiStatus.Qualified(request.Type.Resource, request.Type.Group);
        return new ApiStatus(code, reason, $"{resource} \"{name}\" is forbidden: {message}", request.Type.Group, request.Type.Resource, name,
            [new StatusCause("", message, "")]);
    }

    /// <summary>
    /// The parameter objects of a binding: <c>[null]</c> without a paramKind or paramRef; else the object paramRef
    /// names, or those its selector selects, in its namespace (the request's when unset) for a namespaced kind.
    /// </summary>
    private static IReadOnlyList<JsonObject?> CollectParams(CompiledPolicy policy, JsonObject? paramRef, PolicyRequest request, IAdmissionContext stored)
    {
        if (policy.Spec["paramKind"] is not JsonObject paramKind || paramRef is null)
        {
            return [null];
        }
        var apiVersion = JsonTree.AsString(paramKind["apiVersion"]) ?? "";
        var kind = JsonTree.AsString(paramKind["kind"]) ?? "";
        var type = ParamType(apiVersion, kind, stored)
            ?? throw new InvalidOperationException($"paramKind kind `&ParamKind{{APIVersion:{apiVersion},Kind:{kind},}}` not known");
        string? ns = null;
        if (type.Namespaced)
        {
            ns = JsonTree.AsString(paramRef["namespace"]) is { Length: > 0 } refNamespace ? refNamespace : request.Namespace;
            if (ns.Length == 0)
            {
                throw new InvalidOperationException("cannot use namespaced paramRef in policy binding that matches cluster-scoped resources");
            }
        }
        List<JsonObject?> found;
        if (JsonTree.AsString(paramRef["name"]) is { Length: > 0 } name)
        {
            found = stored.Find(type, ns, name) is { } one ? [one.ToJsonObject()] : [];
        }
        else
        {
            var selector = paramRef["selector"] is JsonObject s ? LabelSelector.FromJson(s) : LabelSelector.Everything;
            found = stored.List(type).Where(o => ns is null || o.Namespace == ns).Select(o => o.ToJsonObject())
                .Where(o => selector.Matches(JsonTree.StringMap(o["metadata"]?["labels"])))
                .OrderBy(o => JsonTree.GetString(o, "metadata", "name"), StringComparer.Ordinal).Select(o => (JsonObject?)o).ToList();
        }
        if (found.Count == 0 && JsonTree.AsString(paramRef["parameterNotFoundAction"]) == "Deny")
        {
            throw new InvalidOperationException("no params found for policy binding with `Deny` parameterNotFoundAction");
        }
        return found;
    }

    private static ResourceType? ParamType(string apiVersion, string kind, IAdmissionContext stored)
    {
        var slash = apiVersion.IndexOf('/');
        var group = slash < 0 ? "" : apiVersion[..slash];
        if (KindRegistry.Default.TryResolve(apiVersion, kind, out var info))
        {
            return ResourceTypes.Of(info.Group, info.Resource);
        }
        return stored.List(CustomResourceTypes.Definitions).Select(CustomResourceTypes.Parse)
            .FirstOrDefault(crd => crd is not null && crd.Group == group && crd.Kind == kind) is { } definition
            ? CustomResourceTypes.Of(definition)
            : null;
    }

    /// <summary>
    /// One binding's evaluation with one parameter object (validator.go): the match conditions, then each validation;
    /// the decisions returned are the denials (failures, and errors under failurePolicy Fail).
    /// </summary>
    private static List<Decision> Validate(CompiledPolicy policy, PolicyRequest request, JsonObject? parameter, IAdmissionContext stored)
    {
        var variables = new Dictionary<string, object?>
        {
            ["object"] = CelValues.FromJson(request.Object),
            ["oldObject"] = CelValues.FromJson(request.OldObject),
            ["request"] = CelValues.FromJson(RequestObject(request)),
            ["params"] = CelValues.FromJson(parameter),
            ["namespaceObject"] = request.Namespace.Length > 0 && stored.Find(ResourceTypes.Namespaces, null, request.Namespace) is { } ns
                ? CelValues.FromJson(NamespaceObject(ns.ToJsonObject()))
                : null,
        };
        var computed = new Dictionary<string, object?>(StringComparer.Ordinal);
        bool Lazy(string name, out object? value)
        {
            value = null;
            if (!name.StartsWith("variables.", StringComparison.Ordinal))
            {
                return false;
            }
            var variableName = name["variables.".Length..];
            if (computed.TryGetValue(variableName, out value))
            {
                return true;
            }
            foreach (var (candidate, expression) in policy.PolicyVariables)
            {
                if (candidate == variableName)
                {
                    value = expression.Evaluate(variables, Lazy);
                    computed[variableName] = value;
                    return true;
                }
            }
            return false;
        }

        var errors = new List<string>();
        foreach (var (_, expression) in policy.MatchConditions)
        {
            try
            {
                if (expression.Evaluate(variables, Lazy) is false)
                {
                    return [];
                }
            }
            catch (Exception e)
            {
                errors.Add(EvaluationError(expression, e));
            }
        }
        if (errors.Count > 0)
        {
            return policy.FailurePolicyIgnores ? [] : [new Decision(errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]", null)];
        }
        var decisions = new List<Decision>();
        foreach (var validation in policy.Validations)
        {
            object? result;
            try
            {
                result = validation.Expression.Evaluate(variables, Lazy);
            }
            catch (Exception e)
            {
                if (!policy.FailurePolicyIgnores)
                {
                    decisions.Add(new Decision(EvaluationError(validation.Expression, e), null));
                }
                continue;
            }
            if (result is true)
            {
                continue;
            }
            decisions.Add(new Decision(FailureMessage(validation, variables, Lazy), validation.Reason ?? "Invalid"));
        }
        return decisions;
    }

    /// <summary>The messageExpression's string (trimmed, one line), else the message, else <c>failed expression: EXPR</c>.</summary>
    private static string FailureMessage(CompiledPolicy.Validation validation, Dictionary<string, object?> variables, CelLazyVariable lazy)
    {
        var message = "";
        if (validation.MessageExpression is { } messageExpression)
        {
            try
            {
                if (messageExpression.Evaluate(variables, lazy) is string text && text.Trim() is var trimmed && !trimmed.Contains('\n') && trimmed.Length <= 5000)
                {
                    message = trimmed;
                }
            }
            catch (Exception)
            {
                // The API server logs a failing messageExpression and falls back to the message.
            }
        }
        if (message.Length == 0 && !string.IsNullOrEmpty(validation.Message))
        {
            message = validation.Message.Trim();
        }
        return message.Length > 0 ? message : $"failed expression: {validation.Expression.Source.Trim()}";
    }

    private static string EvaluationError(CompiledExpression expression, Exception e) =>
        $"expression '{expression.Source}' resulted in error: {e.Message}";

    /// <summary>The <c>request</c> variable: the AdmissionRequest the API server builds for the write.</summary>
    internal static JsonObject RequestObject(PolicyRequest request)
    {
        var type = request.Type;
        JsonObject Kind() => new() { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind };
        JsonObject Resource() => new() { ["group"] = type.Group, ["version"] = type.Version, ["resource"] = type.Resource };
        var result = new JsonObject
        {
            ["uid"] = Guid.NewGuid().ToString(),
            ["kind"] = Kind(),
            ["resource"] = Resource(),
            ["requestKind"] = Kind(),
            ["requestResource"] = Resource(),
            ["name"] = request.Name,
            ["operation"] = request.Operation,
            ["userInfo"] = request.UserInfo?.DeepClone() ?? new JsonObject
            {
                ["username"] = "kubernetes-admin",
                ["groups"] = new JsonArray("system:masters", "system:authenticated"),
            },
            ["dryRun"] = request.DryRun,
            ["options"] = new JsonObject
            {
                ["kind"] = request.Operation switch { "CREATE" => "CreateOptions", "DELETE" => "DeleteOptions", _ => "UpdateOptions" },
                ["apiVersion"] = "meta.k8s.io/v1",
            },
        };
        if (request.Subresource.Length > 0)
        {
            result["subResource"] = request.Subresource;
            result["requestSubResource"] = request.Subresource;
        }
        if (request.Namespace.Length > 0)
        {
            result["namespace"] = request.Namespace;
        }
        return result;
    }

    /// <summary>The <c>namespaceObject</c> variable: the namespace's name, uid, labels, annotations, spec and status.</summary>
    private static JsonObject NamespaceObject(JsonObject ns)
    {
        var metadata = ns["metadata"] as JsonObject ?? [];
        var kept = new JsonObject();
        foreach (var field in new[] { "name", "generateName", "namespace", "uid", "resourceVersion", "creationTimestamp", "labels", "annotations", "deletionTimestamp" })
        {
            if (metadata[field] is { } value)
            {
                kept[field] = value.DeepClone();
            }
        }
        var result = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = kept };
        foreach (var field in new[] { "spec", "status" })
        {
            if (ns[field] is { } value)
            {
                result[field] = value.DeepClone();
            }
        }
        return result;
    }
}
