using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.EndpointSlice;
using Emulator.ControlPlane.Services;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Node.Network;
using Emulator.Node.Network.Dns;

namespace Emulator.Node.Tests;

public sealed class PodNetworkTests : NodeTestKit
{
    private void StartNetwork(int nodes = 1)
    {
        StartHost(nodes, pullDelay: TimeSpan.Zero);
        Sys.ActorOf(Props.Create(() => new ClusterDns(Store, Hub, null, null, "10.96.0.10", false)), "cluster-dns");
        Sys.ActorOf(Props.Create(() => new EndpointSliceController(Store, Hub, null)), "endpointslice-controller");
    }

    private void RawPod(string name, string node, JsonObject container, Dictionary<string, string>? labels = null, JsonObject? extraSpec = null)
    {
        var spec = new JsonObject { ["nodeName"] = node, ["containers"] = new JsonArray(container) };
        foreach (var (key, value) in extraSpec ?? [])
        {
            spec[key] = value?.DeepClone();
        }
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = "default" };
        if (labels is not null)
        {
            metadata["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)JsonValue.Create(l.Value))));
        }
        Ok(new CreateObject(ResourceTypes.Pods, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["spec"] = spec }));
    }

    private static JsonObject Server(string text) => new()
    {
        ["name"] = "app",
        ["image"] = "hashicorp/http-echo:1.0",
        ["args"] = new JsonArray($"-text={text}"),
        ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 5678 }),
    };

    private void WebService(string? affinity = null, string? internalPolicy = null, int? affinityTimeout = null, string? trafficDistribution = null)
    {
        var spec = new JsonObject
        {
            ["clusterIP"] = "10.96.0.50",
            ["clusterIPs"] = new JsonArray("10.96.0.50"),
            ["selector"] = new JsonObject { ["app"] = "web" },
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = 5678, ["protocol"] = "TCP" }),
        };
        if (affinity is not null)
        {
            spec["sessionAffinity"] = affinity;
        }
        if (affinityTimeout is not null)
        {
            spec["sessionAffinityConfig"] = new JsonObject { ["clientIP"] = new JsonObject { ["timeoutSeconds"] = affinityTimeout } };
        }
        if (internalPolicy is not null)
        {
            spec["internalTrafficPolicy"] = internalPolicy;
        }
        if (trafficDistribution is not null)
        {
            spec["trafficDistribution"] = trafficDistribution;
        }
        Ok(new CreateObject(ServiceController.Services, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "default" },
            ["spec"] = spec,
        }));
    }

    private ClusterDnsZone Zone => ClusterNetwork.Get(Sys).Dns.Current;

    private void AwaitEndpoints(int count) =>
        AwaitAssert(() =>
        {
            Run(TimeSpan.FromSeconds(1));
            Assert.True(Zone.Routes.TryGetValue(("10.96.0.50", 80), out var route));
            Assert.Equal(count, route!.Endpoints.Count);
        });

    private string ClientLogs(string script, string image = "busybox:1.36", string name = "client")
    {
        RawPod(name, "node-1", new JsonObject { ["name"] = "app", ["image"] = image, ["command"] = new JsonArray("sh", "-c", script) }, extraSpec: new JsonObject { ["restartPolicy"] = "Never" });
        Run(TimeSpan.FromSeconds(5));
        string? text = null;
        AwaitAssert(() =>
        {
            Host.Tell(new ControlPlane.Nodes.ReadContainerLog("node-1", "default", name, null), TestActor);
            text = ExpectMsg<ControlPlane.Nodes.ContainerLogReply>().Text;
            Assert.NotNull(text);
        });
        return text!;
    }

    [Fact]
    public void A_pod_reaches_a_service_by_name_through_the_search_list_and_sees_dns_and_refusals_as_busybox_prints_them()
    {
        StartNetwork();
        RawPod("web-1", "node-1", Server("hello from web"), new() { ["app"] = "web" });
        Run(TimeSpan.FromSeconds(2));
        WebService();
        AwaitEndpoints(1);
        var logs = ClientLogs("wget -qO- http://web; echo rc=$?; wget -qO- http://nothing; echo rc=$?; wget -qO- http://web.default.svc.cluster.local:81; echo rc=$?; nslookup web; cat /etc/resolv.conf");
        Assert.Equal(
            "hello from web\nrc=0\nwget: bad address 'nothing'\nrc=1\nwget: can't connect to remote host (10.96.0.50): Connection refused\nrc=1\n" +
            "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tweb.default.svc.cluster.local\nAddress: 10.96.0.50\n\n" +
            "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n", logs);
    }

    [Fact]
    public void Network_commands_run_at_the_moment_the_process_reaches_them()
    {
        StartNetwork();
        RawPod("web-1", "node-1", Server("hello from web"), new() { ["app"] = "web" });
        Run(TimeSpan.FromSeconds(2));

        // The client starts before the Service exists: its first wget fails, the one 60 s later (after the Service
        // appeared) gets the answer, and the exit code follows the last command.
        var logs = ClientLogs("echo start; wget -qO- http://web; echo rc=$?; sleep 60; wget -qO- http://web; echo rc=$?");
        Assert.Equal("start\nwget: bad address 'web'\nrc=1\n", logs);
        WebService();
        AwaitEndpoints(1);
        Run(TimeSpan.FromSeconds(60));
        string? text = null;
        AwaitAssert(() =>
        {
            Host.Tell(new ControlPlane.Nodes.ReadContainerLog("node-1", "default", "client", null), TestActor);
            text = ExpectMsg<ControlPlane.Nodes.ContainerLogReply>().Text;
            Assert.EndsWith("rc=0\n", text);
        });
        Assert.Equal("start\nwget: bad address 'web'\nrc=1\nhello from web\nrc=0\n", text);
        AwaitAssert(() => Assert.Equal("Succeeded", JsonTree.GetString(Ok(new GetObject(ResourceTypes.Pods, "default", "client")).ToJsonObject(), "status", "phase")));
    }

    [Fact]
    public void Service_variables_and_curl_exit_codes_follow_the_real_tools()
    {
        StartNetwork();
        RawPod("web-1", "node-1", Server("one"), new() { ["app"] = "web" });
        Run(TimeSpan.FromSeconds(2));
        WebService();
        AwaitEndpoints(1);
        var logs = ClientLogs("printenv WEB_SERVICE_HOST; printenv WEB_PORT_80_TCP; printenv WEB_SERVICE_PORT_HTTP; curl -s http://web; curl http://missing; echo rc=$?; curl -sS http://web:81; echo rc=$?; nc -zv web 80; echo rc=$?", image: "curlimages/curl:8.11.1");
        Assert.Equal(
            "10.96.0.50\ntcp://10.96.0.50:80\n80\none\ncurl: (6) Could not resolve host: missing\nrc=6\n" +
            "curl: (7) Failed to connect to web port 81 after 0 ms: Couldn't connect to server\nrc=7\nweb (10.96.0.50:80) open\nrc=0\n", logs);
    }

    [Fact]
    public void The_proxy_takes_turns_across_endpoints_keeps_client_ip_affinity_and_honours_local_traffic_policy()
    {
        StartNetwork(nodes: 2);
        RawPod("web-1", "node-1", Server("one"), new() { ["app"] = "web" });
        RawPod("web-2", "node-2", Server("two"), new() { ["app"] = "web" });
        Run(TimeSpan.FromSeconds(2));
        WebService();
        AwaitEndpoints(2);
        var network = ClusterNetwork.Get(Sys);
        var turns = Enumerable.Range(0, 4).Select(_ => network.Dial("10.96.0.50", 80, "10.244.1.9", "node-1")!.Value.PodName).ToList();
        Assert.Equal(2, turns.Distinct().Count());
        Assert.NotEqual(turns[0], turns[1]);

        var route = Zone.Routes[("10.96.0.50", 80)];
        var sticky = route with { ClientIpAffinity = true };
        var path = network.Node("node-1");
        var chosen = Enumerable.Range(0, 5).Select(_ => path.Choose(sticky, "10.244.1.9", external: false)!.Ip).Distinct().ToList();
        Assert.Single(chosen);

        // internalTrafficPolicy: Local — each node's proxy sends its pods' traffic to its own endpoints only.
        Ok(new UpdateObject(ServiceController.Services, WithPolicy(Get(ServiceController.Services, "default", "web"), "Local")));
        AwaitAssert(() =>
        {
            Run(TimeSpan.FromSeconds(1));
            Assert.True(Zone.Routes[("10.96.0.50", 80)].InternalLocal);
        });
        Assert.All(Enumerable.Range(0, 4), _ => Assert.Equal("web-1", network.Dial("10.96.0.50", 80, "10.244.1.9", "node-1")!.Value.PodName));
        Assert.All(Enumerable.Range(0, 4), _ => Assert.Equal("web-2", network.Dial("10.96.0.50", 80, "10.244.2.9", "node-2")!.Value.PodName));
        // A node without a local endpoint refuses.
        Ok(new DeleteObject(ResourceTypes.Pods, "default", "web-2", new DeleteOptions(0)));
        AwaitEndpoints(1);
        Assert.Null(network.Dial("10.96.0.50", 80, "10.244.2.9", "node-2"));
        Assert.Equal("web-1", network.Dial("10.96.0.50", 80, "10.244.1.9", "node-1")!.Value.PodName);
    }

    private static JsonObject WithPolicy(KubeObject service, string policy)
    {
        service.Document["spec"]!["internalTrafficPolicy"] = policy;
        return service.Document;
    }

    [Fact]
    public void Each_node_has_a_proxy_actor_that_programs_its_rules()
    {
        StartNetwork(nodes: 2);
        WebService();
        Run(TimeSpan.FromSeconds(1));
        var proxy = Sys.ActorSelection("/user/nodes/*/service-proxy");
        proxy.Tell(new GetServiceProxyRules(), TestActor);
        var rules = new[] { ExpectMsg<ServiceProxyRules>(), ExpectMsg<ServiceProxyRules>() };
        Assert.Equal(["node-1", "node-2"], rules.Select(r => r.Rules.NodeName).Order(StringComparer.Ordinal));
        Assert.All(rules, r => Assert.NotNull(r.Rules.At("10.96.0.50", 80)));
        Assert.All(rules, r => Assert.Same(Zone, r.Rules.Zone));
    }

    [Fact]
    public void Traffic_distribution_PreferClose_keeps_a_zone_s_traffic_in_its_zone_when_it_has_an_endpoint()
    {
        // Three nodes in zones -a, -b, -c; endpoints on the first two.
        StartNetwork(nodes: 3);
        RawPod("web-1", "node-1", Server("one"), new() { ["app"] = "web" });
        RawPod("web-2", "node-2", Server("two"), new() { ["app"] = "web" });
        Run(TimeSpan.FromSeconds(2));
        WebService(trafficDistribution: "PreferClose");
        AwaitEndpoints(2);

        // The EndpointSlice controller hints each ready endpoint for its own zone.
        Store.Tell(new ListObjects(ResourceTypes.Of("discovery.k8s.io", "endpointslices"), "default"), TestActor);
        var slice = new KubeObject(ExpectMsg<ListReply>().Items.Single().ToJsonObject());
        Assert.All(JsonTree.Objects(slice.Document["endpoints"] as JsonArray), e =>
            Assert.Equal(JsonTree.GetString(e, "zone"), JsonTree.GetString((JsonTree.GetArray(e, "hints", "forZones")!.Single() as JsonObject)!, "name")));

        // Each node with a hinted endpoint in its zone keeps the traffic there; node-3's zone has none, so it uses all.
        var network = ClusterNetwork.Get(Sys);
        List<string> Dialled(string node) => Enumerable.Range(0, 6).Select(_ => network.Dial("10.96.0.50", 80, "10.244.9.9", node)!.Value.PodName).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["web-1"], Dialled("node-1"));
        Assert.Equal(["web-2"], Dialled("node-2"));
        Assert.Equal(["web-1", "web-2"], Dialled("node-3"));
    }

    [Fact]
    public void Zone_hints_are_followed_only_when_every_ready_endpoint_has_one()
    {
        var hinted = new List<RouteEndpoint>
        {
            new("10.244.1.2", 5678, "node-1", ZoneHints: "zone-a"),
            new("10.244.2.2", 5678, "node-2", ZoneHints: "zone-b"),
            new("10.244.3.2", 5678, "node-3", Ready: false, Serving: true, Terminating: true),
        };
        Assert.Equal(["10.244.1.2"], EndpointCategories.Cluster(hinted, "zone-a").Select(e => e.Ip));
        Assert.Equal(["10.244.1.2", "10.244.2.2"], EndpointCategories.Cluster(hinted, "zone-c").Select(e => e.Ip));
        Assert.Equal(["10.244.1.2", "10.244.2.2"], EndpointCategories.Cluster(hinted).Select(e => e.Ip));
        // One ready endpoint without a hint: kube-proxy ignores the hints of all.
        var partly = hinted.Append(new RouteEndpoint("10.244.1.3", 5678, "node-1")).ToList();
        Assert.Equal(3, EndpointCategories.Cluster(partly, "zone-a").Count());
        var route = new ServiceRoute("default", "web", 80, "TCP", 0, hinted, false, false, false);
        var zone = ClusterDnsZone.Empty;
        Assert.Equal(["10.244.2.2"], new NodeServiceRules(zone, "node-2", "zone-b").Endpoints(route, external: false).Select(e => e.Ip));
    }

    [Fact]
    public void Terminating_endpoints_that_still_serve_take_traffic_only_when_none_is_ready()
    {
        var endpoints = new List<RouteEndpoint>
        {
            new("10.244.1.2", 5678, "node-1", Ready: false, Serving: true, Terminating: true),
            new("10.244.2.2", 5678, "node-2", Ready: false, Serving: true, Terminating: true),
        };
        var route = new ServiceRoute("default", "web", 80, "TCP", 0, endpoints, false, false, false);
        Assert.Equal(2, EndpointCategories.Cluster(endpoints).Count());
        var withReady = endpoints.Append(new RouteEndpoint("10.244.2.3", 5678, "node-2")).ToList();
        Assert.Equal(["10.244.2.3"], EndpointCategories.Cluster(withReady).Select(e => e.Ip));
        // Policy Local: node-1 has no ready endpoint, so its terminating one serves; node-2 uses its ready one.
        Assert.Equal(["10.244.1.2"], EndpointCategories.Local(withReady, "node-1").Select(e => e.Ip));
        Assert.Equal(["10.244.2.3"], EndpointCategories.Local(withReady, "node-2").Select(e => e.Ip));
        Assert.Empty(EndpointCategories.Local(withReady, "node-3"));
        Assert.Equal(2, new NodeServiceRules(ClusterDnsZone.Empty, "node-1").Endpoints(route, external: false).Count);
    }

    [Fact]
    public void Client_ip_affinity_holds_while_the_client_connects_within_its_timeout_and_is_balanced_afresh_after()
    {
        StartNetwork(nodes: 2);
        RawPod("web-1", "node-1", Server("one"), new() { ["app"] = "web" });
        RawPod("web-2", "node-2", Server("two"), new() { ["app"] = "web" });
        Run(TimeSpan.FromSeconds(2));
        WebService("ClientIP", affinityTimeout: 60);
        AwaitEndpoints(2);
        Assert.Equal(60, Zone.Routes[("10.96.0.50", 80)].AffinityTimeoutSeconds);
        var network = ClusterNetwork.Get(Sys);
        string Dial(string client) => network.Dial("10.96.0.50", 80, client, "node-1")!.Value.PodName;

        // Each connection within 60 s of the client's last one renews the entry (iptables' recent match).
        var first = Dial("10.244.1.9");
        Run(TimeSpan.FromSeconds(50));
        Assert.Equal(first, Dial("10.244.1.9"));
        Run(TimeSpan.FromSeconds(50));
        Assert.Equal(first, Dial("10.244.1.9"));

        // 61 s of silence: the entry has expired and the connection is balanced afresh (the next turn).
        Run(TimeSpan.FromSeconds(61));
        var after = Dial("10.244.1.9");
        Assert.NotEqual(first, after);
        Assert.Equal(after, Dial("10.244.1.9"));
    }

    [Fact]
    public void The_default_affinity_timeout_is_three_hours()
    {
        var endpoints = new List<RouteEndpoint> { new("10.244.1.2", 5678, "node-1"), new("10.244.2.2", 5678, "node-2") };
        var route = new ServiceRoute("default", "web", 80, "TCP", 0, endpoints, true, false, false);
        var table = new SessionAffinityTable();
        var start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("10.244.1.2", table.Choose(route, endpoints, "10.0.0.1", 0, start)!.Ip);
        Assert.Equal("10.244.1.2", table.Choose(route, endpoints, "10.0.0.1", 1, start.AddSeconds(10800))!.Ip);
        Assert.Equal("10.244.2.2", table.Choose(route, endpoints, "10.0.0.1", 1, start.AddSeconds(21601))!.Ip);

        // The endpoint gone: balanced afresh at once.
        Assert.Equal("10.244.1.2", table.Choose(route, [endpoints[0]], "10.0.0.1", 5, start.AddSeconds(21602))!.Ip);
    }

    [Fact]
    public void Resolv_conf_follows_the_dns_policy()
    {
        var pod = new KubeObject(new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "p", ["namespace"] = "shop" },
            ["spec"] = new JsonObject
            {
                ["dnsPolicy"] = "None",
                ["dnsConfig"] = new JsonObject
                {
                    ["nameservers"] = new JsonArray("1.2.3.4"),
                    ["searches"] = new JsonArray("ns1.svc.cluster-domain.example"),
                    ["options"] = new JsonArray(new JsonObject { ["name"] = "ndots", ["value"] = "2" }, new JsonObject { ["name"] = "edns0" }),
                },
            },
        });
        Assert.Equal("search ns1.svc.cluster-domain.example\nnameserver 1.2.3.4\noptions ndots:2 edns0\n", PodNetworkFiles.ResolvConf(pod, "172.18.0.1"));
        pod.Document["spec"]!["dnsPolicy"] = "ClusterFirst";
        Assert.Equal("search shop.svc.cluster.local svc.cluster.local cluster.local ns1.svc.cluster-domain.example\nnameserver 10.96.0.10\nnameserver 1.2.3.4\noptions ndots:2 edns0\n",
            PodNetworkFiles.ResolvConf(pod, "172.18.0.1"));
        pod.Document["spec"]!.AsObject().Remove("dnsConfig");
        pod.Document["spec"]!["dnsPolicy"] = "Default";
        Assert.Equal("nameserver 172.18.0.1\n", PodNetworkFiles.ResolvConf(pod, "172.18.0.1"));
    }
}
