using System.Text.Json.Nodes;
using Emulator.ControlPlane.ServiceAccount;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Discovery;

/// <summary>
/// The service account issuer discovery the API server serves (ServiceAccountIssuerDiscovery, GA since 1.21): an
/// OpenID Connect provider configuration at <c>/.well-known/openid-configuration</c> naming the issuer and its key set,
/// and the key set at <c>/openid/v1/jwks</c>, so that other systems can verify service account tokens without asking
/// the API server. Both may be cached for an hour, as the API server says.
/// </summary>
public static class ServiceAccountIssuerDiscovery
{
    /// <summary>The key set's path.</summary>
    public const string JwksPath = "/openid/v1/jwks";

    /// <summary>The provider configuration; the key set's URL is the issuer's with <see cref="JwksPath"/> (no <c>--service-account-jwks-uri</c>).</summary>
    public static Task ServeConfiguration(HttpContext context, ServiceAccountTokenIssuer issuer) => Serve(context, "application/json", new JsonObject
    {
        ["issuer"] = issuer.Issuer,
        ["jwks_uri"] = issuer.Issuer.TrimEnd('/') + JwksPath,
        ["response_types_supported"] = new JsonArray("id_token"),
        ["subject_types_supported"] = new JsonArray("public"),
        ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
    });

    /// <summary>The public keys that verify the issuer's tokens.</summary>
    public static Task ServeKeys(HttpContext context, ServiceAccountTokenIssuer issuer) =>
        Serve(context, "application/jwk-set+json", new JsonObject { ["keys"] = new JsonArray(issuer.PublicJwk()) });

    private static Task Serve(HttpContext context, string contentType, JsonObject document)
    {
        context.Response.Headers.CacheControl = "public, max-age=3600";
        context.Response.ContentType = contentType;
        return context.Response.Body.WriteAsync(System.Text.Encoding.UTF8.GetBytes(document.ToJsonString())).AsTask();
    }
}
