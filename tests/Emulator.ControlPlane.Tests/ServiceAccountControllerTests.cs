using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.ServiceAccount;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class ServiceAccountControllerTests : ClusterTestKit
{
    private static readonly ResourceType ServiceAccounts = ServiceAccountController.ServiceAccounts;
    private const string CaBundle = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    private void StartServiceAccountController() =>
        Sys.ActorOf(Props.Create(() => new ServiceAccountController(Store, Hub, null)), "serviceaccount-controller");

    private void StartRootCaPublisher() =>
        Sys.ActorOf(Props.Create(() => new RootCaCertPublisher(Store, Hub, CaBundle, null)), "root-ca-cert-publisher");

    private bool Exists(ResourceType type, string ns, string name) => Send(new GetObject(type, ns, name)).IsSuccess;

    private void CreateNamespace(string name) => Ok(new CreateObject(Namespaces, Object("Namespace", null, name)));

    [Fact]
    public void Every_namespace_gets_a_default_service_account()
    {
        CreateNamespace("team");
        StartServiceAccountController();
        Settle();
        foreach (var ns in ApiStore.SystemNamespaces.Append("team"))
        {
            Assert.True(Exists(ServiceAccounts, ns, "default"), $"no default service account in {ns}");
        }
        CreateNamespace("later");
        Settle();
        var account = Get(ServiceAccounts, "later", "default");
        Assert.Equal("ServiceAccount", account.Kind);
        Assert.NotNull(account.Uid);
        Assert.Single(Request<ListReply>(new ListObjects(ServiceAccounts, "later")).Items);
    }

    [Fact]
    public void A_deleted_default_account_comes_back_but_not_in_a_terminating_namespace()
    {
        CreateNamespace("team");
        CreateNamespace("leaving");
        StartServiceAccountController();
        Settle();
        var first = Get(ServiceAccounts, "team", "default").Uid;
        Ok(new DeleteObject(ServiceAccounts, "team", "default", new DeleteOptions()));
        Settle();
        Assert.NotEqual(first, Get(ServiceAccounts, "team", "default").Uid);

        // The namespace keeps its finalizer (no namespace controller here), so it stays terminating.
        Ok(new DeleteObject(Namespaces, null, "leaving", new DeleteOptions()));
        Ok(new DeleteObject(ServiceAccounts, "leaving", "default", new DeleteOptions()));
        Settle();
        Assert.False(Exists(ServiceAccounts, "leaving", "default"));
    }

    [Fact]
    public void Other_accounts_are_left_alone()
    {
        StartServiceAccountController();
        Settle();
        Ok(new CreateObject(ServiceAccounts, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = new JsonObject { ["name"] = "robot", ["namespace"] = "default" },
        }));
        Ok(new DeleteObject(ServiceAccounts, "default", "robot", new DeleteOptions()));
        Settle();
        Assert.False(Exists(ServiceAccounts, "default", "robot"));
        Assert.True(Exists(ServiceAccounts, "default", "default"));
    }

    [Fact]
    public void The_root_ca_bundle_is_published_in_every_namespace_and_restored_when_changed()
    {
        CreateNamespace("team");
        StartRootCaPublisher();
        Settle();
        foreach (var ns in ApiStore.SystemNamespaces.Append("team"))
        {
            var configMap = Get(ConfigMaps, ns, "kube-root-ca.crt");
            Assert.Equal(CaBundle, JsonTree.GetString(configMap.Document, "data", "ca.crt"));
            Assert.Equal(RootCaCertPublisher.Description, JsonTree.GetString(configMap.Metadata, "annotations", "kubernetes.io/description"));
        }

        var edited = Get(ConfigMaps, "team", "kube-root-ca.crt");
        edited.Document["data"] = new JsonObject { ["ca.crt"] = "tampered", ["extra"] = "x" };
        Ok(new UpdateObject(ConfigMaps, edited.Document));
        Settle();
        Assert.Equal("""{"ca.crt":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}""",
            JsonTree.ToCompactJson(Get(ConfigMaps, "team", "kube-root-ca.crt").Document["data"]));

        Ok(new DeleteObject(ConfigMaps, "team", "kube-root-ca.crt", new DeleteOptions()));
        Settle();
        Assert.True(Exists(ConfigMaps, "team", "kube-root-ca.crt"));
    }

    [Fact]
    public void A_generated_ca_is_a_pem_certificate()
    {
        var pem = RootCaCertPublisher.CreateSelfSignedCa();
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", pem);
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);
        Assert.Equal("CN=kubernetes", certificate.Subject);
    }
}
