using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Persistence;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Node.Hosting;
using Emulator.Runtime.Time;

namespace Emulator.Node.Kubelet;

/// <summary>A pod worker asks whether an image must be pulled (the node's image cache lives in the kubelet).</summary>
public sealed record PullImage(string Container, string Image, string Policy);

/// <summary>The kubelet's answer to <see cref="PullImage"/>: present on the node (no pull), or pull it.</summary>
public sealed record PullDecision(string Container, string Image, bool Present);

/// <summary>A pod worker pulled an image: the node has it now.</summary>
public sealed record ImagePulled(string Image);

/// <summary>
/// The kubelet of one node: watches the pods bound to its node (<c>spec.nodeName</c>), runs one
/// <see cref="PodWorker"/> per pod, and journals what it runs (pod IPs, container starts, exits and restart counts), so
/// that a kubelet that is restarted — its actor killed, its node stopped and started — adopts the pods still running
/// instead of restarting their containers: restart counts and start times stay as they were. A journal write or a
/// recovery that fails stops the kubelet (Akka's rule for persistent actors); its <see cref="NodeAgent.NodeAgent"/>
/// starts it again, and it recovers what was durable.
/// </summary>
public sealed class Kubelet : PersistentActor
{
    private const int SnapshotEvery = 1000;
    private readonly NodeOptions _node;
    private readonly IActorRef _store;
    private readonly IActorRef _hub;
    private readonly IActorRef _events;
    private readonly Dictionary<string, PodRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Name), string> _uidByName = [];
    private readonly Dictionary<string, StoredObject> _waitingForIp = new(StringComparer.Ordinal);
    private readonly HashSet<string> _images = new(StringComparer.Ordinal);
    private readonly byte[] _nodeNamePattern;
    private long _sinceSnapshot;
    private int _nextIp = 2;

    /// <summary>Creates the kubelet of <paramref name="node"/>.</summary>
    public Kubelet(NodeOptions node, IActorRef store, IActorRef hub, IActorRef events)
    {
        _node = node;
        _store = store;
        _hub = hub;
        _events = events;
        _nodeNamePattern = System.Text.Encoding.UTF8.GetBytes($"\"nodeName\":\"{node.Name}\"");
    }

    private sealed record Relist;

    /// <inheritdoc />
    public override string PersistenceId => $"kubelet-{_node.Name}";

    /// <inheritdoc />
    protected override void PostStop()
    {
        _hub.Tell(new StopWatch(Self), Self);
        base.PostStop();
    }

    /// <inheritdoc />
    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: KubeletSnapshot snapshot }:
                _records.Clear();
                foreach (var pod in snapshot.Pods)
                {
                    _records[pod.PodUid] = pod;
                }
                _images.UnionWith(snapshot.Images ?? []);
                return true;
            case RecoveryCompleted:
                _hub.Tell(new StopWatch(Self), Self);
                _store.Tell(new ListObjects(ResourceTypes.Pods, null, OnThisNode) { Correlation = new Relist() }, Self);
                return true;
            default:
                return Apply(message);
        }
    }

    /// <inheritdoc />
    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case ListReply { Correlation: Relist } listed:
                Listed(listed);
                return true;
            case WatchEvent change:
                if (change.Type == WatchEventType.Deleted)
                {
                    Removed(change.Object.Uid);
                }
                else
                {
                    Sync(change.Object);
                }
                return true;
            case WatchExpired:
                _hub.Tell(new StopWatch(Self), Self);
                _store.Tell(new ListObjects(ResourceTypes.Pods, null, OnThisNode) { Correlation = new Relist() }, Self);
                return true;
            case ContainerRecorded recorded:
                if (_records.ContainsKey(recorded.PodUid))
                {
                    JournalEvent(recorded);
                }
                return true;
            case PullImage pull:
                // IfNotPresent / Never use an image the node has; Always pulls again (the registry is asked each time).
                Sender.Tell(new PullDecision(pull.Container, pull.Image, pull.Policy != "Always" && _images.Contains(pull.Image)), Self);
                return true;
            case ImagePulled pulled:
                // Images stay on the node across kubelet restarts: journaled once.
                if (_images.Add(pulled.Image))
                {
                    JournalEvent(pulled);
                }
                return true;
            case ReadContainerLog read:
                if (_uidByName.TryGetValue((read.Namespace, read.Pod), out var uid) && _workers.TryGetValue(uid, out var worker))
                {
                    worker.Forward(read);
                }
                else
                {
                    Sender.Tell(new ContainerLogReply(null, ApiStatus.NotFound("pods", "", read.Pod)), Self);
                }
                return true;
            case StoreReply or SaveSnapshotSuccess or SaveSnapshotFailure or DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                return true;
            case Terminated terminated:
                foreach (var (workerUid, workerRef) in _workers.ToArray())
                {
                    if (workerRef.Equals(terminated.ActorRef))
                    {
                        _workers.Remove(workerUid);
                    }
                }
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// The watch filter: pods bound to this node. It runs in the watch hub for every pod change of the cluster, so
    /// it first looks for the compact bytes <c>"nodeName":"&lt;node&gt;"</c> and parses only the candidates.
    /// </summary>
    private bool OnThisNode(StoredObject obj)
    {
        var json = obj.Json.AsSpan();
        if (json.IndexOf(_nodeNamePattern) < 0 && json.IndexOf("\"nodeName\" "u8) < 0 && json.IndexOf("\"nodeName\":\t"u8) < 0)
        {
            return false;
        }
        return NodeNameOf(obj) == _node.Name;
    }

    private static string? NodeNameOf(StoredObject obj)
    {
        var node = JsonNode.Parse(obj.Json);
        return node?["spec"]?["nodeName"] is JsonValue value && value.TryGetValue<string>(out var name) ? name : null;
    }

    private bool Apply(object message)
    {
        switch (message)
        {
            case PodAdmitted admitted:
                _records[admitted.PodUid] = new PodRecord(admitted.PodUid, admitted.Namespace, admitted.Name, admitted.PodIp, admitted.StartTime,
                    new Dictionary<string, ContainerRecord>(StringComparer.Ordinal));
                return true;
            case ContainerRecorded recorded when _records.TryGetValue(recorded.PodUid, out var record):
                var containers = new Dictionary<string, ContainerRecord>(record.Containers, StringComparer.Ordinal) { [recorded.Container.Name] = recorded.Container };
                _records[recorded.PodUid] = record with { Containers = containers };
                return true;
            case ContainerRecorded:
                return true;
            case PodForgotten forgotten:
                _records.Remove(forgotten.PodUid);
                return true;
            case ImagePulled pulled:
                _images.Add(pulled.Image);
                return true;
            default:
                return false;
        }
    }

    private void JournalEvent(object @event)
    {
        PersistAsync(@event, e =>
        {
            Apply(e);
            if (++_sinceSnapshot >= SnapshotEvery)
            {
                _sinceSnapshot = 0;
                SaveSnapshot(new KubeletSnapshot(_records.Values.ToList()) { Images = _images.ToList() });
            }
        });
    }

    private void Listed(ListReply listed)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in listed.Items)
        {
            present.Add(item.Uid);
            Sync(item);
        }
        // Pods deleted while the kubelet was away: nothing runs them any more.
        foreach (var uid in _records.Keys.Where(u => !present.Contains(u)).ToArray())
        {
            Removed(uid);
        }
        _hub.Tell(new StartWatch(ResourceTypes.Pods.Key, null, listed.ResourceVersion, OnThisNode, Self), Self);
    }

    private void Sync(StoredObject stored)
    {
        var pod = new KubeObject(stored.ToJsonObject());
        var uid = stored.Uid;
        if (_workers.TryGetValue(uid, out var worker))
        {
            worker.Tell(new PodChanged(pod), Self);
            return;
        }
        if (!_records.TryGetValue(uid, out var record))
        {
            var phase = JsonTree.GetString(pod.Document, "status", "phase");
            if (phase is "Succeeded" or "Failed" && !stored.IsDeleting)
            {
                // Finished before this kubelet knew it (or its record is gone): nothing to run.
                return;
            }
            if (AllocateIp() is not { } ip)
            {
                // The pod network of the node is full: the sandbox cannot be created; the pod waits (Pending).
                _events.Tell(new RecordEvent(InvolvedObject.Of(pod), "Warning", "FailedCreatePodSandBox",
                    $"Failed to create pod sandbox: plugin type=\"host-local\" failed (add): failed to allocate for range 0: no IP addresses available in range set: {_node.PodCidr}",
                    "kubelet", _node.Name), Self);
                _waitingForIp[uid] = stored;
                return;
            }
            _waitingForIp.Remove(uid);
            record = new PodRecord(uid, stored.Namespace ?? "default", stored.Name, ip, Context.System.EmulatedClock().UtcNow,
                new Dictionary<string, ContainerRecord>(StringComparer.Ordinal));
            _records[uid] = record;
            JournalEvent(new PodAdmitted(uid, record.Namespace, record.Name, record.PodIp, record.StartTime));
        }
        var self = Self;
        worker = Context.ActorOf(Props.Create(() => new PodWorker(_node, pod, record, self, _store, _events)), $"pod-{uid}");
        Context.Watch(worker);
        _workers[uid] = worker;
        _uidByName[(record.Namespace, record.Name)] = uid;
    }

    private void Removed(string uid)
    {
        _waitingForIp.Remove(uid);
        if (_workers.Remove(uid, out var worker))
        {
            Context.Unwatch(worker);
            Context.Stop(worker);
        }
        if (_records.Remove(uid, out var record))
        {
            _uidByName.Remove((record.Namespace, record.Name));
            JournalEvent(new PodForgotten(uid));
            // An address is free again: a pod that found the network full can start now.
            if (_waitingForIp.Values.FirstOrDefault() is { } waiting)
            {
                Sync(waiting);
            }
        }
    }

    /// <summary>The next free address of the node's pod CIDR (.2 to .254; the gateway is .1).</summary>
    private string? AllocateIp()
    {
        var used = _records.Values.Select(r => r.PodIp).ToHashSet(StringComparer.Ordinal);
        for (var attempt = 0; attempt < 253; attempt++)
        {
            var candidate = $"{_node.PodNetworkPrefix}.{_nextIp}";
            _nextIp = _nextIp >= 254 ? 2 : _nextIp + 1;
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
