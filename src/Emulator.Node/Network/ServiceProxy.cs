using System.Collections.Concurrent;
using Emulator.Node.Network.Dns;

namespace Emulator.Node.Network;

/// <summary>
/// kube-proxy's choice of an endpoint for one connection to a Service port: the ready endpoints, only those on the
/// client's node under traffic policy Local (<c>internalTrafficPolicy</c> for cluster traffic,
/// <c>externalTrafficPolicy</c> for node ports and external addresses); none left is a refused connection. With
/// <c>sessionAffinity: ClientIP</c> a client always lands on the same endpoint while the set is unchanged; otherwise
/// connections take turns (kube-proxy's iptables mode picks at random; turns keep the emulation deterministic).
/// </summary>
public static class ServiceProxy
{
    /// <summary>The endpoint for a connection, or null when none may take it.</summary>
    public static RouteEndpoint? Choose(ServiceRoute route, string clientIp, string clientNode, bool external, int turn)
    {
        var candidates = Candidates(route, clientNode, external);
        if (candidates.Count == 0)
        {
            return null;
        }
        var index = route.ClientIpAffinity ? StableHash(clientIp) % (uint)candidates.Count : (uint)turn % (uint)candidates.Count;
        return candidates[(int)index];
    }

    /// <summary>The endpoints a connection from <paramref name="clientNode"/> may take.</summary>
    internal static IReadOnlyList<RouteEndpoint> Candidates(ServiceRoute route, string clientNode, bool external)
    {
        var local = external ? route.ExternalLocal : route.InternalLocal;
        return local ? route.Endpoints.Where(e => e.NodeName == clientNode).ToList() : route.Endpoints;
    }

    private static uint StableHash(string text)
    {
        // FNV-1a: the same client maps to the same endpoint in every process (string.GetHashCode is randomized).
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }
}

/// <summary>
/// kube-proxy's ClientIP session affinity with its timeout, on the emulated clock: the iptables <c>recent</c> match of
/// each Service port remembers, per client address, the endpoint it was sent to and when; a connection within
/// <c>sessionAffinityConfig.clientIP.timeoutSeconds</c> of the client's last one goes to the same endpoint (and renews
/// the entry), a later one, or one whose endpoint is gone, is balanced afresh.
/// </summary>
public sealed class SessionAffinityTable
{
    private readonly ConcurrentDictionary<(string Namespace, string Name, int Port, string Protocol, string ClientIp), (RouteEndpoint Endpoint, DateTimeOffset LastSeen)> _entries = new();

    /// <summary>The endpoint for a connection at <paramref name="now"/>, or null when none may take it.</summary>
    public RouteEndpoint? Choose(ServiceRoute route, string clientIp, string clientNode, bool external, int turn, DateTimeOffset now)
    {
        if (!route.ClientIpAffinity)
        {
            return ServiceProxy.Choose(route, clientIp, clientNode, external, turn);
        }
        var candidates = ServiceProxy.Candidates(route, clientNode, external);
        var key = (route.Namespace, route.Name, route.Port, route.Protocol, clientIp);
        if (candidates.Count == 0)
        {
            _entries.TryRemove(key, out _);
            return null;
        }
        var chosen = _entries.TryGetValue(key, out var entry) && now - entry.LastSeen <= TimeSpan.FromSeconds(route.AffinityTimeoutSeconds) && candidates.Contains(entry.Endpoint)
            ? entry.Endpoint
            : candidates[(int)((uint)turn % (uint)candidates.Count)];
        _entries[key] = (chosen, now);
        return chosen;
    }
}
