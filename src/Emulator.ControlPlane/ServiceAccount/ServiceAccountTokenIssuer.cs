using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.ControlPlane.ServiceAccount;

/// <summary>An object a service account token is bound to (the <c>kubernetes.io</c> claim's pod, secret or node).</summary>
/// <param name="Name">The object's name.</param>
/// <param name="Uid">The object's uid.</param>
public sealed record TokenBinding(string Name, string Uid);

/// <summary>The claims of a service account token, as <c>pkg/serviceaccount</c>'s <c>Claims</c> builds them.</summary>
/// <param name="Namespace">The service account's namespace.</param>
/// <param name="ServiceAccount">The service account (name and uid).</param>
/// <param name="Audiences">The <c>aud</c> claim.</param>
/// <param name="IssuedAt">The <c>iat</c> and <c>nbf</c> claims.</param>
/// <param name="Expiry">The <c>exp</c> claim.</param>
/// <param name="Id">The <c>jti</c> claim.</param>
/// <param name="Pod">The pod the token is bound to.</param>
/// <param name="Secret">The secret the token is bound to.</param>
/// <param name="Node">The node the token is bound to (or the bound pod's node).</param>
public sealed record ServiceAccountClaims(string Namespace, TokenBinding ServiceAccount, IReadOnlyList<string> Audiences, DateTimeOffset IssuedAt, DateTimeOffset Expiry,
    string Id, TokenBinding? Pod = null, TokenBinding? Secret = null, TokenBinding? Node = null)
{
    /// <summary>The <c>sub</c> claim and the user name: <c>system:serviceaccount:NS:NAME</c>.</summary>
    public string Subject => $"system:serviceaccount:{Namespace}:{ServiceAccount.Name}";
}

/// <summary>
/// The API server's service account token issuer (<c>--service-account-issuer</c>,
/// <c>--service-account-signing-key-file</c>): RS256 JWTs signed with the cluster's service account key, the key id
/// being the base64url SHA-256 of the public key's PKIX encoding as Kubernetes derives it. It also verifies them for
/// the token authenticator: signature, issuer, validity times; the service account and bound objects are checked by
/// the caller against the store.
/// </summary>
public sealed class ServiceAccountTokenIssuer : IDisposable
{
    /// <summary>The issuer (<c>iss</c>) and the API server's default audience, as kind and kubeadm configure it.</summary>
    public const string DefaultIssuer = "https://kubernetes.default.svc.cluster.local";

    private readonly RSA _key;

