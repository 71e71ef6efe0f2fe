using Emulator.Node.Network.Dns;

namespace Emulator.Node.Network;

/// <summary>
/// The Service rules kube-proxy programs on one node (its iptables chains): for each Service port at each address it
/// is reached at, the endpoints this node's traffic may go to — under <c>internalTrafficPolicy</c> for traffic from
/// pods to a cluster IP, under <c>externalTrafficPolicy</c> for node ports, external IPs and load-balancer addresses.
/// Immutable: the node's <see cref="ServiceProxy"/> replaces them whole after each change of the cluster's Services and
/// EndpointSlices. Policy Cluster lists are the zone's (the same on every node); only Local ones are the node's own.
/// </summary>
public sealed class NodeServiceRules
{
    private readonly Dictionary<ServiceRoute, IReadOnlyList<RouteEndpoint>> _local = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<ServiceRoute, IReadOnlyList<RouteEndpoint>> _sameZone = new(ReferenceEqualityComparer.Instance);

    /// <summary>Builds the rules of <paramref name="nodeName"/> (in <paramref name="nodeZone"/>, its <c>topology.kubernetes.io/zone</c>) from <paramref name="zone"/>.</summary>
    public NodeServiceRules(ClusterDnsZone zone, string nodeName, string? nodeZone = null)
    {
        Zone = zone;
        NodeName = nodeName;
        NodeZone = nodeZone;
        foreach (var route in zone.Routes.Values.Concat(zone.NodePorts.Values))
        {
            if ((route.InternalLocal || route.ExternalLocal) && !_local.ContainsKey(route))
            {
                _local[route] = [.. EndpointCategories.Local(route.Endpoints, nodeName)];
            }
            // Hinted routes are the node's own; the others share the zone's list.
            if (nodeZone is not null && !_sameZone.ContainsKey(route) && SameZoneEndpoints(route, nodeZone) is { } near)
            {
                _sameZone[route] = near;
            }
        }
    }

    /// <summary>The zone the rules were built from.</summary>
    public ClusterDnsZone Zone { get; }

    /// <summary>The node.</summary>
    public string NodeName { get; }

    /// <summary>The node's zone, whose hinted endpoints it prefers (null: hints are not looked at).</summary>
    public string? NodeZone { get; }

    /// <summary>Rules of a node whose proxy has not synced yet: no Service address is routed.</summary>
    public static NodeServiceRules Empty(string nodeName) => new(ClusterDnsZone.Empty, nodeName);

    /// <summary>The Service port reached at <paramref name="ip"/>:<paramref name="port"/>, or null when it is no Service address.</summary>
    public ServiceRoute? At(string ip, int port) => Zone.Routes.GetValueOrDefault((ip, port));

    /// <summary>The Service port of node port <paramref name="nodePort"/>, or null.</summary>
    public ServiceRoute? AtNodePort(int nodePort) => Zone.NodePorts.GetValueOrDefault(nodePort);

    /// <summary>The endpoints this node sends <paramref name="route"/>'s traffic to (<paramref name="external"/>: node port, external or load-balancer address).</summary>
    public IReadOnlyList<RouteEndpoint> Endpoints(ServiceRoute route, bool external)
    {
        var local = external ? route.ExternalLocal : route.InternalLocal;
        return local
            ? _local.GetValueOrDefault(route) ?? [.. EndpointCategories.Local(route.Endpoints, NodeName)]
            : _sameZone.GetValueOrDefault(route) ?? (NodeZone is { } zone ? SameZoneEndpoints(route, zone) : null) ?? Zone.ClusterEndpoints(route);
    }

    /// <summary>The endpoints hinted for <paramref name="zone"/> when the hints apply there, else null.</summary>
    private static IReadOnlyList<RouteEndpoint>? SameZoneEndpoints(ServiceRoute route, string zone) =>
        EndpointCategories.PreferSameZone(route.Endpoints, zone) ? [.. route.Endpoints.Where(e => e.Ready && e.HintedFor(zone))] : null;
}
