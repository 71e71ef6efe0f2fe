using Akka.Actor;
using Akka.Persistence;

namespace Emulator.Node.Containers;

/// <summary>A kubelet (re)starting asks what its node's runtime holds.</summary>
/// <param name="Node">The node.</param>
public sealed record RecallNode(string Node);

/// <summary>The answer to <see cref="RecallNode"/>: the pod sandboxes and images of the node.</summary>
public sealed record NodeRecalled(NodeRuntimeState State);

/// <summary>
/// The container runtime of the emulated nodes of one host process, as containerd is on a real machine: it holds the
/// pod sandboxes (IPs, start times), the container runs with their restart counts, and the pulled images, and it
/// outlives the kubelets. A kubelet that is restarted (its actor killed, its node stopped and started) recalls its
/// node's state from here and adopts the pods still running instead of restarting their containers.
/// </summary>
/// <remarks>
/// One persistent actor journals for every node of the host, so the kubelets' writes share the journal's group
/// commits instead of each kubelet committing alone. A change is applied as it arrives (the runtime is the truth of
/// the machine; a kubelet restarted a moment later sees it) and journaled asynchronously. A journal write or recovery
/// that fails stops the runtime (Akka's rule for persistent actors); its back-off supervisor starts it again and it
/// recovers what was durable, while the kubelets keep their own copy and keep sending changes.
/// </remarks>
public sealed class ContainerRuntime : PersistentActor
{
    private const int MinimumSnapshotInterval = 1000;
    private readonly string _persistenceId;
    private readonly Dictionary<string, NodeRuntime> _nodes = new(StringComparer.Ordinal);
    private long _sinceSnapshot;
    private int _podCount;

    /// <summary>Creates the runtime of the host named <paramref name="host"/> (its journal is <c>container-runtime-&lt;host&gt;</c>).</summary>
    public ContainerRuntime(string host)
    {
        _persistenceId = $"container-runtime-{host}";
    }

    /// <inheritdoc />
    public override string PersistenceId => _persistenceId;

    /// <inheritdoc />
    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: ContainerRuntimeSnapshot snapshot }:
                _nodes.Clear();
                _podCount = 0;
                foreach (var node in snapshot.Nodes)
                {
                    var runtime = NodeOf(node.Node);
                    foreach (var pod in node.Pods)
                    {
                        runtime.Pods[pod.PodUid] = pod;
                    }
                    runtime.Images.UnionWith(node.Images);
                    _podCount += node.Pods.Count;
                }
                return true;
            case RuntimeEvent change:
                Apply(change);
                return true;
            case RecoveryCompleted:
                return true;
            default:
                return false;
        }
    }

    /// <inheritdoc />
    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case RecallNode recall:
                var node = _nodes.GetValueOrDefault(recall.Node);
                Sender.Tell(new NodeRecalled(new NodeRuntimeState(recall.Node, node?.Pods.Values.ToList() ?? [], node?.Images.ToList() ?? [])), Self);
                return true;
            case RuntimeEvent { Node: not null } change:
                Apply(change);
                PersistAsync(change, _ => SnapshotWhenDue());
                return true;
            case SaveSnapshotSuccess saved:
                // Only the newest snapshot is ever read: older ones are dead weight.
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                return true;
            case SaveSnapshotFailure or DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                return true;
            default:
                return false;
        }
    }

    private void Apply(RuntimeEvent change)
    {
        if (change.Node is null)
        {
            return;
        }
        var node = NodeOf(change.Node);
        switch (change)
        {
            case PodAdmitted admitted:
                if (node.Pods.TryAdd(admitted.PodUid, PodRecord.Admitted(admitted)))
                {
                    _podCount++;
                }
                break;
            case ContainerRecorded recorded when node.Pods.TryGetValue(recorded.PodUid, out var record):
                node.Pods[recorded.PodUid] = record.With(recorded.Container);
                break;
            case PodForgotten forgotten:
                if (node.Pods.Remove(forgotten.PodUid))
                {
                    _podCount--;
                }
                break;
            case ImagePulled pulled:
                node.Images.Add(pulled.Image);
                break;
        }
    }

    /// <summary>
    /// Snapshots once the events since the last snapshot outnumber the pods held (and at least every 1,000 events), so
    /// recovery reads at most about twice the state whatever the cluster's size, and snapshots stay rare when it is large.
    /// </summary>
    private void SnapshotWhenDue()
    {
        if (++_sinceSnapshot < Math.Max(MinimumSnapshotInterval, _podCount))
        {
            return;
        }
        _sinceSnapshot = 0;
        SaveSnapshot(new ContainerRuntimeSnapshot(_nodes.Select(n => new NodeRuntimeState(n.Key, n.Value.Pods.Values.ToList(), n.Value.Images.ToList())).ToList()));
    }

    private NodeRuntime NodeOf(string name)
    {
        if (!_nodes.TryGetValue(name, out var node))
        {
            node = new NodeRuntime();
            _nodes[name] = node;
        }
        return node;
    }

    private sealed class NodeRuntime
    {
        public Dictionary<string, PodRecord> Pods { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Images { get; } = new(StringComparer.Ordinal);
    }
}
