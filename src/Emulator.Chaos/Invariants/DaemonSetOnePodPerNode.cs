namespace Emulator.Chaos.Invariants;

/// <summary><c>daemonset-one-pod-per-node NAME</c>: no node ever runs two active pods of the DaemonSet at once.</summary>
public sealed class DaemonSetOnePodPerNode(string name) : Invariant
{
    /// <inheritdoc />
    public override string Name => $"daemonset-one-pod-per-node {name}";

    /// <inheritdoc />
    public override void Observe(Observation observation)
    {
        var crowded = observation["pods"]
            .Where(p => ObjectState.ControllerOf(p, "DaemonSet") == name && ObjectState.IsActive(p) && ObjectState.NodeOf(p) is not null)
            .GroupBy(p => ObjectState.NodeOf(p)!)
            .FirstOrDefault(g => g.Count() > 1);
        if (crowded is not null)
        {
            Violate(observation.Elapsed, $"node {crowded.Key} runs {crowded.Count()} pods of DaemonSet {name}: {string.Join(", ", crowded.Select(ObjectState.Name).Order(StringComparer.Ordinal))}");
        }
    }
}
