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
        var local = external ? route.ExternalLocal : route.InternalLocal;
        var candidates = local ? route.Endpoints.Where(e => e.NodeName == clientNode).ToList() : route.Endpoints;
        if (candidates.Count == 0)
        {
            return null;
        }
        var index = route.ClientIpAffinity ? StableHash(clientIp) % candidates.Count : turn % candidates.Count;
        return candidates[(int)index];
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
