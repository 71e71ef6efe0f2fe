using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

/// <summary>
/// <c>certificatesigningrequests/approval</c>: client-go approves with PUT (kubectl certificate approve) and controllers
/// often with a PATCH; both go through the approval strategy, which changes nothing but the conditions.
/// </summary>
public sealed class CertificateApprovalTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private const string Csrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

    private static JsonObject Csr(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var pem = Convert.ToBase64String(Encoding.ASCII.GetBytes(request.CreateSigningRequestPem()));
        return JsonNode.Parse($$$"""
            {"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"{{{name}}}"},
             "spec":{"request":"{{{pem}}}","signerName":"example.com/custom","usages":["client auth"]}}
            """)!.AsObject();
    }

    [Fact]
    public async Task A_merge_patch_of_the_approval_subresource_approves_and_keeps_the_spec()
    {
        Assert.Equal(201, (await api.Send(HttpMethod.Post, Csrs, Csr("patched"))).Status);
        var patch = JsonNode.Parse("""
            {"spec":{"signerName":"example.com/other"},
             "status":{"conditions":[{"type":"Approved","status":"True","reason":"ControllerApprove","message":"approved by a patch"}]}}
            """);
        var (status, body) = await api.Send(HttpMethod.Patch, Csrs + "/patched/approval", patch, "application/merge-patch+json");
        Assert.Equal(200, status);
        var condition = body["status"]!["conditions"]![0]!;
        Assert.Equal(("Approved", "ControllerApprove"), (condition["type"]!.GetValue<string>(), condition["reason"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(condition["lastUpdateTime"]?.GetValue<string>()));
        Assert.Equal("example.com/custom", body["spec"]!["signerName"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_patch_may_not_both_approve_and_deny()
    {
        Assert.Equal(201, (await api.Send(HttpMethod.Post, Csrs, Csr("both"))).Status);
        var patch = JsonNode.Parse("""
            [{"op":"add","path":"/status","value":{"conditions":[{"type":"Approved","status":"True"},{"type":"Denied","status":"True"}]}}]
            """);
        var (status, body) = await api.Send(HttpMethod.Patch, Csrs + "/both/approval", patch, "application/json-patch+json");
        Assert.Equal(422, status);
        Assert.Contains("Approved and Denied conditions are mutually exclusive", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var (_, stored) = await api.Send(HttpMethod.Get, Csrs + "/both");
        Assert.Null(stored["status"]?["conditions"]);
    }
}
