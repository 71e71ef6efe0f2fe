using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Authorization;

/// <summary>
/// The RBAC objects at one moment and Kubernetes' RBAC authorizer over them (<c>plugin/pkg/auth/authorizer/rbac</c>):
/// the rules a user holds are those of every ClusterRoleBinding naming the user (its ClusterRole's rules, everywhere)
/// and, in a namespace, of every RoleBinding there naming the user (its Role's or ClusterRole's rules, in that
/// namespace). RBAC only grants: a request no rule allows gets no opinion, and the API server forbids it.
/// </summary>
public sealed class RbacPolicy
{
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    private readonly Dictionary<string, JsonObject> _clusterRoles;
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _roles;
    private readonly JsonObject[] _clusterRoleBindings;
    private readonly ILookup<string, JsonObject> _roleBindings;

    /// <summary>Builds the policy from the stored objects.</summary>
    public RbacPolicy(IEnumerable<JsonObject> clusterRoles, IEnumerable<JsonObject> clusterRoleBindings, IEnumerable<JsonObject> roles, IEnumerable<JsonObject> roleBindings)
    {
        _clusterRoles = clusterRoles.ToDictionary(r => NameOf(r), StringComparer.Ordinal);
        _roles = roles.ToDictionary(r => (NamespaceOf(r), NameOf(r)));
        _clusterRoleBindings = clusterRoleBindings.OrderBy(NameOf, StringComparer.Ordinal).ToArray();
        _roleBindings = roleBindings.OrderBy(NameOf, StringComparer.Ordinal).ToLookup(NamespaceOf, StringComparer.Ordinal);
    }

    /// <summary>A policy with no objects: it grants nothing.</summary>
    public static RbacPolicy Empty { get; } = new([], [], [], []);

    /// <summary>
    /// RBAC's decision: allowed by the first rule that allows the request (<c>RBAC: allowed by ClusterRoleBinding
    /// "NAME" of ClusterRole "ROLE" to User "jane"</c>), otherwise not allowed, with <c>RBAC: ERRORS</c> when bindings
    /// name roles that do not exist.
    /// </summary>
    public AccessDecision Authorize(AccessAttributes request)
    {
        string? allowedBy = null;
        var errors = new List<string>();
        Visit(request.User, request.Groups, request.Namespace, (source, rule, error) =>
        {
            if (rule is not null && rule.Allows(request))
            {
                allowedBy = source;
                return false;
            }
            if (error is not null)
            {
                errors.Add(error);
            }
            return true;
        });
        return allowedBy is not null
            ? new AccessDecision(true, "RBAC: allowed by " + allowedBy)
            : new AccessDecision(false, errors.Count == 0 ? "" : "RBAC: " + Aggregate(errors));
    }

    /// <summary>Every rule the user holds in <paramref name="ns"/> (cluster-wide ones first), and the errors met collecting them.</summary>
    public (IReadOnlyList<PolicyRule> Rules, IReadOnlyList<string> Errors) RulesFor(string user, IReadOnlyList<string> groups, string ns)
    {
        var rules = new List<PolicyRule>();
        var errors = new List<string>();
        Visit(user, groups, ns, (_, rule, error) =>
        {
            if (rule is not null)
            {
                rules.Add(rule);
            }
            if (error is not null)
            {
                errors.Add(error);
            }
            return true;
        });
        return (rules, errors);
    }

    /// <summary>The rules a binding's <c>roleRef</c> grants, or the error RBAC reports for it.</summary>
    public (IReadOnlyList<PolicyRule> Rules, string? Error) RoleReferenceRules(JsonObject? roleRef, string bindingNamespace)
    {
        var kind = JsonTree.GetString(roleRef, "kind") ?? "";
        var name = JsonTree.GetString(roleRef, "name") ?? "";
        switch (kind)
        {
            case "ClusterRole":
                return _clusterRoles.TryGetValue(name, out var clusterRole)
                    ? (PolicyRule.ListFrom(clusterRole), null)
                    : ([], $"clusterrole.rbac.authorization.k8s.io \"{name}\" not found");
            case "Role":
                return _roles.TryGetValue((bindingNamespace, name), out var role)
                    ? (PolicyRule.ListFrom(role), null)
                    : ([], $"role.rbac.authorization.k8s.io \"{name}\" not found");
            default:
                return ([], $"unsupported role reference kind: \"{kind}\"");
        }
    }

