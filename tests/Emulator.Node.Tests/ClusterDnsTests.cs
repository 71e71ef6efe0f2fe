using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Akka.Actor;
using DnsClient;
using DnsClient.Protocol;
using Emulator.ControlPlane.EndpointSlice;
using Emulator.ControlPlane.Services;
using Emulator.ControlPlane.Store;
using Emulator.Node.Network.Dns;

namespace Emulator.Node.Tests;

public sealed class ClusterDnsTests : NodeTestKit
{
    private readonly ClusterDnsZoneHolder _zone = new();

    private void Service(string name, string clusterIp, string? type = null, string? externalName = null, params (string Name, int Port)[] ports)
    {
        var spec = new JsonObject
        {
            ["clusterIP"] = clusterIp,
            ["ports"] = new JsonArray(ports.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["port"] = p.Port, ["protocol"] = "TCP" }).ToArray()),
        };
        if (clusterIp != "None")
        {
            spec["clusterIPs"] = new JsonArray(clusterIp);
        }
        if (type is not null)
        {
            spec["type"] = type;
            spec.Remove("clusterIP");
            spec.Remove("clusterIPs");
            spec["externalName"] = externalName;
        }
        Ok(new CreateObject(ServiceController.Services, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
            ["spec"] = spec,
        }));
    }

    private void Slice(string service, params (string Ip, string? Hostname, bool Ready)[] endpoints)
    {
        Ok(new CreateObject(EndpointSliceController.Slices, new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject
            {
                ["name"] = service + "-abcde",
                ["namespace"] = "default",
                ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = service },
            },
            ["addressType"] = "IPv4",
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "peer", ["port"] = 2380, ["protocol"] = "TCP" }),
            ["endpoints"] = new JsonArray(endpoints.Select(e =>
            {
                var endpoint = new JsonObject { ["addresses"] = new JsonArray(e.Ip), ["conditions"] = new JsonObject { ["ready"] = e.Ready } };
                if (e.Hostname is not null)
                {
                    endpoint["hostname"] = e.Hostname;
                }
                return (JsonNode)endpoint;
            }).ToArray()),
        }));
    }

    private IPEndPoint StartDns()
    {
        var dns = Sys.ActorOf(Props.Create(() => new ClusterDns(Store, Hub, _zone, new ClusterDnsOptions(IPAddress.Loopback, 0), "10.96.0.10")), "cluster-dns");
        RunUntilIdleIfDeterministic();
        dns.Tell(new GetClusterDnsAddress(), TestActor);
        var listening = ExpectMsg<ClusterDnsListening>();
        Assert.Null(listening.Error);
        return listening.EndPoint!;
    }

    private void CreateRecords()
    {
        Service("web", "10.96.12.34", null, null, ("http", 80), ("", 8443));
        Service("db", "None", null, null, ("peer", 2380));
        Slice("db", ("10.244.1.5", "db-0", true), ("10.244.2.7", "db-1", true), ("10.244.3.9", null, false));
        Service("search", "", "ExternalName", "search.example.com");
    }

    private static LookupClient Client(IPEndPoint server, bool tcp) => new(new LookupClientOptions(new NameServer(server))
    {
        UseCache = false,
        UseTcpOnly = tcp,
        Retries = 0,
        Timeout = TimeSpan.FromSeconds(5),
        ThrowDnsErrors = false,
        ContinueOnDnsError = false,
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Answers_a_cluster_ip_service_srv_ptr_and_nxdomain_over_udp_and_tcp(bool tcp)
    {
        CreateRecords();
        var server = StartDns();
        AwaitAssert(() => Assert.True(_zone.Current.NameCount > 5));
        var client = Client(server, tcp);

        var a = client.Query("web.default.svc.cluster.local", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NoError, a.Header.ResponseCode);
        Assert.True(a.Header.HasAuthorityAnswer);
        var record = Assert.Single(a.Answers.ARecords());
        Assert.Equal(IPAddress.Parse("10.96.12.34"), record.Address);
        Assert.Equal(30, record.InitialTimeToLive);

        var srv = client.Query("_http._tcp.web.default.svc.cluster.local", QueryType.SRV);
        var service = Assert.Single(srv.Answers.SrvRecords());
        Assert.Equal((0, 100, 80, "web.default.svc.cluster.local."), (service.Priority, service.Weight, service.Port, service.Target.Value));
        Assert.Contains(srv.Additionals.ARecords(), r => r.Address.Equals(IPAddress.Parse("10.96.12.34")));

        var ptr = client.QueryReverse(IPAddress.Parse("10.96.12.34"));
        Assert.Equal("web.default.svc.cluster.local.", Assert.Single(ptr.Answers.PtrRecords()).PtrDomainName.Value);

        var missing = client.Query("nothing.default.svc.cluster.local", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, missing.Header.ResponseCode);
        Assert.Equal("cluster.local.", Assert.Single(missing.Authorities.SoaRecords()).DomainName.Value);

        var noData = client.Query("web.default.svc.cluster.local", QueryType.AAAA);
        Assert.Equal(DnsHeaderResponseCode.NoError, noData.Header.ResponseCode);
        Assert.Empty(noData.Answers);
        Assert.Single(noData.Authorities.SoaRecords());
    }

    [Fact]
    public void Answers_headless_endpoints_statefulset_hostnames_external_names_and_pod_records()
    {
        CreateRecords();
        var server = StartDns();
        AwaitAssert(() => Assert.True(_zone.Current.NameCount > 5));
        var client = Client(server, tcp: false);

        var headless = client.Query("db.default.svc.cluster.local", QueryType.A).Answers.ARecords().Select(r => r.Address.ToString()).Order().ToList();
        Assert.Equal(["10.244.1.5", "10.244.2.7"], headless);
        Assert.Equal("10.244.2.7", Assert.Single(client.Query("db-1.db.default.svc.cluster.local", QueryType.A).Answers.ARecords()).Address.ToString());
        var srv = client.Query("_peer._tcp.db.default.svc.cluster.local", QueryType.SRV).Answers.SrvRecords().OrderBy(r => r.Target.Value).ToList();
        Assert.Equal(["db-0.db.default.svc.cluster.local.", "db-1.db.default.svc.cluster.local."], srv.Select(r => r.Target.Value));
        Assert.All(srv, r => Assert.Equal((2380, 50), (r.Port, r.Weight)));
        Assert.Equal("db-0.db.default.svc.cluster.local.", Assert.Single(client.QueryReverse(IPAddress.Parse("10.244.1.5")).Answers.PtrRecords()).PtrDomainName.Value);

        var alias = client.Query("search.default.svc.cluster.local", QueryType.A);
        Assert.Equal("search.example.com.", Assert.Single(alias.Answers.CnameRecords()).CanonicalName.Value);

        Assert.Equal("10.244.1.5", Assert.Single(client.Query("10-244-1-5.default.pod.cluster.local", QueryType.A).Answers.ARecords()).Address.ToString());
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, client.Query("10-244-1.default.pod.cluster.local", QueryType.A).Header.ResponseCode);
        // A namespace is an empty non-terminal: NOERROR without records.
        Assert.Equal(DnsHeaderResponseCode.NoError, client.Query("default.svc.cluster.local", QueryType.A).Header.ResponseCode);
        // Names outside the cluster domain have no upstream here.
        Assert.Equal(DnsHeaderResponseCode.ServerFailure, client.Query("example.com", QueryType.A).Header.ResponseCode);
    }

    [Fact]
    public void Follows_services_as_they_change()
    {
        var server = StartDns();
        var client = Client(server, tcp: false);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, client.Query("late.default.svc.cluster.local", QueryType.A).Header.ResponseCode);
        Service("late", "10.96.0.77", null, null, ("http", 80));
        AwaitAssert(() => Assert.Equal(Network.Dns.DnsResponseCode.NoError, _zone.Current.Resolve("late.default.svc.cluster.local", DnsRecordType.A).Code));
        Assert.Equal("10.96.0.77", Assert.Single(client.Query("late.default.svc.cluster.local", QueryType.A).Answers.ARecords()).Address.ToString());
        Ok(new DeleteObject(ServiceController.Services, "default", "late", new DeleteOptions(0, null)));
        AwaitAssert(() => Assert.Equal(Network.Dns.DnsResponseCode.NxDomain, _zone.Current.Resolve("late.default.svc.cluster.local", DnsRecordType.A).Code));
    }

    [Fact]
    public void Malformed_packets_never_stop_the_server()
    {
        CreateRecords();
        var server = StartDns();
        AwaitAssert(() => Assert.True(_zone.Current.NameCount > 5));
        using (var udp = new UdpClient())
        {
            udp.Send([0x12, 0x34, 0x01], 3, server);
            udp.Send([0x12, 0x34, 0x01, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF], 15, server);
            udp.Send(new byte[600], 600, server);
        }
        using (var tcp = new TcpClient())
        {
            tcp.Connect(server);
            tcp.GetStream().Write([0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF]);
        }
        var client = Client(server, tcp: false);
        Assert.Single(client.Query("web.default.svc.cluster.local", QueryType.A).Answers.ARecords());
        Assert.Single(Client(server, tcp: true).Query("web.default.svc.cluster.local", QueryType.A).Answers.ARecords());
    }
}
