using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Authorization;

namespace Emulator.Api.Resources;

/// <summary>
/// The status the API server writes into a review. Access reviews are decided as requests are: the privileged-group
/// authorizer allows <c>system:masters</c> (no reason), then RBAC (<c>RBAC: allowed by ...</c>); a request nothing
/// allows is <c>allowed: false</c>. A rules review lists the RBAC rules the user holds in the namespace, cluster-wide
/// ones first, in the order the rule resolver collects them.
/// </summary>
public static class Reviews
{
    /// <summary>The status of a review of <paramref name="kind"/> made by <paramref name="user"/> under <paramref name="policy"/>.</summary>
    public static JsonObject Answer(string kind, JsonObject review, RequestUser user, RbacPolicy policy) => kind switch
    {
        "SelfSubjectReview" => new JsonObject { ["userInfo"] = UserInfo(user) },
        "TokenReview" => TokenReview(),
        "SelfSubjectRulesReview" => RulesReview(policy, user.Username, user.Groups, JsonTree.GetString(review, "spec", "namespace") ?? ""),
        "SelfSubjectAccessReview" => AccessReview(policy, review, user.Username, user.Groups),
        _ => AccessReview(policy, review, JsonTree.GetString(review, "spec", "user") ?? "",
            (JsonTree.GetArray(review, "spec", "groups") ?? []).Select(JsonTree.AsString).OfType<string>().ToArray()),
    };

    /// <summary>True for the reviews whose answer depends on the RBAC policy.</summary>
    public static bool NeedsPolicy(string kind) => kind is "SubjectAccessReview" or "SelfSubjectAccessReview" or "LocalSubjectAccessReview" or "SelfSubjectRulesReview";

    /// <summary>The user as <c>authentication.k8s.io/v1</c> UserInfo (empty fields left out, as Go omits them).</summary>
    public static JsonObject UserInfo(RequestUser user)
    {
        var info = new JsonObject { ["username"] = user.Username };
        if (user.Uid.Length > 0)
        {
            info["uid"] = user.Uid;
        }
        if (user.Groups.Count > 0)
        {
            info["groups"] = Strings(user.Groups);
        }
        if (user.Extra.Count > 0)
        {
            var extra = new JsonObject();
            foreach (var (key, values) in user.Extra)
            {
                extra[key] = Strings(values);
            }
            info["extra"] = extra;
        }
        return info;
    }

    /// <summary>
    /// A token none of the API server's authenticators accepts (service account tokens the API server issued are
    /// reviewed before this, by the handler that can look their service accounts up).
    /// </summary>
    private static JsonObject TokenReview() => new()
    {
        ["user"] = new JsonObject(),
        ["error"] = "[invalid bearer token, token lookup failed]",
    };

    private static JsonObject AccessReview(RbacPolicy policy, JsonObject review, string user, IReadOnlyList<string> groups)
    {
        var spec = review["spec"] as JsonObject;
        var attributes = spec?["resourceAttributes"] is JsonObject resource
            ? new AccessAttributes(user, groups, Text(resource, "verb"), true, Text(resource, "group"), Text(resource, "resource"), Text(resource, "subresource"), Text(resource, "namespace"), Text(resource, "name"))
            : new AccessAttributes(user, groups, Text(spec?["nonResourceAttributes"] as JsonObject, "verb"), false, Path: Text(spec?["nonResourceAttributes"] as JsonObject, "path"));
        var decision = attributes.IsPrivileged ? new AccessDecision(true, "") : policy.Authorize(attributes);
        var status = new JsonObject { ["allowed"] = decision.Allowed };
        if (decision.Reason.Length > 0)
        {
            status["reason"] = decision.Reason;
        }
        return status;
    }

    private static JsonObject RulesReview(RbacPolicy policy, string user, IReadOnlyList<string> groups, string ns)
    {
        var (rules, errors) = policy.RulesFor(user, groups, ns);
        var resourceRules = new JsonArray();
        var nonResourceRules = new JsonArray();
        foreach (var rule in rules)
        {
            if (rule.Resources.Count > 0)
            {
                var entry = new JsonObject { ["verbs"] = Strings(rule.Verbs) };
                AddNonEmpty(entry, "apiGroups", rule.ApiGroups);
                AddNonEmpty(entry, "resources", rule.Resources);
                AddNonEmpty(entry, "resourceNames", rule.ResourceNames);
                resourceRules.Add(entry);
            }
            if (rule.NonResourceUrls.Count > 0)
            {
                nonResourceRules.Add(new JsonObject { ["verbs"] = Strings(rule.Verbs), ["nonResourceURLs"] = Strings(rule.NonResourceUrls) });
            }
        }
        var status = new JsonObject { ["resourceRules"] = resourceRules, ["nonResourceRules"] = nonResourceRules, ["incomplete"] = errors.Count > 0 };
        if (errors.Count > 0)
        {
            status["evaluationError"] = RbacPolicy.Aggregate(errors);
        }
        return status;
    }

    private static void AddNonEmpty(JsonObject entry, string key, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            entry[key] = Strings(values);
        }
    }

    private static string Text(JsonObject? obj, string key) => JsonTree.GetString(obj, key) ?? "";

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
}
