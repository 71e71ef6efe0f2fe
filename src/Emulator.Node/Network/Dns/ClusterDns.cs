using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using ARSoft.Tools.Net.Dns;
using Emulator.ControlPlane.EndpointSlice;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Services;
using Emulator.ControlPlane.Store;

namespace Emulator.Node.Network.Dns;

/// <summary>
/// The cluster's current DNS zone, shared between the <see cref="ClusterDns"/> actor that builds it and the readers that
/// answer from it (the DNS server's socket loop, the emulated network tools in containers). Replaced whole, read lock-free.
/// </summary>
public sealed class ClusterDnsZoneHolder
{
    private volatile ClusterDnsZone _zone = ClusterDnsZone.Empty;

    /// <summary>The zone as last built.</summary>
    public ClusterDnsZone Current
    {
        get => _zone;
        internal set => _zone = value;
    }
}

/// <summary>Where the cluster DNS listens: an address and port, or 0 for a free port (chosen when it starts).</summary>
/// <param name="Address">The address to bind (loopback by default).</param>
/// <param name="Port">The UDP and TCP port; 0 picks one free for both.</param>
public sealed record ClusterDnsOptions(IPAddress Address, int Port);

/// <summary>Asks the cluster DNS where it listens; replies <see cref="ClusterDnsListening"/>.</summary>
public sealed record GetClusterDnsAddress;

/// <summary>The cluster DNS's endpoint (UDP and TCP), or null with the reason it could not bind.</summary>
public sealed record ClusterDnsListening(IPEndPoint? EndPoint, string? Error);

/// <summary>
/// The cluster DNS (CoreDNS's place in a cluster): follows Services and EndpointSlices through informers, rebuilds the
/// <see cref="ClusterDnsZone"/> after each batch of changes, and — when given <see cref="ClusterDnsOptions"/> — answers
/// real DNS queries over UDP and TCP with ARSoft.Tools.Net's server. Malformed packets are answered FORMERR or dropped by
/// the server loop; nothing a client sends reaches the actor.
/// </summary>
public sealed class ClusterDns : Controller
{
    private static readonly ObjectKey ZoneKey = new("cluster-dns", null, "zone");
    private static readonly ObjectKey KubeDnsKey = new(ServiceController.Services.Key, "kube-system", "kube-dns");
    private readonly ClusterDnsZoneHolder _holder;
    private readonly ClusterDnsOptions? _options;
    private readonly string _dnsServiceIp;
    private readonly bool _ensureService;
    private DnsServer? _server;
    private IPEndPoint? _endPoint;
    private string? _bindError;

    /// <summary>
    /// Creates the cluster DNS; it listens when <paramref name="options"/> is given, and with
    /// <paramref name="ensureService"/> creates the <c>kube-system/kube-dns</c> Service at <paramref name="dnsServiceIp"/>
    /// when it is missing (as kubeadm's CoreDNS add-on installs it).
    /// </summary>
    public ClusterDns(IActorRef store, IActorRef watchHub, ClusterDnsZoneHolder? holder = null, ClusterDnsOptions? options = null, string dnsServiceIp = "10.96.0.10", bool ensureService = false)
        : base(store, watchHub, [ServiceController.Services, EndpointSliceController.Slices])
    {
        _holder = holder ?? ClusterNetwork.Get(Context.System).Dns;
        _options = options;
        _dnsServiceIp = dnsServiceIp;
        _ensureService = ensureService;
    }

    /// <inheritdoc />
    protected override void OnSynced()
    {
        if (_ensureService)
        {
            Enqueue(KubeDnsKey);
        }
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        // The namespace may not exist yet at the first start: try again.
        if (reply.Error is { Reason: not "AlreadyExists" } && tag.Key == KubeDnsKey)
        {
            EnqueueAfter(KubeDnsKey, TimeSpan.FromSeconds(1));
        }
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        base.PreStart();
        if (_options is not null)
        {
            Listen(_options);
        }
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _server?.Stop();
        base.PostStop();
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after) => Enqueue(ZoneKey);

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (key == KubeDnsKey)
        {
            EnsureKubeDnsService();
            return;
        }
        var services = Cache(ServiceController.Services).All.Select(s => s.Object);
        var slices = Cache(EndpointSliceController.Slices).All.Select(s => s.Object);
        var zone = ClusterDnsZone.Build(services, slices, (uint)Now.ToUnixTimeSeconds(), _dnsServiceIp);
        _holder.Current = zone;
        // The nodes' proxies of this process program their rules from it.
        Context.System.EventStream.Publish(new ClusterZoneChanged(zone));
    }

    /// <summary>The <c>kube-dns</c> Service of a kubeadm cluster (CoreDNS keeps kube-dns's name and labels).</summary>
    private void EnsureKubeDnsService()
    {
        if (Cache(ServiceController.Services).Get("kube-system", "kube-dns") is not null)
        {
            return;
        }
        static JsonObject Port(string name, int port, string protocol) => new() { ["name"] = name, ["port"] = port, ["protocol"] = protocol, ["targetPort"] = port };
        CreateObject(KubeDnsKey, ServiceController.Services, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject
            {
                ["name"] = "kube-dns",
                ["namespace"] = "kube-system",
                ["labels"] = new JsonObject { ["k8s-app"] = "kube-dns", ["kubernetes.io/cluster-service"] = "true", ["kubernetes.io/name"] = "CoreDNS" },
                ["annotations"] = new JsonObject { ["prometheus.io/port"] = "9153", ["prometheus.io/scrape"] = "true" },
            },
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = _dnsServiceIp,
                ["ports"] = new JsonArray(Port("dns", 53, "UDP"), Port("dns-tcp", 53, "TCP"), Port("metrics", 9153, "TCP")),
                ["selector"] = new JsonObject { ["k8s-app"] = "kube-dns" },
                ["type"] = "ClusterIP",
            },
        });
    }

    /// <inheritdoc />
    protected override void OnOtherMessage(object message)
    {
        if (message is GetClusterDnsAddress)
        {
            Sender.Tell(new ClusterDnsListening(_endPoint, _bindError), Self);
        }
        else
        {
            Unhandled(message);
        }
    }

    private void Listen(ClusterDnsOptions options)
    {
        try
        {
            var port = options.Port == 0 ? FreePort(options.Address) : options.Port;
            var endPoint = new IPEndPoint(options.Address, port);
            var holder = _holder;
            var log = Log;
            _server = new DnsServer(new UdpServerTransport(endPoint), new TcpServerTransport(endPoint));
            _server.QueryReceived += (_, e) =>
            {
                if (e.Query is DnsMessage query)
                {
                    e.Response = DnsWire.Answer(query, holder.Current);
                }
                return Task.CompletedTask;
            };
            _server.ExceptionThrown += (_, e) =>
            {
                log.Debug("cluster DNS: {0}", e.Exception.Message);
                return Task.CompletedTask;
            };
            _server.Start();
            _endPoint = endPoint;
        }
        catch (SocketException error)
        {
            _bindError = $"cannot listen on {options.Address}:{options.Port}: {error.Message}";
            Log.Error("cluster DNS: {0}", _bindError);
        }
    }

    /// <summary>A port free for both UDP and TCP on <paramref name="address"/> (the DNS serves both on one port).</summary>
    private static int FreePort(IPAddress address)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(address, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                using var tcp = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(address, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }
    }
}
