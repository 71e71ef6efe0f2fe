using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.ServiceCidr;
using Emulator.Node.Containers.Network;
using Emulator.Node.Network.Dns;
using Emulator.Runtime;
using Emulator.Runtime.Time;

namespace Emulator.Node.Network;

/// <summary>The servers listening in one pod's network namespace, by port.</summary>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Name">The pod's name.</param>
/// <param name="NodeName">The pod's node.</param>
/// <param name="Servers">The listening servers by TCP port.</param>
public sealed record PodListeners(string Namespace, string Name, string NodeName, IReadOnlyDictionary<int, EmulatedServer> Servers)
{
    /// <summary>
    /// The listeners of a pod whose containers' servers are <paramref name="servers"/>, in container order: a port two
    /// containers claim goes to the first (the second's bind would fail).
    /// </summary>
    public static PodListeners Of(string @namespace, string name, string nodeName, IEnumerable<EmulatedServer> servers)
    {
        var byPort = new Dictionary<int, EmulatedServer>();
        foreach (var server in servers)
        {
            foreach (var port in server.Ports)
            {
                byPort.TryAdd(port, server);
            }
        }
        return new PodListeners(@namespace, name, nodeName, byPort);
    }

    /// <summary>The distinct servers, in the order they claimed their ports.</summary>
    public IEnumerable<EmulatedServer> DistinctServers => Servers.Values.Distinct();
}

/// <summary>
/// Published on the system's event stream when what listens at a pod address of this process changes (read
/// <see cref="ClusterNetwork.LocalListenersAt"/> for the current value: changes of one address may be published from
/// two pod workers, the old pod's and the new one's).
/// </summary>
/// <param name="PodIp">The pod address.</param>
public sealed record PodListenersChanged(string PodIp);

/// <summary>
/// The emulated cluster network of one actor system: the DNS zone the <see cref="ClusterDns"/> actor keeps current and
/// the servers each running pod listens with (kept by the pod workers of this process, and announced by the other
/// processes of a cluster for theirs), read by the emulated network tools in containers
/// (name resolution, connections through the service proxy) and the kubelets (Service environment variables). One per
/// system, so tests on separate systems do not share it.
/// </summary>
public sealed class ClusterNetwork : IExtension
{
    /// <summary>The cluster DNS service's address with the default service range.</summary>
    public const string DefaultDnsServiceIp = "10.96.0.10";

