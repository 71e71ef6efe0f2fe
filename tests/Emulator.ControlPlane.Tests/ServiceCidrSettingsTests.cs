using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.KubernetesService;
using Emulator.ControlPlane.ServiceCidr;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// A configured service range (<c>emulator.services.cluster-ip-range</c>, kube-apiserver's
/// <c>--service-cluster-ip-range</c>): cluster IPs come from it, the <c>kubernetes</c> Service takes its first address,
/// requested addresses are checked against it, and the default ServiceCIDR holds it; a malformed range is refused.
/// </summary>
public sealed class ServiceCidrSettingsTests : ApiStoreTestKit
{
    private static readonly ServiceCidrSettings Range = new("10.100.0.0/16");
    private static readonly ResourceType Services = ResourceTypes.Of("", "services");

    public ServiceCidrSettingsTests()
        : base(admission: KubernetesAdmission.With(Range))
    {
    }

    private static JsonObject Service(string ns, string name, string? clusterIP = null)
    {
        var spec = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = 443 }) };
        if (clusterIP is not null)
        {
            spec["clusterIP"] = clusterIP;
        }
        return Object("Service", ns, name, spec);
    }

    [Fact]
    public void The_settings_give_the_range_its_kubernetes_and_dns_addresses_and_refuse_malformed_ranges()
    {
        Assert.Same(ServiceCidrSettings.Default, ServiceCidrSettings.From(Config.Empty));
        Assert.Equal(("10.96.0.0/12", "10.96.0.1", "10.96.0.10"), (ServiceCidrSettings.Default.Cidr, ServiceCidrSettings.Default.KubernetesServiceIp, ServiceCidrSettings.Default.DnsServiceIp));
        var configured = ServiceCidrSettings.From(ConfigurationFactory.ParseString("emulator.services.cluster-ip-range = \"172.20.0.0/16\""));
        Assert.Equal(("172.20.0.0/16", "172.20.0.1", "172.20.0.10"), (configured.Cidr, configured.KubernetesServiceIp, configured.DnsServiceIp));
        // A host address inside the range names the range, as the API server's flag parsing takes it.
        Assert.Equal("10.100.0.0/16", new ServiceCidrSettings("10.100.7.9/16").Cidr);

        string Refusal(string range) => Assert.Throws<ConfigurationException>(() =>
            ServiceCidrSettings.From(ConfigurationFactory.ParseString($"emulator.services.cluster-ip-range = \"{range}\""))).Message;
        Assert.Equal("emulator.services.cluster-ip-range must be an IPv4 CIDR, not 'ten.96/12'", Refusal("ten.96/12"));
        Assert.Equal("emulator.services.cluster-ip-range must be an IPv4 CIDR, not 'fd00::/108'", Refusal("fd00::/108"));
        Assert.Equal("emulator.services.cluster-ip-range 10.0.0.0/8: the prefix must be from /12 to /28", Refusal("10.0.0.0/8"));
        Assert.Equal("emulator.services.cluster-ip-range 10.96.0.0/30: the prefix must be from /12 to /28", Refusal("10.96.0.0/30"));
    }

    [Fact]
    public void Cluster_ips_come_from_the_configured_range()
    {
        var kubernetes = Ok(new CreateObject(Services, Service("default", "kubernetes"))).ToJsonObject();
        Assert.Equal("10.100.0.1", JsonTree.GetString(kubernetes, "spec", "clusterIP"));
        var web = JsonTree.GetString(Ok(new CreateObject(Services, Service("default", "web"))).ToJsonObject(), "spec", "clusterIP")!;
        Assert.True(Range.Contains(System.Net.IPAddress.Parse(web)), web);
        Assert.Equal("10.100.0.10", JsonTree.GetString(Ok(new CreateObject(Services, Service("default", "dns", "10.100.0.10"))).ToJsonObject(), "spec", "clusterIP"));
        Assert.Equal("Service \"old\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.50\"}: failed to allocate IP 10.96.0.50: the provided IP (10.96.0.50) is not in the valid range. The range of valid IPs is 10.100.0.0/16",
            Send(new CreateObject(Services, Service("default", "old", "10.96.0.50"))).Error?.Message);
    }

    [Fact]
    public void The_default_service_cidr_and_the_kubernetes_service_follow_the_configured_range()
    {
        Sys.ActorOf(Props.Create(() => new DefaultServiceCidrController(Store, Hub, null, Range)), "servicecidr");
        Sys.ActorOf(Props.Create(() => new KubernetesServiceController(Store, Hub, "127.0.0.1", 6443)), "kubernetes-service");
        Settle();
        var cidr = Ok(new GetObject(DefaultServiceCidrController.ServiceCidrs, null, "kubernetes")).ToJsonObject();
        Assert.Equal("""["10.100.0.0/16"]""", JsonTree.ToCompactJson(cidr["spec"]!["cidrs"]));
        Assert.Equal("10.100.0.1", JsonTree.GetString(Ok(new GetObject(Services, "default", "kubernetes")).ToJsonObject(), "spec", "clusterIP"));
    }
}
