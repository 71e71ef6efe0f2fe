using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Validation of rbac.authorization.k8s.io/v1 (<c>pkg/apis/rbac/validation</c>): rules and bindings are checked for
/// shape; nothing here authorizes requests (RBAC is stored, not enforced).
/// </summary>
public static class RbacValidation
{
    private const string Group = "rbac.authorization.k8s.io";
    private static readonly string[] SubjectKinds = ["ServiceAccount", "User", "Group"];

    /// <summary>Role: each rule as a namespaced rule.</summary>
    public static void ValidateRole(KubeObject role, List<FieldError> errors) => ValidateRules(role.Document, namespaced: true, errors);

    /// <summary>ClusterRole: each rule, and an aggregation rule with at least one valid selector.</summary>
    public static void ValidateClusterRole(KubeObject role, List<FieldError> errors)
    {
        ValidateRules(role.Document, namespaced: false, errors);
        if (role.Document["aggregationRule"] is JsonObject aggregation)
        {
            var selectors = aggregation["clusterRoleSelectors"] as JsonArray;
            if (selectors is not { Count: > 0 })
            {
                errors.Add(FieldError.Required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil"));
            }
            var i = 0;
            foreach (var selector in JsonTree.Objects(selectors))
            {
                var path = $"aggregationRule.clusterRoleSelectors[{i++}]";
                LabelValidation.ValidateSelector(selector, path, errors);
            }
        }
    }

    /// <summary>RoleBinding: a roleRef to a Role or ClusterRole of the RBAC group, and valid subjects.</summary>
    public static void ValidateRoleBinding(KubeObject binding, List<FieldError> errors) =>
        ValidateBinding(binding.Document, ["Role", "ClusterRole"], namespaced: true, errors);

    /// <summary>ClusterRoleBinding: a roleRef to a ClusterRole, and subjects (service accounts with their namespace).</summary>
    public static void ValidateClusterRoleBinding(KubeObject binding, List<FieldError> errors) =>
        ValidateBinding(binding.Document, ["ClusterRole"], namespaced: false, errors);

    /// <summary>Bindings: roleRef is fixed once created (<c>cannot change roleRef</c>).</summary>
    public static void ValidateBindingUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        if (!JsonTree.DeepEquals(updated.Document["roleRef"], old.Document["roleRef"]))
        {
            errors.Add(FieldError.Invalid("roleRef", updated.Document["roleRef"], "cannot change roleRef"));
        }
    }

    // ValidatePolicyRule.
    private static void ValidateRules(JsonObject document, bool namespaced, List<FieldError> errors)
    {
        var i = 0;
        foreach (var rule in JsonTree.Objects(document["rules"] as JsonArray))
        {
            var path = $"rules[{i++}]";
            if (rule["verbs"] is not JsonArray { Count: > 0 })
            {
                errors.Add(FieldError.Required(path + ".verbs", "verbs must contain at least one value"));
            }
            if (rule["nonResourceURLs"] is JsonArray { Count: > 0 } urls)
            {
                if (namespaced)
                {
                    errors.Add(FieldError.Invalid(path + ".nonResourceURLs", urls, "namespaced rules cannot apply to non-resource URLs"));
                }
                if (NonEmpty(rule, "apiGroups") || NonEmpty(rule, "resources") || NonEmpty(rule, "resourceNames"))
                {
                    errors.Add(FieldError.Invalid(path + ".nonResourceURLs", urls, "rules cannot apply to both regular resources and non-resource URLs"));
                }
                continue;
            }
            if (!NonEmpty(rule, "apiGroups"))
            {
                errors.Add(FieldError.Required(path + ".apiGroups", "resource rules must supply at least one api group"));
            }
            if (!NonEmpty(rule, "resources"))
            {
                errors.Add(FieldError.Required(path + ".resources", "resource rules must supply at least one resource"));
            }
        }
    }

    private static bool NonEmpty(JsonObject rule, string field) => rule[field] is JsonArray { Count: > 0 };

    // ValidateRoleBinding / ValidateClusterRoleBinding and ValidateRoleBindingSubject.
    private static void ValidateBinding(JsonObject document, string[] roleKinds, bool namespaced, List<FieldError> errors)
    {
        var roleRef = document["roleRef"] as JsonObject ?? new JsonObject();
        var apiGroup = JsonTree.GetString(roleRef, "apiGroup") ?? "";
        if (apiGroup != Group)
        {
            errors.Add(FieldError.NotSupported("roleRef.apiGroup", apiGroup, [Group]));
        }
        var kind = JsonTree.GetString(roleRef, "kind") ?? "";
        if (!roleKinds.Contains(kind))
        {
            errors.Add(FieldError.NotSupported("roleRef.kind", kind, roleKinds));
        }
        var name = JsonTree.GetString(roleRef, "name") ?? "";
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required("roleRef.name"));
        }
        else
        {
            foreach (var message in MetadataValidation.NameErrors(Kinds.NameRule.PathSegment, name, prefix: false))
            {
                errors.Add(FieldError.Invalid("roleRef.name", name, message));
            }
        }
        var i = 0;
        foreach (var subject in JsonTree.Objects(document["subjects"] as JsonArray))
        {
            ValidateSubject(subject, $"subjects[{i++}]", namespaced, errors);
        }
    }

    private static void ValidateSubject(JsonObject subject, string path, bool namespaced, List<FieldError> errors)
    {
        var name = JsonTree.GetString(subject, "name") ?? "";
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".name"));
        }
        var apiGroup = JsonTree.GetString(subject, "apiGroup") ?? "";
        switch (JsonTree.GetString(subject, "kind") ?? "")
        {
            case "ServiceAccount":
                if (name.Length > 0)
                {
                    foreach (var message in NameSyntax.IsDns1123Subdomain(name))
                    {
                        errors.Add(FieldError.Invalid(path + ".name", name, message));
                    }
                }
                if (apiGroup.Length > 0)
                {
                    errors.Add(FieldError.NotSupported(path + ".apiGroup", apiGroup, [""]));
                }
                if (!namespaced && string.IsNullOrEmpty(JsonTree.GetString(subject, "namespace")))
                {
                    errors.Add(FieldError.Required(path + ".namespace"));
                }
                break;
            case "User" or "Group":
                if (apiGroup != Group)
                {
                    errors.Add(FieldError.NotSupported(path + ".apiGroup", apiGroup, [Group]));
                }
                break;
            case var other:
                errors.Add(FieldError.NotSupported(path + ".kind", other, SubjectKinds));
                break;
        }
    }
}
