using Emulator.Api.Resources;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.Authorization;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Authorization;

/// <summary>
/// The API server's impersonation and authorization filters, with kube-apiserver's authorizers in their order: the
/// privileged-group authorizer lets <c>system:masters</c> do anything, then RBAC. A request RBAC does not allow is
/// answered <c>403 Forbidden</c> (<c>pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the
/// namespace "default"</c>) and goes no further. Impersonating (<c>--as</c>, <c>--as-group</c>) needs the
/// <c>impersonate</c> verb on the users, groups, service accounts, uids and extras impersonated.
/// </summary>
public sealed class RequestAuthorization(RbacPolicyReader policies)
{
    private const string AuthenticationGroup = "authentication.k8s.io";

    /// <summary>Authorizes the request; when it is refused, writes the 403 and returns false.</summary>
    public async Task<bool> Authorize(HttpContext context)
    {
        var requester = RequestUser.Requester(context);
        var user = RequestUser.Of(context.Request);
        if (requester.Groups.Contains(AccessAttributes.MastersGroup) && user.Groups.Contains(AccessAttributes.MastersGroup))
        {
            return true;
        }
        RbacPolicy policy;
        try
        {
            policy = await policies.Read().ConfigureAwait(false);
        }
        catch (Exception e) when (e is Akka.Actor.AskTimeoutException or TaskCanceledException)
        {
            // An authorizer that cannot decide fails the request as the API server does: 500, the error as the cause.
            await ApiResponses.WriteStatus(context, ApiStatus.Internal("the authorizer could not read the RBAC policy: " + e.Message)).ConfigureAwait(false);
            return false;
        }
        if (!requester.Groups.Contains(AccessAttributes.MastersGroup))
        {
            foreach (var impersonation in Impersonations(context.Request, requester))
            {
                if (!await Allowed(context, policy, impersonation).ConfigureAwait(false))
                {
                    return false;
                }
            }
        }
        return user.Groups.Contains(AccessAttributes.MastersGroup)
            || await Allowed(context, policy, RequestAttributes.Of(context.Request, user.Username, user.Groups)).ConfigureAwait(false);
    }

    private static async Task<bool> Allowed(HttpContext context, RbacPolicy policy, AccessAttributes attributes)
    {
        var decision = policy.Authorize(attributes);
        if (decision.Allowed)
        {
            return true;
        }
        var why = attributes.ForbiddenMessage() + (decision.Reason.Length > 0 ? ": " + decision.Reason : "");
        await ApiResponses.WriteStatus(context, ApiStatus.Forbidden(attributes.IsResourceRequest ? attributes.Resource : "", attributes.ApiGroup, attributes.Name, why)).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// What impersonating takes, in the impersonation filter's order: the user (a service account by its namespace
    /// and name), each group, each extra value and the uid.
    /// </summary>
    private static IEnumerable<AccessAttributes> Impersonations(HttpRequest request, RequestUser requester)
    {
        var headers = request.Headers;
        if (headers["Impersonate-User"].FirstOrDefault() is not { Length: > 0 } user)
        {
            yield break;
        }
        AccessAttributes Impersonate(string group, string resource, string name, string ns = "", string subresource = "") =>
            new(requester.Username, requester.Groups, "impersonate", true, group, resource, subresource, ns, name);
        yield return user.StartsWith("system:serviceaccount:", StringComparison.Ordinal) && user.Split(':') is { Length: 4 } parts
            ? Impersonate("", "serviceaccounts", parts[3], parts[2])
            : Impersonate("", "users", user);
        foreach (var group in headers["Impersonate-Group"].Where(g => !string.IsNullOrEmpty(g)))
        {
            yield return Impersonate("", "groups", group!);
        }
        foreach (var header in headers.Where(h => h.Key.StartsWith("Impersonate-Extra-", StringComparison.OrdinalIgnoreCase)))
        {
            var key = Uri.UnescapeDataString(header.Key["Impersonate-Extra-".Length..]).ToLowerInvariant();
            foreach (var value in header.Value)
            {
                yield return Impersonate(AuthenticationGroup, "userextras", value ?? "", subresource: key);
            }
        }
        if (headers["Impersonate-Uid"].FirstOrDefault() is { Length: > 0 } uid)
        {
            yield return Impersonate(AuthenticationGroup, "uids", uid);
        }
    }
}
