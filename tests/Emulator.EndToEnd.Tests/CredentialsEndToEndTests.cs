using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using static Emulator.EndToEnd.Tests.Polling;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// Credentials through real kubectl 1.33: `kubectl create token` (a JWT signed by the cluster's service account key,
/// with Kubernetes' claims) that a TokenReview then authenticates, and CertificateSigningRequests that
/// `kubectl certificate approve` gets signed by the cluster CA (`Approved,Issued`), or failed by their signer.
/// </summary>
public sealed class CredentialsEndToEndTests(EmulatorFixture cluster) : IClassFixture<EmulatorFixture>
{
    private const string Issuer = "https://kubernetes.default.svc.cluster.local";

    private static JsonObject Payload(string token)
    {
        var part = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        part += (part.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        return JsonNode.Parse(Convert.FromBase64String(part))!.AsObject();
    }

    private static string TokenReview(string token, params string[] audiences) => new JsonObject
    {
        ["apiVersion"] = "authentication.k8s.io/v1",
        ["kind"] = "TokenReview",
        ["spec"] = new JsonObject
        {
            ["token"] = token,
            ["audiences"] = new JsonArray(audiences.Select(a => (JsonNode)a).ToArray()),
        },
    }.ToJsonString();

    [Fact]
    public async Task Create_token_prints_a_service_account_jwt_that_token_review_authenticates()
    {
        var kubectl = cluster.Kubectl;
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();
        await Ok("create", "serviceaccount", "robot");
        var uid = (await Ok("get", "serviceaccount", "robot", "-o", "jsonpath={.metadata.uid}")).Stdout.Trim();

        var token = (await Ok("create", "token", "robot", "--duration=20m")).Stdout.Trim();
        Assert.Matches(@"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$", token);
        var header = Payload("x." + token.Split('.')[0] + ".x");
        Assert.Equal("RS256", header["alg"]!.GetValue<string>());
        var claims = Payload(token);
        Assert.Equal(["aud", "exp", "iat", "iss", "jti", "kubernetes.io", "nbf", "sub"], claims.Select(p => p.Key));
        Assert.Equal(Issuer, claims["iss"]!.GetValue<string>());
        Assert.Equal(Issuer, claims["aud"]![0]!.GetValue<string>());
        Assert.Equal("system:serviceaccount:default:robot", claims["sub"]!.GetValue<string>());
        Assert.Equal(1200, claims["exp"]!.GetValue<long>() - claims["iat"]!.GetValue<long>());
        Assert.Equal(claims["iat"]!.GetValue<long>(), claims["nbf"]!.GetValue<long>());
        Assert.Equal("{\"namespace\":\"default\",\"serviceaccount\":{\"name\":\"robot\",\"uid\":\"" + uid + "\"}}", claims["kubernetes.io"]!.ToJsonString());

        var review = JsonNode.Parse((await kubectl.RunWithInput(TokenReview(token), "create", "-f", "-", "-o", "json")).Succeeded().Stdout)!["status"]!;
        Assert.True(review["authenticated"]!.GetValue<bool>());
        Assert.Equal("system:serviceaccount:default:robot", review["user"]!["username"]!.GetValue<string>());
        Assert.Equal(uid, review["user"]!["uid"]!.GetValue<string>());
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"], review["user"]!["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
        Assert.Equal("JTI=" + claims["jti"]!.GetValue<string>(), review["user"]!["extra"]!["authentication.kubernetes.io/credential-id"]![0]!.GetValue<string>());
        Assert.Equal([Issuer], review["audiences"]!.AsArray().Select(a => a!.GetValue<string>()));

        // Another audience: authenticated only for it.
        var vault = (await Ok("create", "token", "robot", "--audience=vault")).Stdout.Trim();
        var refused = JsonNode.Parse((await kubectl.RunWithInput(TokenReview(vault), "create", "-f", "-", "-o", "json")).Succeeded().Stdout)!["status"]!;
        Assert.Null(refused["authenticated"]);
        Assert.Equal($"[invalid bearer token, token audiences [\"vault\"] is invalid for the target audiences [\"{Issuer}\"]]", refused["error"]!.GetValue<string>());
        var forVault = JsonNode.Parse((await kubectl.RunWithInput(TokenReview(vault, "vault"), "create", "-f", "-", "-o", "json")).Succeeded().Stdout)!["status"]!;
        Assert.True(forVault["authenticated"]!.GetValue<bool>());

        // A tampered token and a token of a deleted service account are refused.
        var tampered = token[..^4] + (token[^4] == 'A' ? "B" : "A") + token[^3..];
        var bad = JsonNode.Parse((await kubectl.RunWithInput(TokenReview(tampered), "create", "-f", "-", "-o", "json")).Succeeded().Stdout)!["status"]!;
        Assert.Null(bad["authenticated"]);
        await Ok("delete", "serviceaccount", "robot");
        var gone = JsonNode.Parse((await kubectl.RunWithInput(TokenReview(token), "create", "-f", "-", "-o", "json")).Succeeded().Stdout)!["status"]!;
        Assert.Equal("[invalid bearer token, serviceaccounts \"robot\" not found]", gone["error"]!.GetValue<string>());

        var tooShort = await kubectl.Run("create", "token", "default", "--duration=1m");
        Assert.NotEqual(0, tooShort.ExitCode);
        Assert.Contains("spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes", tooShort.Stderr);
        var missing = await kubectl.Run("create", "token", "nobody");
        Assert.Contains("serviceaccounts \"nobody\" not found", missing.Stderr);

        var discovery = (await Ok("get", "--raw", "/api/v1")).Stdout;
        Assert.Contains("""{"name":"serviceaccounts/token","singularName":"","namespaced":true,"group":"authentication.k8s.io","version":"v1","kind":"TokenRequest","verbs":["create"]}""", discovery);
    }

    private static string Csr(string name, string signer, string subject, string usages, int? expirationSeconds = null, string? dns = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (dns is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(dns);
            request.CertificateExtensions.Add(san.Build());
        }
        var pem = Convert.ToBase64String(Encoding.ASCII.GetBytes(request.CreateSigningRequestPem()));
        return $"""
            apiVersion: certificates.k8s.io/v1
            kind: CertificateSigningRequest
            metadata:
              name: {name}
            spec:
              request: {pem}
              signerName: {signer}
              usages: [{usages}]
            {(expirationSeconds is { } s ? $"  expirationSeconds: {s}" : "")}
            """;
    }

    [Fact]
    public async Task A_service_account_token_authenticates_requests_and_a_bad_one_is_unauthorized()
    {
        // kubectl sends credentials over TLS only and the emulator's API is plain HTTP on loopback, so the token goes in
        // the header as other clients (curl, client libraries) send it.
        var kubectl = cluster.Kubectl;
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();
        await Ok("create", "serviceaccount", "builder");
        var token = (await Ok("create", "token", "builder")).Stdout.Trim();
        using var http = new HttpClient { BaseAddress = cluster.Emulator.ApiAddress };
        async Task<(int Status, string Body)> Send(HttpMethod method, string path, string? bearer, string? body = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (bearer is not null)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
            }
            if (body is not null)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }
            using var response = await http.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        const string SelfReview = """{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""";
        const string Reviews = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

        // With the token the request is the service account; without one it stays the administrator.
        var (created, review) = await Send(HttpMethod.Post, Reviews, token, SelfReview);
        Assert.Equal(201, created);
        var user = JsonNode.Parse(review)!["status"]!["userInfo"]!;
        Assert.Equal("system:serviceaccount:default:builder", user["username"]!.GetValue<string>());
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"], user["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
        Assert.Contains("\"kubernetes-admin\"", (await Send(HttpMethod.Post, Reviews, null, SelfReview)).Body);
        // Authenticated is not authorized: the service account holds only what RBAC binds to it.
        var (forbidden, refusal) = await Send(HttpMethod.Get, "/api/v1/namespaces/default/pods", token);
        Assert.Equal((403, "Forbidden", "pods is forbidden: User \"system:serviceaccount:default:builder\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""),
            (forbidden, JsonNode.Parse(refusal)!["reason"]!.GetValue<string>(), JsonNode.Parse(refusal)!["message"]!.GetValue<string>()));
        await Ok("create", "rolebinding", "builder-view", "--clusterrole", "view", "--serviceaccount", "default:builder");
        Assert.Equal(200, (await Send(HttpMethod.Get, "/api/v1/namespaces/default/pods", token)).Status);
        await Ok("delete", "rolebinding", "builder-view");

        // A token the API server did not sign, and the token of a deleted service account: 401, nothing served.
        const string Unauthorized = """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""";
        Assert.Equal((401, Unauthorized), await Send(HttpMethod.Get, "/api/v1/namespaces/default/pods", "not-a-token"));
        Assert.Equal((401, Unauthorized), await Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", "not-a-token", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"sneaked-in"}}"""));
        Assert.Contains("NotFound", (await kubectl.Run("get", "configmap", "sneaked-in")).Stderr);
        await Ok("delete", "serviceaccount", "builder");
        Assert.Equal(401, (await Send(HttpMethod.Get, "/api/v1/namespaces/default/pods", token)).Status);
    }

