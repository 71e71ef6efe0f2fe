namespace Emulator.ControlPlane.EndpointSlice;

/// <summary>
/// The EndpointSlice controller's topology cache, for Services annotated <c>service.kubernetes.io/topology-mode:
/// Auto</c>: each zone should get a share of the ready endpoints proportional to the allocatable CPU of its ready
/// nodes. Every ready endpoint is first hinted for its own zone; zones holding more than their share give endpoints
/// to zones holding less (whole endpoints, while at least half of one is owed), and a zone must end with at least
/// its share divided by 1.2 (the 20% overload threshold) or hints are not given at all.
/// </summary>
public static class TopologyHints
{
    /// <summary>How far above its share a zone may be loaded.</summary>
    public const double OverloadThreshold = 0.2;

    /// <summary>Why hints are given (the Normal event) or not (the Warning event's messages).</summary>
    public const string Enabled = "Topology Aware Hints has been enabled";

    /// <summary>Hints were given before and the Service no longer asks for them.</summary>
    public const string Disabled = "Topology Aware Hints has been disabled";

    /// <summary>A ready node lacks a zone or allocatable CPU.</summary>
    public const string InsufficientNodeInfo = "Insufficient Node information: allocatable CPU or zone not specified on one or more nodes";

    /// <summary>All ready nodes are in one zone.</summary>
    public const string NodesReadyInOneZoneOnly = "Nodes only ready in one zone";

    /// <summary>Fewer ready endpoints than zones.</summary>
    public const string InsufficientNumberOfEndpoints = "Insufficient number of endpoints";

    /// <summary>The minimums of the zones add up to more endpoints than there are.</summary>
    public const string MinAllocationExceedsOverloadThreshold = "Unable to allocate minimum required endpoints to each zone without exceeding overload threshold";

    /// <summary>A ready endpoint has no zone.</summary>
    public const string NoZoneSpecified = "One or more endpoints do not have a zone specified";

    /// <summary>The allocatable CPU of one ready node, by zone (null zone: the node has none).</summary>
    /// <param name="Zone">The node's <c>topology.kubernetes.io/zone</c>.</param>
    /// <param name="MilliCpu">Its allocatable CPU in millicores.</param>
    public sealed record NodeCapacity(string? Zone, long MilliCpu);

    /// <summary>One endpoint: its zone and whether it is ready.</summary>
    /// <param name="Zone">The zone, or null.</param>
    /// <param name="Ready">Whether it is ready (only ready endpoints get hints).</param>
    public sealed record Candidate(string? Zone, bool Ready);

    /// <summary>
    /// The zone each endpoint is hinted for (null for endpoints that get none), or the reason no hints are given.
    /// </summary>
    public static (IReadOnlyList<string?>? Hints, string? Refusal) Allocate(IReadOnlyList<NodeCapacity> readyNodes, IReadOnlyList<Candidate> endpoints)
    {
        if (readyNodes.Count == 0 || readyNodes.Any(n => string.IsNullOrEmpty(n.Zone) || n.MilliCpu <= 0))
        {
            return (null, InsufficientNodeInfo);
        }
        var cpuByZone = readyNodes.GroupBy(n => n.Zone!).ToDictionary(g => g.Key, g => g.Sum(n => n.MilliCpu), StringComparer.Ordinal);
        if (cpuByZone.Count < 2)
        {
            return (null, NodesReadyInOneZoneOnly);
        }
        var ready = endpoints.Count(e => e.Ready);
        if (cpuByZone.Count > ready)
        {
            return (null, $"{InsufficientNumberOfEndpoints} ({ready} endpoints, {cpuByZone.Count} zones)");
        }
        // getAllocations: a minimum and a desired count per zone.
        double totalCpu = cpuByZone.Values.Sum();
        var zones = cpuByZone.Keys.Order(StringComparer.Ordinal).ToList();
        var minimum = new Dictionary<string, int>(StringComparer.Ordinal);
        var desired = new Dictionary<string, double>(StringComparer.Ordinal);
        var remaining = ready;
        foreach (var zone in zones)
        {
            var share = cpuByZone[zone] / totalCpu * ready;
            minimum[zone] = (int)Math.Ceiling(share * (1 / (1 + OverloadThreshold)));
            desired[zone] = Math.Max(share, minimum[zone]);
            remaining -= minimum[zone];
            if (remaining < 0)
            {
                return (null, MinAllocationExceedsOverloadThreshold);
            }
        }
        // Every ready endpoint starts hinted for its own zone.
        var hints = new string?[endpoints.Count];
        var allocated = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < endpoints.Count; i++)
        {
            if (!endpoints[i].Ready)
            {
                continue;
            }
            if (string.IsNullOrEmpty(endpoints[i].Zone))
            {
                return (null, NoZoneSpecified);
            }
            hints[i] = endpoints[i].Zone;
            allocated[endpoints[i].Zone!] = allocated.GetValueOrDefault(endpoints[i].Zone!) + 1;
        }
        var (giving, receiving) = GivingAndReceiving(zones, desired, allocated);
        // redistributeHints: endpoints of giving zones, in order, are hinted for a zone that still needs some.
        for (var i = 0; i < endpoints.Count && giving.Count > 0 && receiving.Count > 0; i++)
        {
            if (hints[i] is not { } zone || giving.GetValueOrDefault(zone) <= 0)
            {
                continue;
            }
            var to = receiving.Keys.Order(StringComparer.Ordinal).First();
            hints[i] = to;
            Take(giving, zone);
            Take(receiving, to);
        }
        return (hints, null);
    }

    /// <summary>How many whole endpoints each zone gives and receives, from the fractional differences to the desired counts.</summary>
    private static (Dictionary<string, int> Giving, Dictionary<string, int> Receiving) GivingAndReceiving(
        List<string> zones, Dictionary<string, double> desired, Dictionary<string, int> allocated)
    {
        var toGive = new Dictionary<string, double>(StringComparer.Ordinal);
        var toReceive = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var zone in zones)
        {
            double have = allocated.GetValueOrDefault(zone);
            if (have > desired[zone])
            {
                toGive[zone] = have - desired[zone];
            }
            else if (have < desired[zone])
            {
                toReceive[zone] = desired[zone] - have;
            }
        }
        var giving = new Dictionary<string, int>(StringComparer.Ordinal);
        var receiving = new Dictionary<string, int>(StringComparer.Ordinal);
        while (true)
        {
            var (from, give) = Most(toGive);
            var (to, receive) = Most(toReceive);
            if (from is null || to is null || (give < 1 && receive < 1) || give < 0.5 || receive < 0.5)
            {
                return (giving, receiving);
            }
            giving[from] = giving.GetValueOrDefault(from) + 1;
            toGive[from]--;
            receiving[to] = receiving.GetValueOrDefault(to) + 1;
            toReceive[to]--;
        }
    }

    private static (string? Zone, double Amount) Most(Dictionary<string, double> amounts)
    {
        string? zone = null;
        var most = 0.0;
        foreach (var (candidate, amount) in amounts.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (amount > most)
            {
                zone = candidate;
                most = amount;
            }
        }
        return (zone, most);
    }

    private static void Take(Dictionary<string, int> counts, string zone)
    {
        if (--counts[zone] == 0)
        {
            counts.Remove(zone);
        }
    }
}
