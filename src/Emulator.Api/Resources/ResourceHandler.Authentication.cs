using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Resources;

// The API server's authentication filter, for bearer tokens: the service account token authenticator.
public sealed partial class ResourceHandler
{
    /// <summary>
    /// Authenticates a request that carries <c>Authorization: Bearer TOKEN</c> with the checks TokenReview makes (a
    /// service account token this API server signed, unexpired, for its audience, its service account and bound objects
    /// still there): the request then runs as that service account. A request without a bearer token keeps running as
    /// the administrator (the kubeconfig <c>emulator up</c> writes carries no credential). A token that does not
    /// authenticate is answered <c>401 Unauthorized</c>, as by the API server, and the request goes no further.
    /// </summary>
    /// <returns>Whether the request may go on.</returns>
    public async Task<bool> Authenticate(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.FirstOrDefault();
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var token = authorization["Bearer ".Length..].Trim();
        var status = token.Length == 0 ? null : await ReviewServiceAccountToken(new JsonObject { ["spec"] = new JsonObject { ["token"] = token } }).ConfigureAwait(false);
        if (status?["authenticated"]?.GetValue<bool>() != true || status["user"] is not JsonObject user)
        {
            await ApiResponses.WriteStatus(context, new ApiStatus(StatusCodes.Status401Unauthorized, "Unauthorized", "Unauthorized")).ConfigureAwait(false);
            return false;
        }
        static IReadOnlyList<string> Strings(JsonNode? node) => (node as JsonArray ?? []).Select(JsonTree.AsString).OfType<string>().ToArray();
        var extra = (user["extra"] as JsonObject ?? []).ToDictionary(e => e.Key, e => Strings(e.Value), StringComparer.Ordinal);
        RequestUser.Authenticated(context, new RequestUser(JsonTree.GetString(user, "username") ?? "", JsonTree.GetString(user, "uid") ?? "", Strings(user["groups"]), extra));
        return true;
    }
}