    private readonly ConcurrentDictionary<string, PodListeners> _listeners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Member, PodListeners Listeners)> _remote = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NodeDataPath> _nodes = new(StringComparer.Ordinal);
    private readonly IEmulatedClock _clock;
    private readonly EventStream? _events;

    /// <summary>
    /// Creates the network of a system whose emulated clock times session affinity; changes of this process's
    /// listeners are published on <paramref name="events"/>.
    /// </summary>
    public ClusterNetwork(IEmulatedClock clock, EventStream? events = null, string dnsServiceIp = DefaultDnsServiceIp)
    {
        _clock = clock;
        _events = events;
        DnsServiceIp = dnsServiceIp;
    }

    /// <summary>
    /// The cluster DNS service's address (kubeadm's <c>clusterDNS</c>, the <c>kube-dns</c> Service): the tenth address of
    /// the service range.
    /// </summary>
    public string DnsServiceIp { get; }

    /// <summary>The cluster's DNS zone (and kube-proxy's view of the Services), as last built.</summary>
    public ClusterDnsZoneHolder Dns { get; } = new();

    /// <summary>The Service packet path of <paramref name="nodeName"/> (programmed by its <see cref="ServiceProxy"/>).</summary>
    public NodeDataPath Node(string nodeName) => _nodes.GetOrAdd(nodeName, name => new NodeDataPath(name, _clock));

    /// <summary>The network of <paramref name="system"/>.</summary>
    public static ClusterNetwork Get(ActorSystem system) => system.WithExtension<ClusterNetwork, ClusterNetworkProvider>();

    /// <summary>Records what listens at a pod address (an empty set when nothing does any more).</summary>
    public void SetListeners(string podIp, PodListeners? listeners)
    {
        if (listeners is null || listeners.Servers.Count == 0)
        {
            if (_listeners.TryRemove(podIp, out _))
            {
                _events?.Publish(new PodListenersChanged(podIp));
            }
        }
        else
        {
            _listeners[podIp] = listeners;
            _events?.Publish(new PodListenersChanged(podIp));
        }
    }

    /// <summary>Forgets what a stopped pod listened with (unless the address already belongs to a newer pod).</summary>
    public void RemoveListeners(string podIp, PodListeners published)
    {
        if (_listeners.TryRemove(KeyValuePair.Create(podIp, published)))
        {
            _events?.Publish(new PodListenersChanged(podIp));
        }
    }

    /// <summary>What listens at a pod address of this process, or null.</summary>
    public PodListeners? LocalListenersAt(string podIp) => _listeners.GetValueOrDefault(podIp);

    /// <summary>Every pod address of this process that something listens at, with its listeners.</summary>
    public IReadOnlyList<KeyValuePair<string, PodListeners>> LocalListeners => [.. _listeners];

    /// <summary>
    /// Records what another process (<paramref name="member"/>) announced listening at one of its pod addresses (null:
    /// nothing any more).
    /// </summary>
    public void SetRemoteListeners(string member, string podIp, PodListeners? listeners)
    {
        if (listeners is null || listeners.Servers.Count == 0)
        {
            // Only the announcer's own entry: the address may have moved to a pod of another member since.
            if (_remote.TryGetValue(podIp, out var entry) && entry.Member == member)
            {
                _remote.TryRemove(KeyValuePair.Create(podIp, entry));
            }
        }
        else
        {
            _remote[podIp] = (member, listeners);
        }
    }

    /// <summary>
    /// Replaces everything <paramref name="member"/> announced with its whole table: the table's addresses are set
    /// before the others go, so an address in both never disappears for a moment (a connection to it meanwhile would
    /// be refused).
    /// </summary>
    public void ReplaceRemoteListeners(string member, IReadOnlyCollection<(string PodIp, PodListeners? Listeners)> table)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (podIp, listeners) in table)
        {
            SetRemoteListeners(member, podIp, listeners);
            if (listeners is { Servers.Count: > 0 })
            {
                kept.Add(podIp);
            }
        }
        foreach (var entry in _remote.Where(e => e.Value.Member == member && !kept.Contains(e.Key)).ToList())
        {
            _remote.TryRemove(entry);
        }
    }

    /// <summary>Forgets everything <paramref name="member"/> announced (it left the cluster).</summary>
    public void ForgetRemoteListeners(string member) => ReplaceRemoteListeners(member, []);

    /// <summary>What listens at a pod address, in this process or as another process announced it, or null.</summary>
    public PodListeners? ListenersAt(string podIp) =>
        _listeners.GetValueOrDefault(podIp) ?? (_remote.TryGetValue(podIp, out var remote) ? remote.Listeners : null);

    /// <summary>
    /// Where a TCP connection from a pod at <paramref name="clientIp"/> on <paramref name="clientNode"/> to
    /// <paramref name="ip"/>:<paramref name="port"/> lands: a Service address goes to one endpoint as the rules of the
    /// client's node say (<see cref="NodeDataPath"/>), any other address is taken as a pod's. Null: nothing answers
    /// (connection refused).
    /// </summary>
    public (string Ip, int Port, EmulatedServer Server, string PodName)? Dial(string ip, int port, string clientIp, string clientNode)
    {
        var path = Node(clientNode);
        if (path.Rules.At(ip, port) is { } route)
        {
            if (path.Choose(route, clientIp, external: false) is not { } endpoint)
            {
                return null;
            }
            (ip, port) = (endpoint.Ip, endpoint.Port);
        }
        return ListenersAt(ip) is { } pod && pod.Servers.TryGetValue(port, out var server) ? (ip, port, server, pod.Name) : null;
    }

    /// <summary>
    /// Where a connection to node port <paramref name="nodePort"/> of <paramref name="nodeName"/> lands (traffic
    /// policy External), or null when nothing answers.
    /// </summary>
    public (EmulatedServer Server, int Port)? DialNodePort(string nodeName, int nodePort, string clientIp)
    {
        var path = Node(nodeName);
        return Land(path, path.Rules.AtNodePort(nodePort), clientIp);
    }

    /// <summary>
    /// Where a connection from outside the cluster to a Service's external or load-balancer address
    /// <paramref name="ip"/>:<paramref name="port"/> lands when it enters at <paramref name="nodeName"/> (traffic policy
    /// External), or null when nothing answers.
    /// </summary>
    public (EmulatedServer Server, int Port)? DialExternal(string nodeName, string ip, int port, string clientIp)
    {
        var path = Node(nodeName);
        return Land(path, path.Rules.At(ip, port), clientIp);
    }

    private (EmulatedServer Server, int Port)? Land(NodeDataPath path, ServiceRoute? route, string clientIp) =>
        route is not null && path.Choose(route, clientIp, external: true) is { } endpoint
            && ListenersAt(endpoint.Ip) is { } pod && pod.Servers.TryGetValue(endpoint.Port, out var server)
            ? (server, endpoint.Port)
            : null;
}

/// <summary>Creates the <see cref="ClusterNetwork"/> extension.</summary>
public sealed class ClusterNetworkProvider : ExtensionIdProvider<ClusterNetwork>
{
    /// <inheritdoc />
    public override ClusterNetwork CreateExtension(ExtendedActorSystem system) => new(system.EmulatedClock(), system.EventStream,
        ServiceCidrSettings.From(system.Settings.Config.WithFallback(RuntimeConfig.Defaults)).DnsServiceIp);
}
