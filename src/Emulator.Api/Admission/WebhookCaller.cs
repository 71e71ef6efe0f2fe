using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.Api.Resources;
using Emulator.ControlPlane.Admission.ValidatingAdmissionPolicy;
using Emulator.ControlPlane.EndpointSlice;
using Emulator.ControlPlane.Services;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Admission;

/// <summary>
/// Calls one admission webhook as the API server's webhook client does: at its <c>url</c>, or at its Service (the
/// Service's port, one of its ready endpoints, TLS verified against <c>caBundle</c> for <c>NAME.NAMESPACE.svc</c>),
/// with <c>?timeout=Ns</c> and the AdmissionReview version it accepts, and reads the answer. Emulated pods run no
/// server: a webhook whose Service is backed by pods is not called, and the request carries a warning saying so.
/// </summary>
internal sealed class WebhookCaller(IActorRef store, TimeSpan storeTimeout)
{
    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="webhook"/>; returns the patched object of a mutating
    /// webhook that sent a patch, else null. Throws the refusal, or the call's failure under <c>failurePolicy: Fail</c>.
    /// </summary>
    public async Task<JsonObject?> Call(JsonObject configuration, JsonObject webhook, PolicyRequest request, bool mutating, HttpContext context)
    {
        var name = JsonTree.GetString(webhook, "name") ?? "";
        if (request.DryRun && JsonTree.GetString(webhook, "sideEffects") is not ("None" or "NoneOnDryRun"))
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"admission webhook \"{name}\" does not support dry run"));
        }
        var timeout = TimeSpan.FromSeconds(JsonTree.GetInt(webhook, "timeoutSeconds") ?? 10);
        var clientConfig = webhook["clientConfig"] as JsonObject ?? [];
        Endpoint endpoint;
        try
        {
            if (await Resolve(clientConfig, timeout).ConfigureAwait(false) is not { } resolved)
            {
                var service = clientConfig["service"];
                ApiResponses.AddWarning(context, $"admission webhook \"{name}\" was not called: service {JsonTree.AsString(service?["namespace"])}/{JsonTree.AsString(service?["name"])} is backed by emulated pods, which serve no HTTPS");
                return null;
            }
            endpoint = resolved;
        }
        catch (WebhookCallException e)
        {
            return Failed(webhook, name, $"failed to call webhook: Post \"{e.Url}\": {e.Message}");
        }
        var version = (webhook["admissionReviewVersions"] as JsonArray ?? []).Select(JsonTree.AsString).FirstOrDefault(v => v is "v1" or "v1beta1") ?? "v1";
        var uid = Guid.NewGuid().ToString();
        var review = Review(version, uid, request);
        JsonObject? answer;
        try
        {
            answer = await Post(endpoint, clientConfig, review, timeout).ConfigureAwait(false);
        }
        catch (WebhookCallException e)
        {
            return Failed(webhook, name, $"failed to call webhook: Post \"{endpoint.Url}\": {e.Message}");
        }
        var response = answer?["response"] as JsonObject;
        if (response is null)
        {
            return Failed(webhook, name, "received invalid webhook response: response is nil");
        }
        if (JsonTree.GetString(response, "uid") != uid)
        {
            return Failed(webhook, name, $"received invalid webhook response: expected response.uid=\"{uid}\", got \"{JsonTree.GetString(response, "uid")}\"");
        }
        foreach (var warning in (response["warnings"] as JsonArray ?? []).Select(JsonTree.AsString).OfType<string>())
        {
            ApiResponses.AddWarning(context, warning);
        }
        if (JsonTree.GetBool(response, "allowed") != true)
        {
            throw new ApiStatusException(Denied(name, response["status"] as JsonObject));
        }
        if (!mutating || JsonTree.GetString(response, "patch") is not { Length: > 0 } patch || request.Object is null)
        {
            return null;
        }
        if (JsonTree.GetString(response, "patchType") != "JSONPatch")
        {
            return Failed(webhook, name, $"received invalid webhook response: unsupported patch type \"{JsonTree.GetString(response, "patchType")}\"");
        }
        try
        {
            var operations = JsonNode.Parse(Convert.FromBase64String(patch))!;
            return PatchApplier.Apply(request.Object, operations, "application/json-patch+json", null);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or ApiStatusException)
        {
            return Failed(webhook, name, "JSON patch could not be applied: " + e.Message);
        }
    }

    /// <summary><c>ToStatusErr</c>: the webhook's status, at least a 400, its message prefixed with who denied it.</summary>
    private static ApiStatus Denied(string name, JsonObject? status)
    {
        var deniedBy = $"admission webhook \"{name}\" denied the request";
        var code = (int)(JsonTree.GetInt(status, "code") ?? 0);
        var message = JsonTree.GetString(status, "message") is { Length: > 0 } m ? $"{deniedBy}: {m}"
            : JsonTree.GetString(status, "reason") is { Length: > 0 } r ? $"{deniedBy}: {r}"
            : $"{deniedBy} without explanation";
        return new ApiStatus(code < 400 ? 400 : code, JsonTree.GetString(status, "reason") ?? "", message);
    }

    /// <summary>A webhook that could not be called: the request fails (<c>Fail</c>) or goes on without it (<c>Ignore</c>).</summary>
    private static JsonObject? Failed(JsonObject webhook, string name, string error) =>
        JsonTree.GetString(webhook, "failurePolicy") == "Ignore"
            ? null
            : throw new ApiStatusException(ApiStatus.Internal($"failed calling webhook \"{name}\": {error}"));

    private static JsonObject Review(string version, string uid, PolicyRequest request)
    {
        var type = request.Type;
        var kind = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind };
        var resource = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["resource"] = type.Resource };
        var body = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = kind,
            ["resource"] = resource,
        };
        if (request.Subresource.Length > 0)
        {
            body["subResource"] = request.Subresource;
        }
        body["requestKind"] = kind.DeepClone();
        body["requestResource"] = resource.DeepClone();
        if (request.Subresource.Length > 0)
        {
            body["requestSubResource"] = request.Subresource;
        }
        if (request.Name.Length > 0)
        {
            body["name"] = request.Name;
        }
        if (request.Namespace.Length > 0)
        {
            body["namespace"] = request.Namespace;
        }
        body["operation"] = request.Operation;
        body["userInfo"] = request.UserInfo?.DeepClone() ?? new JsonObject();
        body["object"] = request.Object?.DeepClone();
        body["oldObject"] = request.OldObject?.DeepClone();
        body["dryRun"] = request.DryRun;
        var options = request.Operation switch { "CREATE" => "CreateOptions", "UPDATE" => "UpdateOptions", _ => "DeleteOptions" };
        body["options"] = new JsonObject { ["kind"] = options, ["apiVersion"] = "meta.k8s.io/v1" };
        return new JsonObject { ["kind"] = "AdmissionReview", ["apiVersion"] = "admission.k8s.io/" + version, ["request"] = body };
    }

    /// <summary>Where to send the review: the URL (with its timeout), and for a Service the address to connect to.</summary>
    private sealed record Endpoint(string Url, string Host, DnsEndPoint? Connect);

    private sealed class WebhookCallException(string url, string message) : Exception(message)
    {
        public string Url { get; } = url;
    }

    private static string WithTimeout(string url, TimeSpan timeout) =>
        url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "timeout=" + ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";

    /// <summary>The endpoint of the webhook, or null when its Service is backed by emulated pods.</summary>
    private async Task<Endpoint?> Resolve(JsonObject clientConfig, TimeSpan timeout)
    {
        if (JsonTree.GetString(clientConfig, "url") is { Length: > 0 } url)
        {
            return new Endpoint(WithTimeout(url, timeout), new Uri(url).Host, null);
        }
        var service = clientConfig["service"] as JsonObject ?? [];
        var ns = JsonTree.GetString(service, "namespace") ?? "";
        var name = JsonTree.GetString(service, "name") ?? "";
        var port = JsonTree.GetInt(service, "port") ?? 443;
        var host = $"{name}.{ns}.svc";
        var serviceUrl = WithTimeout($"https://{host}:{port}{JsonTree.GetString(service, "path") ?? ""}", timeout);
        var stored = (await store.Ask<StoreReply>(new GetObject(ServiceController.Services, ns, name), storeTimeout).ConfigureAwait(false)).Object?.ToJsonObject()
            ?? throw new WebhookCallException(serviceUrl, $"service \"{name}\" not found");
        var servicePort = JsonTree.Objects(JsonTree.GetArray(stored, "spec", "ports")).FirstOrDefault(p => JsonTree.GetInt(p, "port") == port)
            ?? throw new WebhookCallException(serviceUrl, $"service \"{name}\" has no port {port}");
        var portName = JsonTree.GetString(servicePort, "name") ?? "";
        var slices = await store.Ask<ListReply>(new ListObjects(EndpointSliceController.Slices, ns, ListFilter.Parse("kubernetes.io/service-name=" + name, null)), storeTimeout).ConfigureAwait(false);
        var podBacked = false;
        foreach (var slice in slices.Items.Select(s => s.ToJsonObject()))
        {
            var slicePort = JsonTree.Objects(JsonTree.GetArray(slice, "ports")).FirstOrDefault(p => (JsonTree.GetString(p, "name") ?? "") == portName);
            if (slicePort is null || JsonTree.GetInt(slicePort, "port") is not { } targetPort)
            {
                continue;
            }
            foreach (var endpoint in JsonTree.Objects(JsonTree.GetArray(slice, "endpoints")))
            {
                if (JsonTree.GetBool(endpoint, "conditions", "ready") == false || JsonTree.GetArray(endpoint, "addresses") is not [{ } address, ..])
                {
                    continue;
                }
                if (JsonTree.GetString(endpoint, "targetRef", "kind") == "Pod")
                {
                    podBacked = true;
                    continue;
                }
                return new Endpoint(serviceUrl, host, new DnsEndPoint(JsonTree.AsString(address)!, (int)targetPort));
            }
        }
        return podBacked ? null : throw new WebhookCallException(serviceUrl, $"no endpoints available for service \"{name}\"");
    }

    private static async Task<JsonObject?> Post(Endpoint endpoint, JsonObject clientConfig, JsonObject review, TimeSpan timeout)
    {
        var authorities = new X509Certificate2Collection();
        if (JsonTree.GetString(clientConfig, "caBundle") is { Length: > 0 } bundle)
        {
            authorities.ImportFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(bundle)));
        }
        using var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = endpoint.Host,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(certificate, errors, authorities),
            },
        };
        if (endpoint.Connect is { } connect)
        {
            // A Service's webhook: the connection goes to its endpoint, TLS still names NAME.NAMESPACE.svc.
            handler.ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(connect, cancel).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        using var client = new HttpClient(handler) { Timeout = timeout };
        try
        {
            using var content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await client.PostAsync(endpoint.Url, content).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new WebhookCallException(endpoint.Url, $"the server responded with the status code {(int)response.StatusCode} but did not return more information");
            }
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or UriFormatException)
        {
            var reason = e is TaskCanceledException ? "context deadline exceeded" : (e.InnerException ?? e).Message;
            throw new WebhookCallException(endpoint.Url, reason);
        }
    }

    /// <summary>The server's certificate chains to the caBundle (or the system's roots without one) and names the host.</summary>
    private static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        if (authorities.Count == 0 || certificate is null)
        {
            return errors == SslPolicyErrors.None;
        }
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }
}
