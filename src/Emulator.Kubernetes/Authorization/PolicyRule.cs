using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Authorization;

/// <summary>
/// One rule of a Role or ClusterRole (<c>rbac.authorization.k8s.io/v1</c> PolicyRule) and RBAC's matching of a request
/// against it (<c>rbac/v1</c> evaluation helpers): <c>*</c> matches any verb, group, resource or path; <c>*/SUB</c> any
/// resource's subresource; an empty <c>resourceNames</c> any name; a path ending in <c>*</c> any path it prefixes.
/// </summary>
/// <param name="Verbs">The verbs.</param>
/// <param name="ApiGroups">The API groups.</param>
/// <param name="Resources">The resources (<c>pods</c>, <c>pods/log</c>, <c>*/scale</c>).</param>
/// <param name="ResourceNames">The object names, or empty for all.</param>
/// <param name="NonResourceUrls">The non-resource paths.</param>
public sealed record PolicyRule(
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> ApiGroups,
    IReadOnlyList<string> Resources,
    IReadOnlyList<string> ResourceNames,
    IReadOnlyList<string> NonResourceUrls)
{
    private const string All = "*";

    /// <summary>The rule as stored (<c>verbs</c>, <c>apiGroups</c>, <c>resources</c>, <c>resourceNames</c>, <c>nonResourceURLs</c>).</summary>
    public static PolicyRule FromJson(JsonObject rule) => new(
        Strings(rule["verbs"]), Strings(rule["apiGroups"]), Strings(rule["resources"]), Strings(rule["resourceNames"]), Strings(rule["nonResourceURLs"]));

    /// <summary>The rules of a role's <c>rules</c> list.</summary>
    public static IReadOnlyList<PolicyRule> ListFrom(JsonObject role) => JsonTree.Objects(role["rules"] as JsonArray).Select(FromJson).ToArray();

    /// <summary>Whether the rule allows the request (<c>RuleAllows</c>).</summary>
    public bool Allows(AccessAttributes request)
    {
        if (!Verbs.Any(v => v == All || v == request.Verb))
        {
            return false;
        }
        if (!request.IsResourceRequest)
        {
            return NonResourceUrls.Any(url => url == All || url == request.Path || (url.EndsWith(All, StringComparison.Ordinal) && request.Path.StartsWith(url[..^1], StringComparison.Ordinal)));
        }
        return ApiGroups.Any(g => g == All || g == request.ApiGroup)
            && ResourceMatches(request.CombinedResource, request.Subresource)
            && (ResourceNames.Count == 0 || ResourceNames.Contains(request.Name));
    }

    private bool ResourceMatches(string combined, string subresource) =>
        Resources.Any(r => r == All || r == combined
            || (subresource.Length > 0 && r.Length == subresource.Length + 2 && r.StartsWith("*/", StringComparison.Ordinal) && r.EndsWith(subresource, StringComparison.Ordinal)));

    private static string[] Strings(JsonNode? node) => (node as JsonArray ?? []).Select(JsonTree.AsString).OfType<string>().ToArray();
}
