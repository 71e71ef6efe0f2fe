using Emulator.Node.Network.Dns;

namespace Emulator.Node.Network;

/// <summary>
/// kube-proxy's choice of the endpoints a Service port's traffic may go to (<c>CategorizeEndpoints</c>, with
/// KEP-1669's terminating endpoints): under policy Cluster the ready endpoints of the whole cluster, or — when none is
/// ready — those still serving while they terminate; under policy Local the ready endpoints on the node, or — when the
/// node has none ready — its serving terminating ones. None left is a refused connection.
/// </summary>
public static class EndpointCategories
{
    /// <summary>The endpoints for policy Cluster.</summary>
    public static IEnumerable<RouteEndpoint> Cluster(IReadOnlyList<RouteEndpoint> endpoints) =>
        endpoints.Any(e => e.Ready) ? endpoints.Where(e => e.Ready) : endpoints.Where(e => e.Serving && e.Terminating);

    /// <summary>The endpoints for policy Local on <paramref name="nodeName"/>.</summary>
    public static IEnumerable<RouteEndpoint> Local(IReadOnlyList<RouteEndpoint> endpoints, string nodeName)
    {
        var local = endpoints.Where(e => e.NodeName == nodeName).ToList();
        return local.Any(e => e.Ready) ? local.Where(e => e.Ready) : local.Where(e => e.Serving && e.Terminating);
    }
}
