using System.Text.Json.Nodes;

namespace Emulator.Api.Resources;

/// <summary>
/// The status the API server writes into a review. RBAC objects are stored but not enforced, so every request of every
/// user is allowed: access reviews answer <c>allowed: true</c> (with no reason, as the privileged-group authorizer
/// answers for <c>system:masters</c>) and rules reviews list what a cluster administrator holds — the
/// <c>cluster-admin</c> rules plus those of <c>system:basic-user</c>, <c>system:discovery</c> and
/// <c>system:public-info-viewer</c> — in the order the RBAC rule resolver collects them.
/// </summary>
public static class Reviews
{
    private static readonly string[] DiscoveryUrls = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"];
    private static readonly string[] PublicInfoUrls = ["/healthz", "/livez", "/readyz", "/version", "/version/"];

    /// <summary>The status of a review of <paramref name="kind"/> made by <paramref name="user"/>.</summary>
    public static JsonObject Answer(string kind, JsonObject review, RequestUser user) => kind switch
    {
        "SelfSubjectReview" => new JsonObject { ["userInfo"] = UserInfo(user) },
        "TokenReview" => TokenReview(),
        "SelfSubjectRulesReview" => RulesReview(),
        _ => new JsonObject { ["allowed"] = true },
    };

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

    private static JsonObject RulesReview()
    {
        var resourceRules = new JsonArray
        {
            Rule(["*"], ["*"], ["*"]),
            Rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
            Rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
        };
        var nonResourceRules = new JsonArray
        {
            new JsonObject { ["verbs"] = Strings(["*"]), ["nonResourceURLs"] = Strings(["*"]) },
            new JsonObject { ["verbs"] = Strings(["get"]), ["nonResourceURLs"] = Strings(DiscoveryUrls) },
            new JsonObject { ["verbs"] = Strings(["get"]), ["nonResourceURLs"] = Strings(PublicInfoUrls) },
        };
        return new JsonObject { ["resourceRules"] = resourceRules, ["nonResourceRules"] = nonResourceRules, ["incomplete"] = false };
    }

    private static JsonObject Rule(string[] verbs, string[] groups, string[] resources) => new()
    {
        ["verbs"] = Strings(verbs),
        ["apiGroups"] = Strings(groups),
        ["resources"] = Strings(resources),
    };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
}
