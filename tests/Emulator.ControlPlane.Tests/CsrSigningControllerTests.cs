using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.CertificateSigning;
using Emulator.ControlPlane.ServiceAccount;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Tests;

/// <summary>The csrsigning controller, the cluster CA and the service account key kept across restarts.</summary>
public sealed class CsrSigningControllerTests : ApiStoreTestKit
{
    private static readonly ResourceType Csrs = CsrSigningController.CertificateSigningRequests;
    private readonly ClusterCertificateAuthority _ca;

    public CsrSigningControllerTests()
        : base(admission: KubernetesAdmission.Default)
    {
        // Made on the emulated clock, as the certificates it signs.
        _ca = ClusterCertificateAuthority.Create(now: Clock.UtcNow.AddDays(-1));
    }

    private void StartController() =>
        Sys.ActorOf(Props.Create(() => new CsrSigningController(Store, Hub, _ca, null)), "csrsigning-controller");

    private static JsonObject Csr(string name, string signer, string subject, string[] usages, long? expirationSeconds = null, string? dns = null, bool approved = true)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (dns is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(dns);
            request.CertificateExtensions.Add(san.Build());
        }
        var spec = new JsonObject
        {
            ["request"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(request.CreateSigningRequestPem())),
            ["signerName"] = signer,
            ["usages"] = new JsonArray(usages.Select(u => (JsonNode)u).ToArray()),
        };
        if (expirationSeconds is { } seconds)
        {
            spec["expirationSeconds"] = seconds;
        }
        var csr = Object("CertificateSigningRequest", null, name, spec);
        csr["apiVersion"] = "certificates.k8s.io/v1";
        if (approved)
        {
            csr["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Approved", ["status"] = "True", ["reason"] = "Test" }) };
        }
        return csr;
    }

    private KubeObject Create(JsonObject csr)
    {
        var status = csr["status"]?.DeepClone();
        csr.Remove("status");
        var created = new KubeObject(Ok(new CreateObject(Csrs, csr)).ToJsonObject());
        if (status is not null)
        {
            // Approval is a status write, as the approval subresource makes it.
            created.Document["status"] = status;
            created = new KubeObject(Ok(new UpdateObject(Csrs, created.Document, UpdateScope.Status)).ToJsonObject());
        }
        return created;
    }

    private KubeObject Get(string name) => new(Ok(new GetObject(Csrs, null, name)).ToJsonObject());

    private static X509Certificate2 Certificate(KubeObject csr) =>
        X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(JsonTree.GetString(csr.Document, "status", "certificate")!)));

    [Fact]
    public void Signs_an_approved_client_request_with_the_cluster_ca_for_the_requested_duration()
    {
        StartController();
        Create(Csr("alice", CsrSigningPolicy.KubeApiServerClient, "CN=alice, O=dev", ["client auth", "digital signature"], expirationSeconds: 7200));
        AwaitAssert(() => Assert.NotNull(JsonTree.GetString(Get("alice").Document, "status", "certificate")));
        using var certificate = Certificate(Get("alice"));
        Assert.Equal("CN=alice, O=dev", certificate.Subject);
        Assert.Equal(_ca.Certificate.Subject, certificate.Issuer);
        Assert.Equal(TimeSpan.FromHours(2), certificate.NotAfter - certificate.NotBefore);
        var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, keyUsage.KeyUsages);
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = certificate.NotBefore.AddMinutes(6);
        Assert.True(chain.Build(certificate));
    }

    [Fact]
    public void Kubelet_serving_certificates_keep_their_names_and_default_to_a_year()
    {
        StartController();
        Create(Csr("serving", CsrSigningPolicy.KubeletServing, "CN=system:node:node-1, O=system:nodes", ["digital signature", "server auth"], dns: "node-1"));
        AwaitAssert(() => Assert.NotNull(JsonTree.GetString(Get("serving").Document, "status", "certificate")));
        using var certificate = Certificate(Get("serving"));
        Assert.Equal(["node-1"], certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.Equal(CsrSigningPolicy.DefaultDuration + TimeSpan.FromMinutes(5), certificate.NotAfter - certificate.NotBefore);
    }

    [Fact]
    public void A_request_its_signer_refuses_gets_a_failed_condition()
    {
        StartController();
        Create(Csr("kubelet", CsrSigningPolicy.KubeletClient, "CN=node-1, O=system:nodes", ["client auth", "digital signature"]));
        Create(Csr("client", CsrSigningPolicy.KubeApiServerClient, "CN=bob", ["server auth"]));
        AwaitAssert(() => Assert.True(Conditions.IsTrue(Get("kubelet").Status!, "Failed")));
        AwaitAssert(() => Assert.True(Conditions.IsTrue(Get("client").Status!, "Failed")));
        var kubelet = Conditions.Find(Get("kubelet").Status!, "Failed")!;
        Assert.Equal(("SignerValidationFailure", "subject common name does not begin with system:node:"), (JsonTree.GetString(kubelet, "reason"), JsonTree.GetString(kubelet, "message")));
        Assert.Equal("invalid usage for client certificate: server auth", JsonTree.GetString(Conditions.Find(Get("client").Status!, "Failed")!, "message"));
        Assert.Null(JsonTree.GetString(Get("kubelet").Document, "status", "certificate"));
    }

    [Fact]
    public void Leaves_pending_denied_and_foreign_requests_unsigned()
    {
        StartController();
        Create(Csr("pending", CsrSigningPolicy.KubeApiServerClient, "CN=p", ["client auth"], approved: false));
        Create(Csr("foreign", "example.com/signer", "CN=f", ["client auth"]));
        var denied = Csr("denied", CsrSigningPolicy.KubeApiServerClient, "CN=d", ["client auth"], approved: false);
        denied["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Denied", ["status"] = "True" }) };
        Create(denied);
        RunUntilIdleIfDeterministic();
        Assert.All(new[] { "pending", "foreign", "denied" }, name => Assert.Null(JsonTree.GetString(Get(name).Document, "status", "certificate")));

        // Approved later: signed then.
        var pending = Get("pending");
        pending.EnsureStatus()["conditions"] = new JsonArray(new JsonObject { ["type"] = "Approved", ["status"] = "True" });
        Ok(new UpdateObject(Csrs, pending.Document, UpdateScope.Status));
        AwaitAssert(() => Assert.NotNull(JsonTree.GetString(Get("pending").Document, "status", "certificate")));
    }

    [Fact]
    public void The_ca_and_the_service_account_key_are_kept_across_restarts()
    {
        var directory = Directory.CreateTempSubdirectory("cluster-keys-").FullName;
        try
        {
            string caPem;
            string token;
            using (var first = ClusterCertificateAuthority.LoadOrCreate(directory))
            {
                caPem = first.CertificatePem;
            }
            using (var issuer = ServiceAccountTokenIssuer.LoadOrCreate(Path.Combine(directory, "sa.key")))
            {
                var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
                token = issuer.Issue(new ServiceAccountClaims("default", new TokenBinding("robot", "uid-1"), ["https://kubernetes.default.svc.cluster.local"], now, now.AddHours(1), "jti-1"));
            }
            using var again = ClusterCertificateAuthority.LoadOrCreate(directory);
            Assert.Equal(caPem, again.CertificatePem);
            Assert.True(again.Certificate.HasPrivateKey);
            using var restarted = ServiceAccountTokenIssuer.LoadOrCreate(Path.Combine(directory, "sa.key"));
            var verified = restarted.Verify(token, DateTimeOffset.FromUnixTimeSeconds(1_800_000_100))!.Value;
            Assert.Null(verified.Error);
            Assert.Equal("system:serviceaccount:default:robot", verified.Claims!.Subject);
            Assert.Equal("service account token has expired", restarted.Verify(token, DateTimeOffset.FromUnixTimeSeconds(1_800_010_000))!.Value.Error);
            using var other = ServiceAccountTokenIssuer.CreateEphemeral();
            Assert.Equal("go-jose/go-jose: error in cryptographic primitive", other.Verify(token, DateTimeOffset.FromUnixTimeSeconds(1_800_000_100))!.Value.Error);
            Assert.Null(restarted.Verify("not-a-jwt", DateTimeOffset.UnixEpoch));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