    /// <summary>Wraps a signing key.</summary>
    public ServiceAccountTokenIssuer(RSA key)
    {
        _key = key;
        KeyId = Base64Url(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The issuer this issuer writes and accepts.</summary>
    public string Issuer { get; init; } = DefaultIssuer;

    /// <summary>The <c>kid</c> header of its tokens.</summary>
    public string KeyId { get; }

    /// <summary>
    /// The public key as the API server's <c>/openid/v1/jwks</c> lists it (go-jose's JSON Web Key: <c>use</c>,
    /// <c>kty</c>, <c>kid</c>, <c>alg</c>, <c>n</c>, <c>e</c>), for relying parties that verify the tokens themselves.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject PublicJwk()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: false);
        return new System.Text.Json.Nodes.JsonObject
        {
            ["use"] = "sig",
            ["kty"] = "RSA",
            ["kid"] = KeyId,
            ["alg"] = "RS256",
            ["n"] = Base64Url(parameters.Modulus!),
            ["e"] = Base64Url(parameters.Exponent!),
        };
    }

    /// <summary>The signing key as PKCS#8 PEM (what <c>sa.key</c> holds).</summary>
    public string PrivateKeyPem => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>The issuer of a PEM-encoded private key (PKCS#8 or PKCS#1).</summary>
    public static ServiceAccountTokenIssuer FromPem(string pem)
    {
        var key = RSA.Create();
        key.ImportFromPem(pem);
        return new ServiceAccountTokenIssuer(key);
    }

    /// <summary>An issuer with a fresh 2048-bit key (a cluster that keeps no state).</summary>
    public static ServiceAccountTokenIssuer CreateEphemeral() => new(RSA.Create(2048));

    /// <summary>
    /// The issuer whose key is kept in <paramref name="keyPath"/> (PEM), created there the first time, so tokens stay
    /// valid across restarts as a cluster's keep theirs.
    /// </summary>
    public static ServiceAccountTokenIssuer LoadOrCreate(string keyPath)
    {
        var key = RSA.Create();
        if (File.Exists(keyPath))
        {
            key.ImportFromPem(File.ReadAllText(keyPath));
            return new ServiceAccountTokenIssuer(key);
        }
        key.Dispose();
        var issuer = CreateEphemeral();
        File.WriteAllText(keyPath, issuer.PrivateKeyPem);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return issuer;
    }

    /// <summary>Signs <paramref name="claims"/> into a compact JWS.</summary>
    public string Issue(ServiceAccountClaims claims)
    {
        // go-jose merges the public and private claims into one map, so the payload's keys come out sorted, the
        // nested kubernetes.io object's too.
        var kubernetes = new JsonObject { ["namespace"] = claims.Namespace };
        if (claims.Node is { } node)
        {
            kubernetes["node"] = Ref(node);
        }
        if (claims.Pod is { } pod)
        {
            kubernetes["pod"] = Ref(pod);
        }
        if (claims.Secret is { } secret)
        {
            kubernetes["secret"] = Ref(secret);
        }
        kubernetes["serviceaccount"] = Ref(claims.ServiceAccount);
        var payload = new JsonObject
        {
            ["aud"] = new JsonArray(claims.Audiences.Select(a => (JsonNode)a).ToArray()),
            ["exp"] = claims.Expiry.ToUnixTimeSeconds(),
            ["iat"] = claims.IssuedAt.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = claims.Id,
            ["kubernetes.io"] = kubernetes,
            ["nbf"] = claims.IssuedAt.ToUnixTimeSeconds(),
            ["sub"] = claims.Subject,
        };
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = KeyId };
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>
    /// Verifies a token as the service account JWT authenticator does. Returns null when the token is not one of this
    /// issuer's (not a JWT, another issuer: other authenticators may take it), else its claims or the authenticator's error.
    /// </summary>
    public (ServiceAccountClaims? Claims, string? Error)? Verify(string token, DateTimeOffset now)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || Decode(parts[1]) is not { } payloadBytes)
        {
            return null;
        }
        JsonObject payload;
        try
        {
            if (JsonNode.Parse(payloadBytes) is not JsonObject parsed)
            {
                return null;
            }
            payload = parsed;
        }
        catch (JsonException)
        {
            return null;
        }
        // hasCorrectIssuer: only tokens naming this issuer are this authenticator's to judge.
        if (Text(payload["iss"]) != Issuer)
        {
            return null;
        }
        var signature = Decode(parts[2]);
        if (signature is null || !_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return (null, "go-jose/go-jose: error in cryptographic primitive");
        }
        if (payload["kubernetes.io"] is not JsonObject kubernetes || kubernetes["serviceaccount"] is not JsonObject serviceAccount)
        {
            return (null, "service account token claims could not be retrieved");
        }
        // jwt.Claims.Validate with go-jose's default leeway of one minute.
        var leeway = TimeSpan.FromMinutes(1);
        var expiry = Time(payload["exp"]);
        var notBefore = Time(payload["nbf"]);
        var issuedAt = Time(payload["iat"]);
        if (notBefore is { } nbf && now + leeway < nbf)
        {
            return (null, "service account token is not valid yet");
        }
        if (expiry is { } exp && now - leeway > exp)
        {
            return (null, "service account token has expired");
        }
        if (issuedAt is { } iat && now + leeway < iat)
        {
            return (null, "service account token is issued in the future");
        }
        var audiences = payload["aud"] switch
        {
            JsonArray list => list.Select(Text).Where(a => a is not null).Select(a => a!).ToArray(),
            JsonValue one when Text(one) is { } single => [single],
            _ => [],
        };
        return (new ServiceAccountClaims(Text(kubernetes["namespace"]) ?? "", Binding(serviceAccount)!, audiences, issuedAt ?? DateTimeOffset.UnixEpoch,
            expiry ?? DateTimeOffset.MaxValue, Text(payload["jti"]) ?? "", Binding(kubernetes["pod"]), Binding(kubernetes["secret"]), Binding(kubernetes["node"])), null);
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static JsonObject Ref(TokenBinding binding) => new() { ["name"] = binding.Name, ["uid"] = binding.Uid };

    private static TokenBinding? Binding(JsonNode? node) =>
        node is JsonObject o ? new TokenBinding(Text(o["name"]) ?? "", Text(o["uid"]) ?? "") : null;

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static DateTimeOffset? Time(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<double>(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds((long)seconds) : null;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? Decode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += (padded.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
