using Emulator.Node.Network.Dns;

namespace Emulator.Node.Network;

/// <summary>
/// kube-proxy's choice of the endpoints a Service port's traffic may go to (<c>CategorizeEndpoints</c>, with
/// KEP-1669's terminating endpoints): under policy Cluster the ready endpoints of the whole cluster, or — when none is
/// ready — those still serving while they terminate; under policy Local the ready endpoints on the node, or — when the
/// node has none ready — its serving terminating ones. None left is a refused connection. Policy Cluster follows
/// topology hints (<c>topologyModeFromHints</c>): when every ready endpoint has a zone hint and one names the node's
/// zone, only the endpoints hinted for that zone are used.
/// </summary>
public static class EndpointCategories
{
    /// <summary>The endpoints for policy Cluster on a node in <paramref name="zone"/> (null: hints are not looked at).</summary>
    public static IEnumerable<RouteEndpoint> Cluster(IReadOnlyList<RouteEndpoint> endpoints, string? zone = null)
    {
        if (!endpoints.Any(e => e.Ready))
        {
            return endpoints.Where(e => e.Serving && e.Terminating);
        }
        return zone is not null && PreferSameZone(endpoints, zone)
            ? endpoints.Where(e => e.Ready && e.HintedFor(zone))
            : endpoints.Where(e => e.Ready);
    }

    /// <summary>True when the hints send a node in <paramref name="zone"/> to its own zone's endpoints.</summary>
    public static bool PreferSameZone(IReadOnlyList<RouteEndpoint> endpoints, string zone)
    {
        // One pass, stopping at the first ready endpoint without a hint (the usual, unhinted case: a connection's cost).
        var forZone = false;
        foreach (var endpoint in endpoints)
        {
            if (!endpoint.Ready)
            {
                continue;
            }
            if (!endpoint.HasZoneHints)
            {
                return false;
            }
            forZone = forZone || endpoint.HintedFor(zone);
        }
        return forZone;
    }

    /// <summary>The endpoints for policy Local on <paramref name="nodeName"/>.</summary>
    public static IEnumerable<RouteEndpoint> Local(IReadOnlyList<RouteEndpoint> endpoints, string nodeName)
    {
        var local = endpoints.Where(e => e.NodeName == nodeName).ToList();
        return local.Any(e => e.Ready) ? local.Where(e => e.Ready) : local.Where(e => e.Serving && e.Terminating);
    }
}
