using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.Admission.ValidatingAdmissionPolicy;

/// <summary>
/// The request a policy is matched against: the resource (with its subresource), the operation, the namespace, and
/// the new and old objects.
/// </summary>
/// <param name="Type">The resource written.</param>
/// <param name="Subresource">"" or <c>status</c>, <c>ephemeralcontainers</c>.</param>
/// <param name="Operation"><c>CREATE</c>, <c>UPDATE</c>, <c>DELETE</c>.</param>
/// <param name="Namespace">The namespace of a namespaced object, else "".</param>
/// <param name="Name">The object's name.</param>
/// <param name="Object">The object written (null for a delete).</param>
/// <param name="OldObject">The stored object an update replaces or a delete removes.</param>
/// <param name="DryRun">True for a dry run.</param>
/// <param name="UserInfo">The requesting user (null: the emulated components' own writes, seen as the administrator).</param>
public sealed record PolicyRequest(ResourceType Type, string Subresource, string Operation, string Namespace, string Name, JsonObject? Object, JsonObject? OldObject, bool DryRun = false, JsonObject? UserInfo = null);

/// <summary>
/// Kubernetes' <c>matchConstraints</c> / binding <c>matchResources</c> matching: resource rules (API groups, versions,
/// resources with <c>*</c>, <c>*/*</c>, <c>res/*</c>, <c>*/sub</c> forms, operations, scope), exclude rules, the
/// namespace selector (a cluster-scoped object other than a Namespace always matches it), the object selector (the
/// new or the old object's labels), and the match policy (<c>Equivalent</c> also matches the resource in another
/// version of its group).
/// </summary>
public static class PolicyMatcher
{
    /// <summary>True when <paramref name="resources"/> selects the request.</summary>
    /// <param name="resources">A <c>MatchResources</c>.</param>
    /// <param name="request">The request.</param>
    /// <param name="stored">The store, for the namespace's labels.</param>
    /// <param name="requireRules">False for a binding's matchResources, where absent resource rules do not constrain.</param>
    public static bool Matches(JsonObject? resources, PolicyRequest request, IAdmissionContext stored, bool requireRules)
    {
        if (resources is null)
        {
            return !requireRules;
        }
        var rules = resources["resourceRules"] as JsonArray;
        var equivalent = JsonTree.AsString(resources["matchPolicy"]) != "Exact";
        if (rules is { Count: > 0 } ? !rules.OfType<JsonObject>().Any(r => RuleMatches(r, request, equivalent)) : requireRules)
        {
            return false;
        }
        if (resources["excludeResourceRules"] is JsonArray excluded && excluded.OfType<JsonObject>().Any(r => RuleMatches(r, request, equivalent)))
        {
            return false;
        }
        return NamespaceMatches(resources["namespaceSelector"], request, stored) && ObjectMatches(resources["objectSelector"], request);
    }

    private static bool RuleMatches(JsonObject rule, PolicyRequest request, bool equivalent)
    {
        var type = request.Type;
        if (!Listed(rule["apiGroups"], type.Group) || !equivalent && !Listed(rule["apiVersions"], type.Version)
            || !Listed(rule["operations"], request.Operation))
        {
            return false;
        }
        var scope = JsonTree.AsString(rule["scope"]) ?? "*";
        if (scope == "Namespaced" && !type.Namespaced || scope == "Cluster" && type.Namespaced)
        {
            return false;
        }
        if (rule["resourceNames"] is JsonArray { Count: > 0 } names && !names.Select(JsonTree.AsString).Contains(request.Name))
        {
            return false;
        }
        return rule["resources"] is JsonArray resources && resources.Select(JsonTree.AsString).OfType<string>().Any(r => ResourceMatches(r, type.Resource, request.Subresource));
    }

    private static bool Listed(JsonNode? values, string value) =>
        values is JsonArray list && list.Select(JsonTree.AsString).Any(v => v == "*" || v == value);

    // "*" is every resource but no subresource, "*/*" everything, "pods/*" a resource with any subresource.
    private static bool ResourceMatches(string rule, string resource, string subresource)
    {
        var slash = rule.IndexOf('/');
        var ruleResource = slash < 0 ? rule : rule[..slash];
        var ruleSubresource = slash < 0 ? "" : rule[(slash + 1)..];
        return (ruleResource == "*" || ruleResource == resource) && (ruleSubresource == "*" || ruleSubresource == subresource);
    }

    private static bool NamespaceMatches(JsonNode? selector, PolicyRequest request, IAdmissionContext stored)
    {
        var labelSelector = selector is null ? LabelSelector.Everything : LabelSelector.FromJson(selector);
        if (labelSelector.IsEmpty)
        {
            return true;
        }
        if (request.Type.Key == ResourceTypes.Namespaces.Key)
        {
            return labelSelector.Matches(Labels(request.Object ?? request.OldObject));
        }
        if (!request.Type.Namespaced)
        {
            return true;
        }
        var ns = stored.Find(ResourceTypes.Namespaces, null, request.Namespace);
        return labelSelector.Matches(Labels(ns?.ToJsonObject()));
    }

    private static bool ObjectMatches(JsonNode? selector, PolicyRequest request)
    {
        var labelSelector = selector is null ? LabelSelector.Everything : LabelSelector.FromJson(selector);
        return labelSelector.IsEmpty
            || request.Object is not null && labelSelector.Matches(Labels(request.Object))
            || request.OldObject is not null && labelSelector.Matches(Labels(request.OldObject));
    }

    private static IReadOnlyDictionary<string, string> Labels(JsonObject? obj) =>
        JsonTree.StringMap(obj?["metadata"]?["labels"]);
}
