using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Emulator.ControlPlane.LoadBalancer;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class LoadBalancerControllerTests : ClusterTestKit
{
    private static readonly ResourceType Services = ResourceTypes.Of("", "services");

    private IActorRef StartController(LoadBalancerSettings? settings = null, string name = "load-balancer-controller") =>
        Sys.ActorOf(Props.Create(() => new LoadBalancerController(Store, Hub, Events, settings)), name);

    private static LoadBalancerSettings Pool(params string[] addresses) => LoadBalancerSettings.Default with { Addresses = addresses };

    private void CreateService(string name, string type = "LoadBalancer", string? loadBalancerIP = null, string? loadBalancerClass = null)
    {
        var spec = new JsonObject { ["type"] = type, ["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }) };
        if (loadBalancerIP is not null)
        {
            spec["loadBalancerIP"] = loadBalancerIP;
        }
        if (loadBalancerClass is not null)
        {
            spec["loadBalancerClass"] = loadBalancerClass;
        }
        Ok(new CreateObject(Services, Object("Service", "default", name, spec)));
    }

    private void Edit(string name, Action<JsonObject> change)
    {
        var stored = Ok(new GetObject(Services, "default", name)).ToJsonObject();
        change(stored["spec"]!.AsObject());
        Ok(new UpdateObject(Services, stored));
    }

    private void Delete(string name) => Ok(new DeleteObject(Services, "default", name, new DeleteOptions()));

    private JsonObject Service(string name) => Ok(new GetObject(Services, "default", name)).ToJsonObject();

    private List<string> Ingress(string name) =>
        JsonTree.Objects(JsonTree.GetArray(Service(name), "status", "loadBalancer", "ingress")).Select(i => JsonTree.GetString(i, "ip")!).ToList();

    private string Message(KubeObject evt) => JsonTree.GetString(evt.Document, "message")!;

    [Fact]
    public void A_LoadBalancer_Service_gets_the_first_free_address_of_the_pool_as_a_VIP_ingress()
    {
        StartController();
        CreateService("web");
        CreateService("plain", type: "ClusterIP");
        Settle();

        var ingress = Assert.Single(JsonTree.Objects(JsonTree.GetArray(Service("web"), "status", "loadBalancer", "ingress")));
        Assert.Equal("172.18.255.200", JsonTree.GetString(ingress, "ip"));
        Assert.Equal("VIP", JsonTree.GetString(ingress, "ipMode"));
        Assert.Empty(Ingress("plain"));
        var allocated = Assert.Single(EventsFor("web", "IPAllocated"));
        Assert.Equal("Assigned IP [\"172.18.255.200\"]", Message(allocated));
        Assert.Equal("Normal", JsonTree.GetString(allocated.Document, "type"));
        Assert.Equal("metallb-controller", JsonTree.GetString(allocated.Document, "source", "component"));

        CreateService("api");
        Settle();
        Assert.Equal(["172.18.255.201"], Ingress("api"));
    }

    [Fact]
    public void A_requested_loadBalancerIP_is_honoured_and_one_taken_or_outside_the_pool_fails_with_metallb_events()
    {
        StartController(Pool("192.168.200.0/30"));
        CreateService("chosen", loadBalancerIP: "192.168.200.2");
        Settle();
        Assert.Equal(["192.168.200.2"], Ingress("chosen"));

        CreateService("clash", loadBalancerIP: "192.168.200.2");
        CreateService("outside", loadBalancerIP: "10.1.2.3");
        Settle();
        Assert.Empty(Ingress("clash"));
        Assert.Empty(Ingress("outside"));
        var clash = Assert.Single(EventsFor("clash", "AllocationFailed"));
        Assert.Equal("Warning", JsonTree.GetString(clash.Document, "type"));
        Assert.Equal("Failed to allocate IP for \"default/clash\": can't change sharing key for \"default/clash\", address also in use by default/chosen", Message(clash));
        Assert.Equal("Failed to allocate IP for \"default/outside\": \"10.1.2.3\" is not allowed in config", Message(Assert.Single(EventsFor("outside", "AllocationFailed"))));

        // The holder lets go of the address: the waiting Service gets it.
        Delete("chosen");
        Settle();
        Assert.Equal(["192.168.200.2"], Ingress("clash"));
    }

    [Fact]
    public void An_exhausted_pool_is_an_AllocationFailed_event_and_the_service_waits_for_a_freed_address()
    {
        StartController(Pool("10.200.0.1-10.200.0.2"));
        CreateService("a");
        CreateService("b");
        Settle();
        CreateService("c");
        Settle();
        Assert.Equal(["10.200.0.1", "10.200.0.2"], Ingress("a").Concat(Ingress("b")).Order().ToList());
        Assert.Empty(Ingress("c"));
        Assert.Equal("Failed to allocate IP for \"default/c\": no available IPs", Message(Assert.Single(EventsFor("c", "AllocationFailed"))));

        // A Service that stops being a LoadBalancer frees its address and loses its ingress.
        var freed = Ingress("a").Single();
        Edit("a", spec =>
        {
            spec["type"] = "ClusterIP";
            spec.Remove("externalTrafficPolicy");
            spec["ports"]![0]!.AsObject().Remove("nodePort");
        });
        Settle();
        Assert.Empty(Ingress("a"));
        Assert.Equal([freed], Ingress("c"));
    }

    [Fact]
    public void A_restarted_controller_keeps_the_stored_allocations()
    {
        var first = StartController();
        CreateService("a");
        CreateService("b");
        Settle();
        var (a, b) = (Ingress("a").Single(), Ingress("b").Single());
        Sys.Stop(first);
        Settle();

        StartController(name: "load-balancer-controller-2");
        CreateService("c");
        Settle();
        Assert.Equal([a], Ingress("a"));
        Assert.Equal([b], Ingress("b"));
        Assert.Equal(["172.18.255.202"], Ingress("c"));
        Assert.Single(EventsFor("a", "IPAllocated"));
    }

    [Fact]
    public void Services_of_another_load_balancer_class_are_left_alone_and_the_emulators_class_is_served()
    {
        StartController();
        CreateService("foreign", loadBalancerClass: "example.com/other-lb");
        CreateService("ours", loadBalancerClass: LoadBalancerSettings.DefaultClass);
        Settle();
        Assert.Empty(Ingress("foreign"));
        Assert.Empty(EventsFor("foreign", "IPAllocated"));
        Assert.Equal(["172.18.255.200"], Ingress("ours"));
    }

    [Fact]
    public void Changing_the_requested_address_moves_the_ingress()
    {
        StartController();
        CreateService("web");
        Settle();
        Assert.Equal(["172.18.255.200"], Ingress("web"));
        Edit("web", spec => spec["loadBalancerIP"] = "172.18.255.240");
        Settle();
        Assert.Equal(["172.18.255.240"], Ingress("web"));

        // The first address is free again.
        CreateService("next");
        Settle();
        Assert.Equal(["172.18.255.200"], Ingress("next"));
    }

    [Fact]
    public void Settings_come_from_hocon_with_a_default_pool()
    {
        Assert.Equal(LoadBalancerSettings.Default.Addresses, LoadBalancerSettings.From(Emulator.Runtime.RuntimeConfig.Defaults).Addresses);
        Assert.Equal(LoadBalancerSettings.DefaultClass, LoadBalancerSettings.From(Emulator.Runtime.RuntimeConfig.Defaults).LoadBalancerClass);
        var custom = LoadBalancerSettings.From(ConfigurationFactory.ParseString("emulator.load-balancer { addresses = [\"10.0.0.0/31\", \"10.0.1.5-10.0.1.6\"] }"));
        Assert.Equal([(0x0A000000u, 0x0A000001u), (0x0A000105u, 0x0A000106u)], custom.Ranges());
        Assert.Throws<ConfigurationException>(() => LoadBalancerSettings.From(ConfigurationFactory.ParseString("emulator.load-balancer { addresses = [\"10.0.0.9-10.0.0.1\"] }")));
    }
}
