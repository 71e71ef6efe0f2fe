using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Authorization;

namespace Emulator.ControlPlane.Admission;

/// <summary>
/// The RBAC storage's escalation prevention: a user may write a Role or ClusterRole only with rules the user already
/// holds (or with the <c>escalate</c> verb on it), and a binding only to a role whose rules the user holds (or with the
/// <c>bind</c> verb on it); an <c>aggregationRule</c> takes <c>escalate</c>. <c>system:masters</c> and the emulated
/// components (writes without a user) hold everything. A refusal is the API server's 403.
/// </summary>
public static class RoleEscalation
{
    private const string Group = "rbac.authorization.k8s.io";


    /// <summary>Refuses a role or binding that would grant <paramref name="stored"/>'s requesting user more than the user holds.</summary>
    public static void Admit(ResourceType type, JsonObject obj, IAdmissionContext stored)
    {
        if (type.Group != Group || stored.UserInfo is not { } userInfo)
        {
            return;
        }
        var user = JsonTree.GetString(userInfo, "username") ?? "";
        var groups = (userInfo["groups"] as JsonArray ?? []).Select(JsonTree.AsString).OfType<string>().ToArray();
        if (groups.Contains(AccessAttributes.MastersGroup))
        {
            return;
        }
        var name = JsonTree.GetString(obj, "metadata", "name") ?? "";
        var ns = JsonTree.GetString(obj, "metadata", "namespace") ?? "";
        var policy = new RbacPolicy(Documents(stored, ResourceTypes.ClusterRoles), Documents(stored, ResourceTypes.ClusterRoleBindings), Documents(stored, ResourceTypes.Roles), Documents(stored, ResourceTypes.RoleBindings));
        bool Authorized(string verb, string resource, string objectName) =>
            policy.Authorize(new AccessAttributes(user, groups, verb, true, Group, resource, "", ns, objectName)).Allowed;
        IReadOnlyList<PolicyRule> requested;
        switch (type.Resource)
        {
            case "roles" or "clusterroles":
                if (Authorized("escalate", type.Resource, name))
                {
                    return;
                }
                if (obj["aggregationRule"] is JsonObject)
                {
                    throw new ApiStatusException(ApiStatus.Forbidden(type.Resource, Group, name, "must have cluster-admin privileges to use the aggregationRule"));
                }
                requested = PolicyRule.ListFrom(obj);
                break;
            case "rolebindings" or "clusterrolebindings":
                var roleRef = obj["roleRef"] as JsonObject;
                var roleKind = JsonTree.GetString(roleRef, "kind");
                if (roleKind is "ClusterRole" or "Role" && Authorized("bind", roleKind == "Role" ? "roles" : "clusterroles", JsonTree.GetString(roleRef, "name") ?? ""))
                {
                    return;
                }
                var (rules, error) = policy.RoleReferenceRules(roleRef, ns);
                if (error is not null)
                {
                    throw new ApiStatusException(ApiStatus.NotFound(roleKind == "Role" ? "roles" : "clusterroles", Group, JsonTree.GetString(roleRef, "name") ?? ""));
                }
                requested = rules;
                break;
            default:
                return;
        }
        var (owned, resolutionErrors) = policy.RulesFor(user, groups, ns);
        var missing = RuleCoverage.Missing(owned, requested);
        if (missing.Count == 0)
        {
            return;
        }
        var message = RuleCoverage.EscalationMessage(user, groups, missing);
        if (resolutionErrors.Count > 0)
        {
            message += "; resolution errors: [" + string.Join(", ", resolutionErrors.Distinct(StringComparer.Ordinal)) + "]";
        }
        throw new ApiStatusException(ApiStatus.Forbidden(type.Resource, Group, name, message));
    }

    private static IEnumerable<JsonObject> Documents(IAdmissionContext stored, ResourceType type) =>
        stored.List(type).Select(o => o.Parsed.Document);
}
