using System.Collections.Concurrent;
using Emulator.Node.Network.Dns;
using Emulator.Runtime.Time;

namespace Emulator.Node.Network;

/// <summary>
/// One node's packet path for Service traffic (what the kernel does with kube-proxy's rules): the rules its
/// <see cref="ServiceProxy"/> last programmed, and per connection the choice of one endpoint — the same one for a
/// client within its ClientIP affinity timeout (the <c>recent</c> match), otherwise the endpoints in turn (kube-proxy's
/// iptables mode picks at random; turns keep the emulation deterministic). Connections from any thread read it.
/// </summary>
public sealed class NodeDataPath(string nodeName, IEmulatedClock clock)
{
    private readonly ConcurrentDictionary<(string Namespace, string Name, int Port, string Protocol, bool External), int> _turns = new();
    private volatile NodeServiceRules _rules = NodeServiceRules.Empty(nodeName);

    /// <summary>The node.</summary>
    public string NodeName { get; } = nodeName;

    /// <summary>The rules in force (set by the node's proxy).</summary>
    public NodeServiceRules Rules
    {
        get => _rules;
        set => _rules = value;
    }

    /// <summary>The node's ClientIP affinity entries.</summary>
    public SessionAffinityTable Affinity { get; } = new();

    /// <summary>
    /// The endpoint a connection from <paramref name="clientIp"/> to <paramref name="route"/> goes to, or null when no
    /// endpoint may take it (refused).
    /// </summary>
    public RouteEndpoint? Choose(ServiceRoute route, string clientIp, bool external)
    {
        var candidates = Rules.Endpoints(route, external);
        if (candidates.Count == 0)
        {
            return null;
        }
        // Turns are counted per Service port, across rebuilds of the zone (each rebuild makes new route records).
        var turn = _turns.AddOrUpdate((route.Namespace, route.Name, route.Port, route.Protocol, external), 0, (_, n) => n + 1);
        return Affinity.Choose(route, candidates, clientIp, turn, clock.UtcNow);
    }
}
