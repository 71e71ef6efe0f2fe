using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Emulator.Api.Tests;

/// <summary>
/// Admission webhooks called over HTTPS as the API server calls them: a real webhook server on loopback (its
/// certificate signed by a CA given as <c>caBundle</c>) that refuses, patches, or records what it is sent.
/// </summary>
public sealed class AdmissionWebhookTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly ConcurrentQueue<JsonObject> _received = new();
    private WebApplication _server = null!;
    private string _caBundle = "";
    private int _port;

    public async Task InitializeAsync()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=webhook-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        // One instant for both certificates: the server's must not outlive the CA's.
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=hook.default.svc", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("hook.default.svc");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var signed = request.Create(ca, now.AddDays(-1), now.AddDays(1), [1, 2, 3, 4]);
        using var withKey = signed.CopyWithPrivateKey(key);
        var certificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        _caBundle = Convert.ToBase64String(Encoding.ASCII.GetBytes(ca.ExportCertificatePem()));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        _server = builder.Build();
        _server.Run(Answer);
        await _server.StartAsync();
        _port = new Uri(_server.Urls.First()).Port;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>The webhook server: /deny refuses objects labelled deny, /label adds a label, both record the review.</summary>
    private async Task Answer(HttpContext context)
    {
        var review = JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync())!.AsObject();
        review["path"] = context.Request.Path.Value + context.Request.QueryString.Value;
        _received.Enqueue(review);
        var request = review["request"]!;
        var response = new JsonObject { ["uid"] = request["uid"]!.GetValue<string>(), ["allowed"] = true };
        if (context.Request.Path == "/deny" && request["object"]?["metadata"]?["labels"]?["deny"] is not null)
        {
            response["allowed"] = false;
            response["status"] = new JsonObject { ["code"] = 403, ["reason"] = "Forbidden", ["message"] = "labelled deny" };
        }
        if (context.Request.Path == "/label")
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("""[{"op":"add","path":"/metadata/labels","value":{"mutated":"yes"}}]"""));
            response["warnings"] = new JsonArray("labelled by the webhook");
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response }.ToJsonString());
    }

    private async Task Configure(string kind, string name, JsonObject clientConfig, string resource, string failurePolicy = "Fail", string? matchCondition = null)
    {
        var configuration = new JsonObject
        {
            ["apiVersion"] = "admissionregistration.k8s.io/v1",
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = name },
            ["webhooks"] = new JsonArray(new JsonObject
            {
                ["name"] = name + ".example.com",
                ["clientConfig"] = clientConfig,
                ["rules"] = JsonNode.Parse($$"""[{"operations":["CREATE","UPDATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["{{resource}}"]}]"""),
                ["failurePolicy"] = failurePolicy,
                ["sideEffects"] = "None",
                ["admissionReviewVersions"] = new JsonArray("v1"),
            }),
        };
        if (matchCondition is not null)
        {
            configuration["webhooks"]![0]!["matchConditions"] = new JsonArray(new JsonObject { ["name"] = "condition", ["expression"] = matchCondition });
        }
        var plural = kind == "ValidatingWebhookConfiguration" ? "validatingwebhookconfigurations" : "mutatingwebhookconfigurations";
        var (status, body) = await api.Send(HttpMethod.Post, "/apis/admissionregistration.k8s.io/v1/" + plural, configuration);
        Assert.True(status == 201, body.ToJsonString());
    }

    private JsonObject Url(string path) => new() { ["url"] = $"https://127.0.0.1:{_port}{path}", ["caBundle"] = _caBundle };

    private static JsonObject Named(string kind, string name, string? label = null) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = kind,
        ["metadata"] = label is null ? new JsonObject { ["name"] = name } : new JsonObject { ["name"] = name, ["labels"] = new JsonObject { [label] = "x" } },
    };

    [Fact]
    public async Task A_validating_webhook_refuses_and_a_mutating_one_patches_what_is_stored()
    {
        await Configure("ValidatingWebhookConfiguration", "deny", Url("/deny"), "configmaps");
        await Configure("MutatingWebhookConfiguration", "label", Url("/label"), "secrets");

        var (refused, refusal) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Named("ConfigMap", "refused", "deny"), headers: [("Impersonate-User", "jane"), ("Impersonate-Group", "system:masters")]);
        Assert.Equal((403, "Forbidden", "admission webhook \"deny.example.com\" denied the request: labelled deny"),
            (refused, refusal["reason"]!.GetValue<string>(), refusal["message"]!.GetValue<string>()));
        Assert.Equal(404, (await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/configmaps/refused")).Status);
        Assert.Equal(201, (await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Named("ConfigMap", "welcome"))).Status);

        // What the webhook was sent: an AdmissionReview v1 with the request's user, object and timeout.
        var review = _received.First(r => r["request"]!["name"]?.GetValue<string>() == "refused");
        Assert.Equal("/deny?timeout=10s", review["path"]!.GetValue<string>());
        Assert.Equal(("admission.k8s.io/v1", "AdmissionReview", "CREATE", "default"), (review["apiVersion"]!.GetValue<string>(), review["kind"]!.GetValue<string>(),
            review["request"]!["operation"]!.GetValue<string>(), review["request"]!["namespace"]!.GetValue<string>()));
        Assert.Equal("""{"group":"","version":"v1","resource":"configmaps"}""", review["request"]!["resource"]!.ToJsonString());
        Assert.Equal("jane", review["request"]!["userInfo"]!["username"]!.GetValue<string>());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces/default/secrets")
        {
            Content = new StringContent(Named("Secret", "patched").ToJsonString(), Encoding.UTF8, "application/json"),
        };
        using var response = await api.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Contains("299 - \"labelled by the webhook\"", response.Headers.GetValues("Warning"));
        var (_, stored) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/secrets/patched");
        Assert.Equal("yes", stored["metadata"]!["labels"]!["mutated"]!.GetValue<string>());
    }

    [Fact]
    public async Task Match_conditions_decide_whether_the_webhook_is_called()
    {
        await Configure("ValidatingWebhookConfiguration", "conditional", Url("/deny"), "podtemplates", matchCondition: "object.metadata.name != 'exempt' && request.operation == 'CREATE'");
        JsonObject Template(string name) => JsonNode.Parse($$$$"""
            {"apiVersion":"v1","kind":"PodTemplate","metadata":{"name":"{{{{name}}}}","labels":{"deny":"x"}},"template":{"spec":{"containers":[{"name":"c","image":"nginx"}]}}}
            """)!.AsObject();
        Assert.Equal(201, (await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/podtemplates", Template("exempt"))).Status);
        Assert.Equal(403, (await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/podtemplates", Template("checked"))).Status);

        await Configure("ValidatingWebhookConfiguration", "broken-condition", Url("/deny"), "limitranges", matchCondition: "object.metadata.nope == 1");
        var (failed, failure) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/limitranges", JsonNode.Parse("""{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"l"},"spec":{"limits":[]}}"""));
        Assert.Equal(500, failed);
        Assert.StartsWith("Internal error occurred: failed calling webhook \"broken-condition.example.com\": failed to evaluate match condition \"condition\": ", failure["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_webhook_that_cannot_be_called_fails_the_request_unless_its_failure_policy_ignores_it()
    {
        int closedPort;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        await Configure("ValidatingWebhookConfiguration", "down", new JsonObject { ["url"] = $"https://127.0.0.1:{closedPort}/x" }, "resourcequotas");
        var (failed, failure) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/resourcequotas", JsonNode.Parse("""{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"q"},"spec":{}}"""));
        Assert.Equal(500, failed);
        Assert.StartsWith($"Internal error occurred: failed calling webhook \"down.example.com\": failed to call webhook: Post \"https://127.0.0.1:{closedPort}/x?timeout=10s\": ", failure["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // A certificate not signed by the caBundle is refused like an unreachable server; Ignore lets the request through.
        await Configure("ValidatingWebhookConfiguration", "untrusted", new JsonObject { ["url"] = $"https://127.0.0.1:{_port}/deny" }, "endpoints", failurePolicy: "Ignore");
        Assert.Equal(201, (await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/endpoints", Named("Endpoints", "e", "deny"))).Status);
        Assert.DoesNotContain(_received, r => r["request"]!["name"]?.GetValue<string>() == "e");
    }

    [Fact]
    public async Task A_service_webhook_is_called_at_its_endpoint_unless_emulated_pods_back_it()
    {
        async Task Create(string path, string json) => Assert.Equal(201, (await api.Send(HttpMethod.Post, path, JsonNode.Parse(json))).Status);
        // A Service without a selector whose endpoint is a real address (127.0.0.1), as for a webhook run on the host.
        await Create("/api/v1/namespaces/default/services", """{"apiVersion":"v1","kind":"Service","metadata":{"name":"hook"},"spec":{"ports":[{"name":"https","port":443}]}}""");
        await Create("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", $$$"""
            {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"hook-1","labels":{"kubernetes.io/service-name":"hook"}},
             "addressType":"IPv4","ports":[{"name":"https","port":{{{_port}}}}],"endpoints":[{"addresses":["127.0.0.1"],"conditions":{"ready":true}}]}
            """);
        await Configure("ValidatingWebhookConfiguration", "service", new JsonObject
        {
            ["service"] = new JsonObject { ["namespace"] = "default", ["name"] = "hook", ["path"] = "/deny" },
            ["caBundle"] = _caBundle,
        }, "persistentvolumeclaims");
        var (refused, refusal) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/persistentvolumeclaims", JsonNode.Parse("""
            {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c","labels":{"deny":"x"}},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}
            """));
        Assert.Equal((403, "admission webhook \"service.example.com\" denied the request: labelled deny"), (refused, refusal["message"]!.GetValue<string>()));

        // Backed by an (emulated) pod: nothing serves it, so it is not called and the request says so.
        await Create("/api/v1/namespaces/default/services", """{"apiVersion":"v1","kind":"Service","metadata":{"name":"in-pods"},"spec":{"ports":[{"port":443}]}}""");
        await Create("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", """
            {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"in-pods-1","labels":{"kubernetes.io/service-name":"in-pods"}},
             "addressType":"IPv4","ports":[{"port":8443}],"endpoints":[{"addresses":["10.244.1.5"],"conditions":{"ready":true},"targetRef":{"kind":"Pod","name":"webhook-0","namespace":"default"}}]}
            """);
        await Configure("ValidatingWebhookConfiguration", "in-pods", new JsonObject { ["service"] = new JsonObject { ["namespace"] = "default", ["name"] = "in-pods" } }, "replicationcontrollers");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces/default/replicationcontrollers")
        {
            Content = new StringContent("""{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"rc"},"spec":{"selector":{"a":"b"},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}""", Encoding.UTF8, "application/json"),
        };
        using var response = await api.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Contains("299 - \"admission webhook \\\"in-pods.example.com\\\" was not called: service default/in-pods is backed by emulated pods, which serve no HTTPS\"", response.Headers.GetValues("Warning"));
    }
}
