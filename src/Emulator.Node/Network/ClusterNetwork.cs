using System.Collections.Concurrent;
using Akka.Actor;
using Emulator.Node.Containers.Network;
using Emulator.Node.Network.Dns;
using Emulator.Runtime.Time;

namespace Emulator.Node.Network;

/// <summary>The servers listening in one pod's network namespace, by port.</summary>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Name">The pod's name.</param>
/// <param name="NodeName">The pod's node.</param>
/// <param name="Servers">The listening servers by TCP port.</param>
public sealed record PodListeners(string Namespace, string Name, string NodeName, IReadOnlyDictionary<int, EmulatedServer> Servers);

/// <summary>
/// The emulated cluster network of one actor system: the DNS zone the <see cref="ClusterDns"/> actor keeps current and
/// the servers each running pod listens with (kept by the pod workers), read by the emulated network tools in containers
/// (name resolution, connections through the service proxy) and the kubelets (Service environment variables). One per
/// system, so tests on separate systems do not share it.
/// </summary>
public sealed class ClusterNetwork : IExtension
{
    /// <summary>The cluster DNS service's address (kubeadm's <c>clusterDNS</c>, the <c>kube-dns</c> Service).</summary>
    public const string DnsServiceIp = "10.96.0.10";

    private readonly ConcurrentDictionary<string, PodListeners> _listeners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, int), int> _roundRobin = new();
    private readonly IEmulatedClock _clock;

    /// <summary>Creates the network of a system whose emulated clock times session affinity.</summary>
    public ClusterNetwork(IEmulatedClock clock) => _clock = clock;

    /// <summary>The cluster's DNS zone (and kube-proxy's view of the Services), as last built.</summary>
    public ClusterDnsZoneHolder Dns { get; } = new();

    /// <summary>kube-proxy's ClientIP affinity entries, shared by the pods' connections and the node port listeners.</summary>
    public SessionAffinityTable Affinity { get; } = new();

    /// <summary>The network of <paramref name="system"/>.</summary>
    public static ClusterNetwork Get(ActorSystem system) => system.WithExtension<ClusterNetwork, ClusterNetworkProvider>();

    /// <summary>Records what listens at a pod address (an empty set when nothing does any more).</summary>
    public void SetListeners(string podIp, PodListeners? listeners)
    {
        if (listeners is null || listeners.Servers.Count == 0)
        {
            _listeners.TryRemove(podIp, out _);
        }
        else
        {
            _listeners[podIp] = listeners;
        }
    }

    /// <summary>Forgets what a stopped pod listened with (unless the address already belongs to a newer pod).</summary>
    public void RemoveListeners(string podIp, PodListeners published) => _listeners.TryRemove(KeyValuePair.Create(podIp, published));

    /// <summary>What listens at a pod address, or null.</summary>
    public PodListeners? ListenersAt(string podIp) => _listeners.GetValueOrDefault(podIp);

    /// <summary>
    /// Where a TCP connection from a pod at <paramref name="clientIp"/> on <paramref name="clientNode"/> to
    /// <paramref name="ip"/>:<paramref name="port"/> lands, as the node's kube-proxy routes it: a Service address goes to
    /// one ready endpoint (<see cref="ServiceProxy"/>), any other address is taken as a pod's. Null: nothing answers
    /// (connection refused).
    /// </summary>
    public (string Ip, int Port, EmulatedServer Server, string PodName)? Dial(string ip, int port, string clientIp, string clientNode)
    {
        var zone = Dns.Current;
        if (zone.Routes.TryGetValue((ip, port), out var route))
        {
            var turn = _roundRobin.AddOrUpdate((ip, port), 0, (_, n) => n + 1);
            if (Affinity.Choose(route, clientIp, clientNode, external: false, turn, _clock.UtcNow) is not { } endpoint)
            {
                return null;
            }
            (ip, port) = (endpoint.Ip, endpoint.Port);
        }
        return ListenersAt(ip) is { } pod && pod.Servers.TryGetValue(port, out var server) ? (ip, port, server, pod.Name) : null;
    }
}

/// <summary>Creates the <see cref="ClusterNetwork"/> extension.</summary>
public sealed class ClusterNetworkProvider : ExtensionIdProvider<ClusterNetwork>
{
    /// <inheritdoc />
    public override ClusterNetwork CreateExtension(ExtendedActorSystem system) => new(system.EmulatedClock());
}
