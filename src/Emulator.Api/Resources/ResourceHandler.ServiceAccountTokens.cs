using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.ServiceAccount;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Validation;
using Emulator.Runtime.Time;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Resources;

// serviceaccounts/token (authentication.k8s.io/v1 TokenRequest, the API server's TokenREST) and the service account
// token authenticator TokenReview asks.
public sealed partial class ResourceHandler
{
    private const string TokenGroup = "authentication.k8s.io";

    // An API server without a configured key signs with one of its own (tests; `emulator up` passes the kept key).
    private static readonly Lazy<ServiceAccountTokenIssuer> EphemeralIssuer = new(ServiceAccountTokenIssuer.CreateEphemeral);

    private static readonly ResourceType ServiceAccountType = ResourceTypes.Of("", "serviceaccounts");
    private static readonly ResourceType SecretType = ResourceTypes.Of("", "secrets");

    /// <summary>The issuer of this API server's service account tokens.</summary>
    public ServiceAccountTokenIssuer TokenIssuer => options.ServiceAccountTokens ?? EphemeralIssuer.Value;

    /// <summary>
    /// <c>POST …/serviceaccounts/NAME/token</c>: a TokenRequest for the service account — audiences defaulted to the
    /// API server's, <c>expirationSeconds</c> to an hour (at least 10 minutes, at most 2^32 seconds), optionally bound
    /// to a Pod (with its node), Secret or Node of the namespace — answered with the signed token and its expiry.
    /// </summary>
    private async Task CreateToken(HttpContext context, ResourceRoute route)
    {
        if (await ReadRequestBody(context).ConfigureAwait(false) is not JsonObject request)
        {
            throw new ApiStatusException(ApiStatus.BadRequest("the request body must be a JSON object"));
        }
        var name = route.Name!;
        var ns = route.Namespace!;
        var metadata = request["metadata"] as JsonObject ?? [];
        if (JsonTree.GetString(metadata, "name") is { Length: > 0 } bodyName && bodyName != name)
        {
            throw Invalid(name, FieldError.Invalid("metadata.name", bodyName, "must match the service account name if specified"));
        }
        if (JsonTree.GetString(metadata, "namespace") is { Length: > 0 } bodyNamespace && bodyNamespace != ns)
        {
            throw Invalid(name, FieldError.Invalid("metadata.namespace", bodyNamespace, "must match the service account namespace if specified"));
        }
        var serviceAccount = new KubeObject((await Ask(new GetObject(ServiceAccountType, ns, name)).ConfigureAwait(false)).ToJsonObject());
        var spec = request["spec"] as JsonObject ?? [];
        var audiences = (spec["audiences"] as JsonArray ?? []).Select(a => JsonTree.AsString(a) ?? "").ToList();
        if (audiences.Count == 0)
        {
            audiences = [TokenIssuer.Issuer];
        }
        var expirationSeconds = JsonTree.GetInt(spec, "expirationSeconds") ?? 3600;
        if (expirationSeconds < 600)
        {
            throw Invalid("", FieldError.Invalid("spec.expirationSeconds", expirationSeconds, "may not specify a duration less than 10 minutes"));
        }
        if (expirationSeconds > 1L << 32)
        {
            throw Invalid("", FieldError.Invalid("spec.expirationSeconds", expirationSeconds, "may not specify a duration larger than 2^32 seconds"));
        }
        var bound = spec["boundObjectRef"] as JsonObject;
        TokenBinding? pod = null, secret = null, node = null;
        if (bound is not null)
        {
            (pod, secret, node) = await BoundObject(bound, ns, name).ConfigureAwait(false);
        }
        var now = system.EmulatedClock().UtcNow;
        now = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var claims = new ServiceAccountClaims(ns, new TokenBinding(name, serviceAccount.Uid ?? ""), audiences, now, now.AddSeconds(expirationSeconds),
            Guid.NewGuid().ToString(), pod, secret, node);
        var outSpec = new JsonObject
        {
            ["audiences"] = new JsonArray(audiences.Select(a => (JsonNode)a).ToArray()),
            ["expirationSeconds"] = expirationSeconds,
        };
        if (bound is not null)
        {
            outSpec["boundObjectRef"] = bound.DeepClone();
        }
        var response = new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = Rfc3339Time.Format(now) },
            ["spec"] = outSpec,
            ["status"] = new JsonObject { ["token"] = TokenIssuer.Issue(claims), ["expirationTimestamp"] = Rfc3339Time.Format(claims.Expiry) },
        };
        context.Response.StatusCode = 201;
        await ApiResponses.WriteJson(context, response).ConfigureAwait(false);
    }

    /// <summary>The object a token is bound to, checked as TokenREST does (kind, service account, uid).</summary>
    private async Task<(TokenBinding? Pod, TokenBinding? Secret, TokenBinding? Node)> BoundObject(JsonObject bound, string ns, string serviceAccount)
    {
        var kind = JsonTree.GetString(bound, "kind") ?? "";
        var apiVersion = JsonTree.GetString(bound, "apiVersion") ?? "";
        var name = JsonTree.GetString(bound, "name") ?? "";
        var uid = JsonTree.GetString(bound, "uid") ?? "";
        var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
        KubeObject target;
        TokenBinding? pod = null, secret = null, node = null;
        switch (group, kind)
        {
            case ("", "Pod"):
                target = new KubeObject((await Ask(new GetObject(ResourceTypes.Pods, ns, name)).ConfigureAwait(false)).ToJsonObject());
                var podServiceAccount = JsonTree.GetString(target.Document, "spec", "serviceAccountName") ?? "";
                if (podServiceAccount != serviceAccount)
                {
                    throw new ApiStatusException(ApiStatus.BadRequest($"cannot bind token for serviceaccount \"{serviceAccount}\" to pod running with serviceaccount \"{podServiceAccount}\""));
                }
                pod = new TokenBinding(name, target.Uid ?? "");
                // A pod-bound token also names the pod's node (ServiceAccountTokenPodNodeInfo), when it can be read.
                if (JsonTree.GetString(target.Document, "spec", "nodeName") is { Length: > 0 } nodeName
                    && await store.Ask<StoreReply>(new GetObject(ResourceTypes.Nodes, null, nodeName), options.StoreTimeout).ConfigureAwait(false) is { Object: { } nodeObject })
                {
                    node = new TokenBinding(nodeName, new KubeObject(nodeObject.ToJsonObject()).Uid ?? "");
                }
                break;
            case ("", "Node"):
                target = new KubeObject((await Ask(new GetObject(ResourceTypes.Nodes, null, name)).ConfigureAwait(false)).ToJsonObject());
                node = new TokenBinding(name, target.Uid ?? "");
                break;
            case ("", "Secret"):
                target = new KubeObject((await Ask(new GetObject(SecretType, ns, name)).ConfigureAwait(false)).ToJsonObject());
                secret = new TokenBinding(name, target.Uid ?? "");
                break;
            default:
                var version = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..] : apiVersion;
                // schema.GroupVersionKind.String(): "group/version, Kind=kind".
                throw new ApiStatusException(ApiStatus.BadRequest($"cannot bind token to object of type {group}/{version}, Kind={kind}"));
        }
        if (uid.Length > 0 && uid != target.Uid)
        {
            throw new ApiStatusException(new ApiStatus(409, "Conflict",
                $"Operation cannot be fulfilled on {kind} \"{name}\": the UID in the bound object reference ({uid}) does not match the UID in record. The object might have been deleted and then recreated",
                group, kind, name));
        }
        return (pod, secret, node);
    }

    private static ApiStatusException Invalid(string name, FieldError error)
    {
        var invalid = new InvalidObjectException(TokenGroup, "TokenRequest", name, [error]);
        return new ApiStatusException(new ApiStatus(422, "Invalid", invalid.Message, TokenGroup, "TokenRequest", name, [new StatusCause(error.Reason, error.Message, error.Field)]));
    }

    /// <summary>
    /// The TokenReview's status for a token this API server issued: the service account JWT authenticator's checks
    /// (signature, issuer, times, audiences against the review's or the API server's, the service account and the
    /// bound objects still there with their uids), the user it stands for; null for a token it did not issue.
    /// </summary>
    private async Task<JsonObject?> ReviewServiceAccountToken(JsonObject review)
    {
        var token = JsonTree.GetString(review, "spec", "token") ?? "";
        var now = system.EmulatedClock().UtcNow;
        if (TokenIssuer.Verify(token, now) is not { } verified)
        {
            return null;
        }
        var requested = (JsonTree.Get(review, "spec", "audiences") as JsonArray ?? []).Select(a => JsonTree.AsString(a) ?? "").ToList();
        if (requested.Count == 0)
        {
            requested = [TokenIssuer.Issuer];
        }
        string? error = verified.Error;
        List<string> audiences = [];
        var claims = verified.Claims;
        if (claims is not null)
        {
            var tokenAudiences = claims.Audiences.Count > 0 ? claims.Audiences : [TokenIssuer.Issuer];
            audiences = tokenAudiences.Where(requested.Contains).Distinct().ToList();
            error = audiences.Count == 0
                ? $"token audiences {GoQuoted(tokenAudiences)} is invalid for the target audiences {GoQuoted(requested)}"
                : await BoundObjectsError(claims, now).ConfigureAwait(false);
        }
        if (error is not null || claims is null)
        {
            // The bearer token authenticator's error joined with the token authenticator's, as the union aggregates them.
            return new JsonObject { ["user"] = new JsonObject(), ["error"] = $"[invalid bearer token, {error}]" };
        }
        var extra = new JsonObject { ["authentication.kubernetes.io/credential-id"] = new JsonArray("JTI=" + claims.Id) };
        if (claims.Node is { } node)
        {
            extra["authentication.kubernetes.io/node-name"] = new JsonArray(node.Name);
            if (node.Uid.Length > 0)
            {
                extra["authentication.kubernetes.io/node-uid"] = new JsonArray(node.Uid);
            }
        }
        if (claims.Pod is { } pod)
        {
            extra["authentication.kubernetes.io/pod-name"] = new JsonArray(pod.Name);
            extra["authentication.kubernetes.io/pod-uid"] = new JsonArray(pod.Uid);
        }
        return new JsonObject
        {
            ["authenticated"] = true,
            ["user"] = new JsonObject
            {
                ["username"] = claims.Subject,
                ["uid"] = claims.ServiceAccount.Uid,
                ["groups"] = new JsonArray("system:serviceaccounts", "system:serviceaccounts:" + claims.Namespace, RequestUser.AuthenticatedGroup),
                ["extra"] = extra,
            },
            ["audiences"] = new JsonArray(audiences.Select(a => (JsonNode)a).ToArray()),
        };
    }

    /// <summary>
    /// The validator's lookups: the service account, and a bound pod or secret, must exist with the token's uids and
    /// not have been deleted more than a minute ago.
    /// </summary>
    private async Task<string?> BoundObjectsError(ServiceAccountClaims claims, DateTimeOffset now)
    {
        var deletedBefore = now - TimeSpan.FromMinutes(1);
        async Task<string?> Check(ResourceType type, string? ns, TokenBinding binding, string what)
        {
            var reply = await store.Ask<StoreReply>(new GetObject(type, ns, binding.Name), options.StoreTimeout).ConfigureAwait(false);
            if (reply.Error is { } missing)
            {
                return missing.Message;
            }
            var obj = new KubeObject(reply.Object!.ToJsonObject());
            if (obj.Uid != binding.Uid)
            {
                return $"{what} UID ({obj.Uid}) does not match claim ({binding.Uid})";
            }
            return obj.DeletionTimestamp is { } deleted && deleted < deletedBefore ? "service account token has been invalidated" : null;
        }
        return await Check(ServiceAccountType, claims.Namespace, claims.ServiceAccount, "service account").ConfigureAwait(false)
            ?? (claims.Secret is { } secret ? await Check(SecretType, claims.Namespace, secret, "secret").ConfigureAwait(false) : null)
            ?? (claims.Pod is { } pod ? await Check(ResourceTypes.Pods, claims.Namespace, pod, "pod").ConfigureAwait(false) : null)
            ?? (claims.Pod is null && claims.Node is { } node ? await Check(ResourceTypes.Nodes, null, node, "node").ConfigureAwait(false) : null);
    }

    // Go's %q of a []string: ["a" "b"].
    private static string GoQuoted(IEnumerable<string> values) => "[" + string.Join(" ", values.Select(v => System.Text.Json.JsonSerializer.Serialize(v))) + "]";
}
