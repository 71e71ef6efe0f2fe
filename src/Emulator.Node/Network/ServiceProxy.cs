using System.Collections.Concurrent;
using Akka.Actor;
using Emulator.Node.Network.Dns;
using Emulator.Runtime.Actors;

namespace Emulator.Node.Network;

/// <summary>The cluster's Services and EndpointSlices changed: the zone (and kube-proxy's view) was rebuilt.</summary>
/// <param name="Zone">The new zone.</param>
public sealed record ClusterZoneChanged(ClusterDnsZone Zone);

/// <summary>Asks a node's proxy for its rules; replies <see cref="ServiceProxyRules"/>.</summary>
public sealed record GetServiceProxyRules;

/// <summary>The rules a node's proxy has programmed, and how many times it has synced.</summary>
/// <param name="Rules">The rules.</param>
/// <param name="Syncs">The syncs so far.</param>
public sealed record ServiceProxyRules(NodeServiceRules Rules, int Syncs);

/// <summary>
/// kube-proxy on one emulated node: follows the process's view of the cluster's Services and EndpointSlices (one
/// decoded snapshot per process, announced as <see cref="ClusterZoneChanged"/>) and programs its node's
/// <see cref="NodeDataPath"/> with the rules for that node — ClusterIP, NodePort, external IP and load-balancer ports
/// over the endpoints each traffic policy allows there. Connections from the node's pods, and to its node ports, go
/// through those rules; a node whose proxy has not synced routes no Service address.
/// </summary>
public sealed class ServiceProxy : EmulatedActor
{
    private readonly string _nodeName;
    private readonly string? _zone;
    private readonly NodeDataPath _path;
    private int _syncs;

    /// <summary>Creates the proxy of <paramref name="nodeName"/>, a node of <paramref name="zone"/> (whose hinted endpoints it prefers).</summary>
    public ServiceProxy(string nodeName, string? zone = null)
    {
        _nodeName = nodeName;
        _zone = zone;
        _path = ClusterNetwork.Get(Context.System).Node(nodeName);
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(ClusterZoneChanged));
        Sync(ClusterNetwork.Get(Context.System).Dns.Current);
    }

    /// <inheritdoc />
    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ClusterZoneChanged changed:
                Sync(changed.Zone);
                break;
            case GetServiceProxyRules:
                Sender.Tell(new ServiceProxyRules(_path.Rules, _syncs), Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Sync(ClusterDnsZone zone)
    {
        // A zone older than the rules in force (an announcement overtaken by a later one) changes nothing.
        if (ReferenceEquals(zone, _path.Rules.Zone) || zone.Version < _path.Rules.Zone.Version)
        {
            return;
        }
        _path.Rules = new NodeServiceRules(zone, _nodeName, _zone);
        _syncs++;
    }
}

/// <summary>
/// kube-proxy's ClientIP session affinity with its timeout, on the emulated clock: the iptables <c>recent</c> match of
/// each Service port remembers, per client address, the endpoint it was sent to and when; a connection within
/// <c>sessionAffinityConfig.clientIP.timeoutSeconds</c> of the client's last one goes to the same endpoint (and renews
/// the entry), a later one, or one whose endpoint is gone, is balanced afresh. Without affinity connections take turns.
/// </summary>
public sealed class SessionAffinityTable
{
    private readonly ConcurrentDictionary<(string Namespace, string Name, int Port, string Protocol, string ClientIp), (RouteEndpoint Endpoint, DateTimeOffset LastSeen)> _entries = new();

    /// <summary>The endpoint among <paramref name="candidates"/> for a connection at <paramref name="now"/>, or null when there is none.</summary>
    public RouteEndpoint? Choose(ServiceRoute route, IReadOnlyList<RouteEndpoint> candidates, string clientIp, int turn, DateTimeOffset now)
    {
        var key = (route.Namespace, route.Name, route.Port, route.Protocol, clientIp);
        if (candidates.Count == 0)
        {
            _entries.TryRemove(key, out _);
            return null;
        }
        if (!route.ClientIpAffinity)
        {
            return candidates[(int)((uint)turn % (uint)candidates.Count)];
        }
        var chosen = _entries.TryGetValue(key, out var entry) && now - entry.LastSeen <= TimeSpan.FromSeconds(route.AffinityTimeoutSeconds) && candidates.Contains(entry.Endpoint)
            ? entry.Endpoint
            : candidates[(int)((uint)turn % (uint)candidates.Count)];
        _entries[key] = (chosen, now);
        return chosen;
    }
}
