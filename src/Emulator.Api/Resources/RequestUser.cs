using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Resources;

/// <summary>
/// Who a request runs as. The emulator's API server listens on loopback only and asks for no credentials (the
/// kubeconfig <c>emulator up</c> writes carries none), so a request without one is the cluster's administrator — the
/// user an API server gives to a client certificate in <c>system:masters</c>; a request with a service account's bearer
/// token is that service account. Either may impersonate someone else with kubectl's <c>--as</c>/<c>--as-group</c>
/// headers, when RBAC lets them impersonate.
/// </summary>
/// <param name="Username">The user name.</param>
/// <param name="Uid">The user's uid (empty unless impersonated with one).</param>
/// <param name="Groups">The groups, <c>system:authenticated</c> included.</param>
/// <param name="Extra">Extra attributes (<c>Impersonate-Extra-*</c>).</param>
public sealed record RequestUser(string Username, string Uid, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, IReadOnlyList<string>> Extra)
{
    /// <summary>The group every authenticated user is in.</summary>
    public const string AuthenticatedGroup = "system:authenticated";

    /// <summary>The group of requests no authenticator recognised (here: only the impersonated anonymous user).</summary>
    public const string UnauthenticatedGroup = "system:unauthenticated";

    /// <summary>The group the API server's privileged-group authorizer lets do anything.</summary>
    public const string MastersGroup = Emulator.Kubernetes.Authorization.AccessAttributes.MastersGroup;

    /// <summary>The administrator every request runs as.</summary>
    public static RequestUser Administrator { get; } =
        new("kubernetes-admin", "", [MastersGroup, AuthenticatedGroup], new Dictionary<string, IReadOnlyList<string>>());

    private const string ItemKey = "emulator.authenticated-user";

    /// <summary>Records the user the request's credential authenticated (the authentication filter calls it).</summary>
    public static void Authenticated(HttpContext context, RequestUser user) => context.Items[ItemKey] = user;

    /// <summary>
    /// Who sent the request, before any impersonation: the user its credential authenticated, or the administrator
    /// when it carries none. Impersonating needs this user's permission.
    /// </summary>
    public static RequestUser Requester(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var authenticated) && authenticated is RequestUser known ? known : Administrator;

    /// <summary>
    /// The user of <paramref name="request"/>: the authenticated one (the administrator without a credential), or the
    /// impersonated user with the impersonated groups (service accounts get their namespace's groups),
    /// <c>system:authenticated</c> added as the API server does.
    /// </summary>
    public static RequestUser Of(HttpRequest request)
    {
        var headers = request.Headers;
        var user = headers["Impersonate-User"].FirstOrDefault();
        var groups = headers["Impersonate-Group"].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        if (string.IsNullOrEmpty(user))
        {
            return Requester(request.HttpContext);
        }
        if (user.StartsWith("system:serviceaccount:", StringComparison.Ordinal) && user.Split(':') is { Length: 4 } parts)
        {
            groups.AddRange(["system:serviceaccounts", "system:serviceaccounts:" + parts[2]]);
        }
        // As the impersonation filter completes the groups: the anonymous user is unauthenticated, anyone else
        // authenticated unless impersonated as unauthenticated.
        if (user == "system:anonymous" ? !groups.Contains(UnauthenticatedGroup) : !groups.Contains(AuthenticatedGroup) && !groups.Contains(UnauthenticatedGroup))
        {
            groups.Add(user == "system:anonymous" ? UnauthenticatedGroup : AuthenticatedGroup);
        }
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var header in headers.Where(h => h.Key.StartsWith("Impersonate-Extra-", StringComparison.OrdinalIgnoreCase)))
        {
            extra[Uri.UnescapeDataString(header.Key["Impersonate-Extra-".Length..]).ToLowerInvariant()] = header.Value.Select(v => v ?? "").ToArray();
        }
        return new RequestUser(user, headers["Impersonate-Uid"].FirstOrDefault() ?? "", groups, extra);
    }
}
