namespace Emulator.Chaos.Invariants;

/// <summary>
/// <c>killed-node-pods-replaced</c>: the ReplicaSet pods of every node a fault stopped are replaced on live nodes — the
/// node lifecycle controller marks the node NotReady after its grace period and evicts the pods after their toleration,
/// and the ReplicaSet makes new ones elsewhere. Converged when each such ReplicaSet (while it still wants replicas) has
/// as many Running and Ready pods on Ready nodes as it wants. A node still down does not count as Ready whatever its
/// stored status says: until the grace period runs out the control plane still shows it (and its pods) Ready, which is
/// not a replacement.
/// </summary>
public sealed class KilledNodePodsReplaced : Invariant
{
    private readonly List<StoppedNode> _stopped = [];
    private readonly HashSet<string> _down = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public override string Name => "killed-node-pods-replaced";

    /// <inheritdoc />
    public override void NodeStopped(StoppedNode stopped)
    {
        _stopped.Add(stopped);
        _down.Add(stopped.Node);
    }

    /// <inheritdoc />
    public override void NodeStarted(string node) => _down.Remove(node);

    /// <inheritdoc />
    public override bool IsConverged(Observation observation) => Missing(observation).Count == 0;

    /// <inheritdoc />
    protected override string Describe(Observation observation) => string.Join("; ", Missing(observation));

    private List<string> Missing(Observation observation)
    {
        var readyNodes = observation["nodes"].Where(ObjectState.IsNodeReady).Select(ObjectState.Name).Where(n => !_down.Contains(n)).ToHashSet();
        var missing = new List<string>();
        var owners = _stopped.SelectMany(s => s.Pods).Select(p => (Namespace: ObjectState.Namespace(p), Owner: ObjectState.ControllerOf(p, "ReplicaSet")))
            .Where(o => o.Owner is not null).Distinct();
        foreach (var (ns, owner) in owners)
        {
            if (observation.Find("replicasets", ns, owner!) is not { } set)
            {
                continue;
            }
            var wanted = ObjectState.Int(set, "spec", "replicas", 1);
            var ready = observation["pods"].Count(p => ObjectState.ControllerOf(p, "ReplicaSet") == owner && ObjectState.Namespace(p) == ns
                && ObjectState.IsActive(p) && ObjectState.IsRunningAndReady(p) && ObjectState.NodeOf(p) is { } node && readyNodes.Contains(node));
            if (ready < wanted)
            {
                missing.Add($"ReplicaSet {ns}/{owner} has {ready} of {wanted} pods Running and Ready on Ready nodes");
            }
        }
        return missing;
    }
}