    /// <summary>
    /// Walks the user's rules as <c>DefaultRuleResolver.VisitRulesFor</c> does; the visitor gets the binding describing
    /// where a rule comes from, the rule, or an error, and returns false to stop.
    /// </summary>
    private void Visit(string user, IReadOnlyList<string> groups, string ns, Func<string, PolicyRule?, string?, bool> visitor)
    {
        foreach (var binding in _clusterRoleBindings)
        {
            if (!VisitBinding(binding, "ClusterRoleBinding", NameOf(binding), "", user, groups, visitor))
            {
                return;
            }
        }
        if (ns.Length == 0)
        {
            return;
        }
        foreach (var binding in _roleBindings[ns])
        {
            if (!VisitBinding(binding, "RoleBinding", NameOf(binding) + "/" + ns, ns, user, groups, visitor))
            {
                return;
            }
        }
    }

    private bool VisitBinding(JsonObject binding, string bindingKind, string bindingName, string ns, string user, IReadOnlyList<string> groups, Func<string, PolicyRule?, string?, bool> visitor)
    {
        if (JsonTree.Objects(binding["subjects"] as JsonArray).FirstOrDefault(s => AppliesTo(s, user, groups, ns)) is not { } subject)
        {
            return true;
        }
        var roleRef = binding["roleRef"] as JsonObject;
        var (rules, error) = RoleReferenceRules(roleRef, ns);
        if (error is not null)
        {
            return visitor("", null, error);
        }
        var source = $"{bindingKind} \"{bindingName}\" of {JsonTree.GetString(roleRef, "kind")} \"{JsonTree.GetString(roleRef, "name")}\" to {Describe(subject, ns)}";
        return rules.All(rule => visitor(source, rule, null));
    }

    /// <summary>Whether a binding's subject is the user (<c>appliesToUser</c>): by name, by group, or as a service account.</summary>
    private static bool AppliesTo(JsonObject subject, string user, IReadOnlyList<string> groups, string bindingNamespace)
    {
        var name = JsonTree.GetString(subject, "name") ?? "";
        switch (JsonTree.GetString(subject, "kind"))
        {
            case "User":
                return user == name;
            case "Group":
                return groups.Contains(name);
            case "ServiceAccount":
                var saNamespace = JsonTree.GetString(subject, "namespace") is { Length: > 0 } given ? given : bindingNamespace;
                return saNamespace.Length > 0 && user == $"{ServiceAccountPrefix}{saNamespace}:{name}";
            default:
                return false;
        }
    }

    private static string Describe(JsonObject subject, string bindingNamespace)
    {
        var kind = JsonTree.GetString(subject, "kind");
        var name = JsonTree.GetString(subject, "name") ?? "";
        if (kind == "ServiceAccount")
        {
            name += "/" + (JsonTree.GetString(subject, "namespace") is { Length: > 0 } ns ? ns : bindingNamespace);
        }
        return $"{kind} \"{name}\"";
    }

    /// <summary>Kubernetes' error aggregate: one error as itself, several (repeats dropped) in brackets.</summary>
    public static string Aggregate(IEnumerable<string> errors)
    {
        var distinct = errors.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
    }

    private static string NameOf(JsonObject obj) => JsonTree.GetString(obj, "metadata", "name") ?? "";

    private static string NamespaceOf(JsonObject obj) => JsonTree.GetString(obj, "metadata", "namespace") ?? "";
}
