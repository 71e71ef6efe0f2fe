using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Endpoints;
using Emulator.ControlPlane.EndpointSlice;
using Emulator.ControlPlane.KubernetesService;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class ServiceNetworkingTests : ClusterTestKit
{
    private static readonly ResourceType Services = ResourceTypes.Of("", "services");
    private static readonly ResourceType Slices = EndpointSliceController.Slices;
    private static readonly ResourceType EndpointsType = EndpointsController.EndpointsType;

    private static JsonObject Service(string name, string type = "ClusterIP", string? clusterIP = null, JsonObject? selector = null, params JsonObject[] ports)
    {
        var spec = new JsonObject
        {
            ["type"] = type,
            ["ports"] = new JsonArray(ports.Length > 0 ? ports.Select(p => (JsonNode?)p).ToArray() : [new JsonObject { ["port"] = 80 }]),
        };
        if (clusterIP is not null)
        {
            spec["clusterIP"] = clusterIP;
        }
        if (selector is not null)
        {
            spec["selector"] = selector;
        }
        return Object("Service", "default", name, spec);
    }

    private string? Error(JsonObject service) => Send(new CreateObject(Services, service)).Error?.Message;

    private void StartEndpointControllers()
    {
        Sys.ActorOf(Props.Create(() => new EndpointSliceController(Store, Hub, null)), "endpointslice-controller");
        Sys.ActorOf(Props.Create(() => new EndpointsController(Store, Hub, null)), "endpoints-controller");
    }

    /// <summary>A pod as the kubelet reports it: an IP, Running, Ready as given.</summary>
    private void RunningPod(string name, string ip, bool ready, JsonObject? labels = null, Action<JsonObject>? spec = null)
    {
        var pod = Pod(name, labels: labels ?? new JsonObject { ["app"] = "web" });
        pod["spec"]!["nodeName"] = "node-1";
        spec?.Invoke(pod["spec"]!.AsObject());
        Ok(new CreateObject(ResourceTypes.Pods, pod));
        var stored = Ok(new GetObject(ResourceTypes.Pods, "default", name)).ToJsonObject();
        stored["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["podIP"] = ip,
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
        };
        Ok(new UpdateObject(ResourceTypes.Pods, stored, UpdateScope.Status));
    }

    [Fact]
    public void Cluster_IPs_are_allocated_from_the_service_range_and_requested_ones_are_checked()
    {
        var web = Ok(new CreateObject(Services, Service("web"))).ToJsonObject();
        var ip = JsonTree.GetString(web, "spec", "clusterIP")!;
        Assert.StartsWith("10.", ip, StringComparison.Ordinal);
        Assert.True(System.Net.IPNetwork.Parse("10.96.0.0/12").Contains(System.Net.IPAddress.Parse(ip)));
        Assert.Equal(ip, JsonTree.GetArray(web, "spec", "clusterIPs")![0]!.GetValue<string>());
        Assert.Equal(("IPv4", "SingleStack"), (JsonTree.GetArray(web, "spec", "ipFamilies")![0]!.GetValue<string>(), JsonTree.GetString(web, "spec", "ipFamilyPolicy")));

        Ok(new CreateObject(Services, Service("fixed", clusterIP: "10.96.0.50")));
        Assert.Equal("Service \"dup\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.50\"}: failed to allocate IP 10.96.0.50: provided IP is already allocated",
            Error(Service("dup", clusterIP: "10.96.0.50")));
        Assert.Equal("Service \"out\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.0.0.5\"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12",
            Error(Service("out", clusterIP: "10.0.0.5")));

        // Deleting a Service frees its address; a headless Service takes none.
        Ok(new DeleteObject(Services, "default", "fixed", new DeleteOptions()));
        Ok(new CreateObject(Services, Service("again", clusterIP: "10.96.0.50")));
        Assert.Equal("None", JsonTree.GetString(Ok(new CreateObject(Services, Service("headless", clusterIP: "None"))).ToJsonObject(), "spec", "clusterIP"));
    }

    [Fact]
    public void Node_ports_are_allocated_unique_and_kept_across_updates()
    {
        var np = Ok(new CreateObject(Services, Service("np", "NodePort"))).ToJsonObject();
        var port = JsonTree.AsInt(np["spec"]!["ports"]![0]!["nodePort"])!.Value;
        Assert.InRange(port, 30000, 32767);
        Assert.Equal($"Service \"taken\" is invalid: spec.ports[0].nodePort: Invalid value: {port}: provided port is already allocated",
            Error(Service("taken", "NodePort", ports: new JsonObject { ["port"] = 80, ["nodePort"] = port })));

        // An update that leaves the node port out keeps it (as kubectl replace of the original manifest does).
        var replaced = Service("np", "NodePort");
        replaced["metadata"]!["resourceVersion"] = np["metadata"]!["resourceVersion"]!.DeepClone();
        var updated = Ok(new UpdateObject(Services, replaced)).ToJsonObject();
        Assert.Equal(port, JsonTree.AsInt(updated["spec"]!["ports"]![0]!["nodePort"]));
        Assert.Equal(JsonTree.GetString(np, "spec", "clusterIP"), JsonTree.GetString(updated, "spec", "clusterIP"));
    }

    [Fact]
    public void Changing_the_type_drops_the_fields_the_new_type_may_not_have_unless_the_update_changed_them()
    {
        var np = Ok(new CreateObject(Services, Service("np", "NodePort"))).ToJsonObject();
        Assert.Equal("Cluster", JsonTree.GetString(np, "spec", "externalTrafficPolicy"));
        var port = JsonTree.AsInt(np["spec"]!["ports"]![0]!["nodePort"])!.Value;

        // The stored object with only its type changed (what `kubectl patch -p '{"spec":{"type":"ClusterIP"}}'` sends).
        var changed = (JsonObject)np.DeepClone();
        changed["spec"]!["type"] = "ClusterIP";
        changed["spec"]!["ports"]![0]!["nodePort"] = port + 1;
        Assert.Contains("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
            Send(new UpdateObject(Services, (JsonObject)changed.DeepClone())).Error!.Message, StringComparison.Ordinal);

        changed["spec"]!["ports"]![0]!["nodePort"] = port;
        var updated = Ok(new UpdateObject(Services, changed)).ToJsonObject();
        Assert.Equal("ClusterIP", JsonTree.GetString(updated, "spec", "type"));
        Assert.Null(updated["spec"]!["ports"]![0]!["nodePort"]);
        Assert.Null(updated["spec"]!["externalTrafficPolicy"]);
        Assert.Equal(JsonTree.GetString(np, "spec", "clusterIP"), JsonTree.GetString(updated, "spec", "clusterIP"));
        // The node port is free again.
        Ok(new CreateObject(Services, Service("other", "NodePort", ports: new JsonObject { ["port"] = 80, ["nodePort"] = port })));
    }

    [Fact]
    public void The_kubernetes_service_gets_the_first_address_and_the_API_servers_endpoints()
    {
        Sys.ActorOf(Props.Create(() => new KubernetesServiceController(Store, Hub, "127.0.0.1", 6443, null)), "kubernetes-service");
        Settle();
        var service = Get(Services, "default", "kubernetes").Document;
        Assert.Equal("10.96.0.1", JsonTree.GetString(service, "spec", "clusterIP"));
        Assert.Equal(443, JsonTree.AsInt(service["spec"]!["ports"]![0]!["port"]));
        var endpoints = Get(EndpointsType, "default", "kubernetes").Document;
        Assert.Equal("127.0.0.1", endpoints["subsets"]![0]!["addresses"]![0]!["ip"]!.GetValue<string>());
        Assert.Equal(6443, JsonTree.AsInt(endpoints["subsets"]![0]!["ports"]![0]!["port"]));
        Assert.Equal("127.0.0.1", Get(Slices, "default", "kubernetes").Document["endpoints"]![0]!["addresses"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Endpoint_slices_and_endpoints_follow_pod_readiness_named_ports_and_termination()
    {
        StartEndpointControllers();
        Ok(new CreateObject(Services, Service("web", selector: new JsonObject { ["app"] = "web" },
            ports: new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = "web" })));
        void NamedPort(JsonObject spec) => spec["containers"]![0]!["ports"] = new JsonArray(new JsonObject { ["name"] = "web", ["containerPort"] = 8080 });
        RunningPod("a", "10.244.1.2", ready: true, spec: NamedPort);
        RunningPod("b", "10.244.1.3", ready: false, spec: NamedPort);
        RunningPod("other", "10.244.1.9", ready: true, labels: new JsonObject { ["app"] = "other" });
        Settle();

        var slices = Request<ListReply>(new ListObjects(Slices, "default")).Items.Select(s => s.ToJsonObject())
            .Where(s => JsonTree.GetString(s, "metadata", "labels", "kubernetes.io/service-name") == "web").ToList();
        var slice = Assert.Single(slices);
        Assert.StartsWith("web-", JsonTree.GetString(slice, "metadata", "name"), StringComparison.Ordinal);
        Assert.Equal("endpointslice-controller.k8s.io", JsonTree.GetString(slice, "metadata", "labels", "endpointslice.kubernetes.io/managed-by"));
        Assert.Equal(("http", 8080L), (slice["ports"]![0]!["name"]!.GetValue<string>(), JsonTree.AsInt(slice["ports"]![0]!["port"])!.Value));
        var byAddress = slice["endpoints"]!.AsArray().ToDictionary(e => e!["addresses"]![0]!.GetValue<string>(), e => e!["conditions"]!);
        Assert.Equal(["10.244.1.2", "10.244.1.3"], byAddress.Keys.Order());
        Assert.True(byAddress["10.244.1.2"]!["ready"]!.GetValue<bool>());
        Assert.False(byAddress["10.244.1.3"]!["ready"]!.GetValue<bool>());

        var endpoints = Get(EndpointsType, "default", "web").Document;
        Assert.Equal("10.244.1.2", endpoints["subsets"]![0]!["addresses"]![0]!["ip"]!.GetValue<string>());
        Assert.Equal("10.244.1.3", endpoints["subsets"]![0]!["notReadyAddresses"]![0]!["ip"]!.GetValue<string>());
        Assert.Equal(8080, JsonTree.AsInt(endpoints["subsets"]![0]!["ports"]![0]!["port"]));

        // A terminating pod stays in the slice (terminating, not ready) and leaves the Endpoints.
        var pod = Ok(new GetObject(ResourceTypes.Pods, "default", "a")).ToJsonObject();
        pod["metadata"]!["finalizers"] = new JsonArray("test/hold");
        Ok(new UpdateObject(ResourceTypes.Pods, pod));
        Ok(new DeleteObject(ResourceTypes.Pods, "default", "a", new DeleteOptions(GracePeriodSeconds: 0)));
        Settle();
        var after = Request<ListReply>(new ListObjects(Slices, "default")).Items.Select(s => s.ToJsonObject())
            .Single(s => JsonTree.GetString(s, "metadata", "labels", "kubernetes.io/service-name") == "web");
        var terminating = after["endpoints"]!.AsArray().Single(e => e!["addresses"]![0]!.GetValue<string>() == "10.244.1.2")!["conditions"]!;
        Assert.Equal((false, true, true), (terminating["ready"]!.GetValue<bool>(), terminating["serving"]!.GetValue<bool>(), terminating["terminating"]!.GetValue<bool>()));
        Assert.Null(Get(EndpointsType, "default", "web").Document["subsets"]![0]!["addresses"]);
    }

    [Fact]
    public void A_service_of_many_pods_gets_slices_of_at_most_100_endpoints()
    {
        StartEndpointControllers();
        Ok(new CreateObject(Services, Service("big", selector: new JsonObject { ["app"] = "web" })));
        for (var i = 0; i < 150; i++)
        {
            RunningPod($"p{i}", $"10.244.{1 + (i / 200)}.{(i % 200) + 2}", ready: true);
        }
        Settle();
        var sizes = Request<ListReply>(new ListObjects(Slices, "default")).Items.Select(s => s.ToJsonObject())
            .Where(s => JsonTree.GetString(s, "metadata", "labels", "kubernetes.io/service-name") == "big")
            .Select(s => s["endpoints"]!.AsArray().Count).Order().ToList();
        Assert.Equal([50, 100], sizes);
    }
}
