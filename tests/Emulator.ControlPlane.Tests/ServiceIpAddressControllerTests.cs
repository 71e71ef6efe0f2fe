using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.IpAddress;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class ServiceIpAddressControllerTests : ClusterTestKit
{
    private static readonly ResourceType Services = ResourceTypes.Of("", "services");

    private void CreateService(string name, string? clusterIP = null)
    {
        var spec = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }) };
        if (clusterIP is not null)
        {
            spec["clusterIP"] = clusterIP;
        }
        Ok(new CreateObject(Services, Object("Service", "default", name, spec)));
    }

    private List<KubeObject> Addresses() =>
        Request<ListReply>(new ListObjects(ServiceIpAddressController.IpAddresses, null)).Items.Select(i => new KubeObject(i.ToJsonObject())).ToList();

    [Fact]
    public void Each_cluster_ip_has_an_IPAddress_pointing_at_its_service_and_a_freed_one_is_removed()
    {
        Sys.ActorOf(Props.Create(() => new ServiceIpAddressController(Store, Hub, null)), "ipaddress-repair");
        CreateService("web", "10.96.0.50");
        CreateService("headless", "None");
        Settle();

        var address = Assert.Single(Addresses());
        Assert.Equal("10.96.0.50", address.Name);
        Assert.Equal("IPv4", address.Labels["ipaddress.kubernetes.io/ip-family"]);
        Assert.Equal("ipallocator.k8s.io", address.Labels["ipaddress.kubernetes.io/managed-by"]);
        var parent = address.Spec!["parentRef"]!.AsObject();
        Assert.Equal(("", "services", "default", "web"),
            (JsonTree.AsString(parent["group"]), JsonTree.AsString(parent["resource"]), JsonTree.AsString(parent["namespace"]), JsonTree.AsString(parent["name"])));

        // Deleted Service: its address is freed; a new holder gets a fresh object.
        Ok(new DeleteObject(Services, "default", "web", new DeleteOptions()));
        Settle();
        Assert.Empty(Addresses());
        CreateService("again", "10.96.0.50");
        Settle();
        Assert.Equal("again", JsonTree.GetString(Assert.Single(Addresses()).Document, "spec", "parentRef", "name"));
    }
}
