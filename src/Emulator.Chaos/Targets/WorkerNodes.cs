using Akka.Actor;
using Emulator.ControlPlane.Nodes;

namespace Emulator.Chaos.Targets;

/// <summary>The node host of <paramref name="Worker"/> is now <paramref name="Host"/> (null: the worker's process is dead).</summary>
/// <param name="Worker">The worker's name.</param>
/// <param name="Host">Its node host.</param>
public sealed record WorkerHostChanged(string Worker, IActorRef? Host);

/// <summary>
/// The nodes of a virtual cluster's workers, as the metrics-server reaches them: a usage read goes to the node host of
/// the worker that runs the node, whichever incarnation it is since a process kill; a node of a dead worker is
/// unavailable, as a kubelet in a killed process would be.
/// </summary>
public sealed class WorkerNodes(IReadOnlyDictionary<string, string> workerOfNode) : UntypedActor
{
    private readonly Dictionary<string, IActorRef> _hosts = new(StringComparer.Ordinal);

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WorkerHostChanged { Host: { } host } changed:
                _hosts[changed.Worker] = host;
                break;
            case WorkerHostChanged gone:
                _hosts.Remove(gone.Worker);
                break;
            case ReadNodeUsage usage when workerOfNode.TryGetValue(usage.NodeName, out var worker) && _hosts.TryGetValue(worker, out var host):
                host.Forward(usage);
                break;
            case ReadNodeUsage usage:
                var why = workerOfNode.TryGetValue(usage.NodeName, out var dead) ? $"the process of worker {dead} is not running" : $"node {usage.NodeName} is not hosted here";
                Sender.Tell(new NodeUsageUnavailable(usage.NodeName, why) { Correlation = usage.Correlation }, Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