    [Fact]
    public async Task Approved_csrs_are_signed_by_the_cluster_ca_or_failed_by_their_signer()
    {
        var kubectl = cluster.Kubectl;
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();

        (await kubectl.RunWithInput(Csr("alice", "kubernetes.io/kube-apiserver-client", "CN=alice, O=dev", "client auth", 3600), "apply", "-f", "-")).Succeeded();
        // The requestor is the user who created it (the administrator here), whatever the manifest said.
        Assert.Matches(@"(?m)^alice\s+\S+\s+kubernetes.io/kube-apiserver-client\s+kubernetes-admin\s+60m\s+Pending\s*$", (await Ok("get", "csr", "alice")).Stdout);
        Assert.Equal("kubernetes-admin [\"system:masters\",\"system:authenticated\"]", (await Ok("get", "csr", "alice", "-o", "jsonpath={.spec.username} {.spec.groups}")).Stdout);
        Assert.Contains("certificatesigningrequest.certificates.k8s.io/alice approved", (await Ok("certificate", "approve", "alice")).Stdout);
        await Eventually("alice Approved,Issued", async () => (await Ok("get", "csr", "alice")).Stdout, o => o.Contains("Approved,Issued", StringComparison.Ordinal));
        var issued = (await Ok("get", "csr", "alice", "-o", "jsonpath={.status.certificate}")).Stdout.Trim();
        using var certificate = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(issued)));
        Assert.Equal("CN=alice, O=dev", certificate.Subject);
        Assert.InRange((certificate.NotAfter - certificate.NotBefore).TotalMinutes, 59.9, 60.1);
        var approved = JsonNode.Parse((await Ok("get", "csr", "alice", "-o", "json")).Stdout)!["status"]!["conditions"]![0]!;
        Assert.Equal(("Approved", "KubectlApprove"), (approved["type"]!.GetValue<string>(), approved["reason"]!.GetValue<string>()));

        // Issued by the cluster CA that every namespace's kube-root-ca.crt publishes.
        var rootCa = (await Ok("get", "configmap", "kube-root-ca.crt", "-o", "jsonpath={.data.ca\\.crt}")).Stdout;
        using var ca = X509Certificate2.CreateFromPem(rootCa);
        Assert.Equal(ca.Subject, certificate.Issuer);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));

        // A kubelet serving request without the serving usages: its signer fails it.
        (await kubectl.RunWithInput(Csr("node-serving", "kubernetes.io/kubelet-serving", "CN=system:node:node-1, O=system:nodes", "client auth", dns: "node-1"), "apply", "-f", "-")).Succeeded();
        await Ok("certificate", "approve", "node-serving");
        await Eventually("node-serving Approved,Failed", async () => (await Ok("get", "csr", "node-serving")).Stdout, o => o.Contains("Approved,Failed", StringComparison.Ordinal));
        var failed = (await Ok("get", "csr", "node-serving", "-o", "jsonpath={.status.conditions[1].reason}: {.status.conditions[1].message}")).Stdout;
        Assert.Equal("SignerValidationFailure: usages did not match [digital signature key encipherment server auth]", failed);

        // Denied requests stay unsigned.
        (await kubectl.RunWithInput(Csr("bob", "kubernetes.io/kube-apiserver-client", "CN=bob", "client auth"), "apply", "-f", "-")).Succeeded();
        await Ok("certificate", "deny", "bob");
        Assert.Matches(@"(?m)^bob\s.*\sDenied\s*$", (await Ok("get", "csr", "bob")).Stdout);
    }
}
