using Akka.Actor;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;

namespace Emulator.Cluster;

/// <summary>
/// Asks the <see cref="KubeletRouter"/> of the member that hosts a node to open an exec/attach
/// (<paramref name="Stream"/>) or a pod connection (<paramref name="Connection"/>) for the sending
/// <see cref="StreamBridge"/> (whose reference is the open's client). The router starts the bridge's far end beside the
/// kubelet; every later message between the two ends is a <see cref="BridgeFrame"/> or a <see cref="BridgeAck"/>.
/// </summary>
/// <param name="Stream">The exec or attach to open, or null.</param>
/// <param name="Connection">The pod connection to open, or null.</param>
public sealed record BridgeOpen(OpenContainerStream? Stream, OpenPodConnection? Connection);

/// <summary>
/// One message of the stream protocol between the two ends of a bridge (<see cref="ContainerOutput"/>,
/// <see cref="PodConnectionData"/>, ... or <see cref="BridgeEnd"/>), numbered from 1 in the order sent. The receiver
/// hands it on and acknowledges it with <see cref="BridgeAck"/>.
/// </summary>
/// <param name="Seq">The frame's number, one more than the previous frame's.</param>
/// <param name="Message">The stream message.</param>
public sealed record BridgeFrame(long Seq, object Message);

/// <summary>Every frame up to <paramref name="Seq"/> reached the other end's local party: the sender may send more.</summary>
/// <param name="Seq">The highest frame number handed on.</param>
public sealed record BridgeAck(long Seq);

/// <summary>
/// The far end's local party (the kubelet's session or connection actor) stopped without closing the stream (its node
/// was stopped, its pod went away): the near end ends the client's stream with <paramref name="Reason"/>.
/// </summary>
/// <param name="Reason">Why, one line.</param>
public sealed record BridgeEnd(string Reason);

/// <summary>
/// One end of an exec/attach session or a pod connection between an API server and a kubelet in another process. The
/// node protocol (<see cref="OpenContainerStream"/>, <see cref="OpenPodConnection"/> and their messages) is spoken
/// unchanged on either side: the near end, beside the API server, stands for the kubelet's session or connection; the
/// far end, beside the kubelet, stands for the API server's client. Between them:
/// <list type="bullet">
/// <item>Flow control: data is cut into chunks of at most <see cref="ChunkSize"/> bytes, and at most <see cref="Window"/>
/// bytes are in flight towards the other process unacknowledged; what is beyond waits, in order, in the sending end
/// (nothing is dropped, and one stream cannot flood the link between members with an unbounded backlog).</item>
/// <item>Order: frames are numbered; a gap (a lost message) breaks the stream as a lost connection would.</item>
/// <item>Closing: each end watches the other (Akka's remote death watch, which the cluster turns into
/// <see cref="Terminated"/> when a member is downed) and its local party. A process that goes away ends the other
/// side's stream with an error (the session lost, the connection reset), never a hang; an end that has finished sends
/// what it still holds before it stops.</item>
/// </list>
/// </summary>
public sealed class StreamBridge : UntypedActor
{
    /// <summary>The largest data payload of one frame.</summary>
    public const int ChunkSize = 32 * 1024;

    /// <summary>How many bytes may be unacknowledged between the ends (per stream and direction).</summary>
    public const long Window = 256 * 1024;

    /// <summary>What a frame counts towards the window besides its data (so that empty messages are bounded too).</summary>
    private const int FrameCost = 64;

    private readonly bool _near;
    private readonly OpenContainerStream? _stream;
    private readonly OpenPodConnection? _connection;
    private readonly IActorRef? _asker;
    private readonly string _where;
    private readonly IActorRef? _nodes;
    private readonly TimeSpan _openTimeout;
    private readonly Queue<object> _waiting = new();
    private readonly Queue<(long Seq, int Cost)> _unacked = new();
    private IActorRef? _peer;
    private IActorRef? _local;
    private long _nextSeq = 1;
    private long _expected = 1;
    private long _inFlight;
    private bool _finishing;
    private bool _opened;

    /// <summary>Creates one end; use <see cref="NearStream"/>, <see cref="NearConnection"/> or <see cref="Far"/>.</summary>
    public StreamBridge(bool near, OpenContainerStream? stream, OpenPodConnection? connection, IActorRef? asker, string where, IActorRef? peer, IActorRef? nodes, TimeSpan openTimeout)
    {
        _openTimeout = openTimeout;
        _near = near;
        _stream = stream;
        _connection = connection;
        _asker = asker;
        _where = where;
        _peer = peer;
        _nodes = nodes;
    }

    /// <summary>
    /// The near end of an exec or attach: opens it on the kubelet at <paramref name="member"/>, answers
    /// <paramref name="asker"/> with <see cref="ContainerStreamOpened"/> (itself as the session) or
    /// <see cref="ContainerStreamRefused"/> (503 when the member does not answer within <paramref name="timeout"/>).
    /// </summary>
    public static Props NearStream(OpenContainerStream open, IActorRef asker, string member, TimeSpan timeout) =>
        Props.Create(() => new StreamBridge(true, open, null, asker, member, null, null, timeout));

    /// <summary>The near end of a pod connection: opens it through the kubelet at <paramref name="member"/>.</summary>
    public static Props NearConnection(OpenPodConnection open, string member, TimeSpan timeout) =>
        Props.Create(() => new StreamBridge(true, null, open, null, member, null, null, timeout));

    /// <summary>The far end, started by the router of the kubelet's member for <paramref name="peer"/>; <paramref name="nodes"/> is null when the member hosts no nodes.</summary>
    public static Props Far(BridgeOpen open, IActorRef peer, IActorRef? nodes) =>
        Props.Create(() => new StreamBridge(false, open.Stream, open.Connection, null, "", peer, nodes, TimeSpan.Zero));

    private string NodeName => _stream?.NodeName ?? _connection!.NodeName;


    /// <inheritdoc />
    protected override void PreStart()
    {
        if (_near)
        {
            var client = _stream?.Client ?? _connection!.Client;
            _local = client;
            Context.Watch(client);
            var open = new BridgeOpen(_stream is { } s ? s with { Client = Self } : null, _connection is { } c ? c with { Client = Self } : null);
            Context.ActorSelection($"{_where}/user/kubelets").Tell(open, Self);
            Context.SetReceiveTimeout(_openTimeout);
            return;
        }
        Context.Watch(_peer!);
        if (_nodes is null)
        {
            Finish(_stream is not null
                ? new ContainerStreamRefused(new ApiStatus(503, "ServiceUnavailable", $"node {NodeName} is not hosted by this process"))
                : new PodConnectionRefused(_connection!.ConnectionId, PodConnectionRefusal.NodeUnavailable, $"node {NodeName} is not hosted by this process"));
            return;
        }
        if (_stream is { } stream)
        {
            _nodes.Tell(stream with { Client = Self }, Self);
        }
        else
        {
            _nodes.Tell(_connection! with { Client = Self }, Self);
        }
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case BridgeFrame frame:
                OnFrame(frame);
                break;
            case BridgeAck ack:
                while (_unacked.Count > 0 && _unacked.Peek().Seq <= ack.Seq)
                {
                    _inFlight -= _unacked.Dequeue().Cost;
                }
                Pump();
                break;
            case ReceiveTimeout when _peer is null:
                Context.SetReceiveTimeout(null);
                Lost($"the kubelet of node {NodeName} at {_where} did not answer");
                break;
            case ReceiveTimeout:
                Context.SetReceiveTimeout(null);
                break;
            case Terminated terminated when terminated.ActorRef.Equals(_peer):
                Lost(_near ? $"lost the connection to the kubelet of node {NodeName}" : null);
                break;
            case Terminated terminated when terminated.ActorRef.Equals(_local):
                OnLocalGone();
                break;
            case Terminated:
                break;
            default:
                OnLocal(message);
                break;
        }
    }

    /// <summary>A message of the local party, for the other end.</summary>
    private void OnLocal(object message)
    {
        if (_finishing)
        {
            return;
        }
        switch (message)
        {
            // Far end: the kubelet's answers and output.
            case ContainerStreamOpened opened when !_near:
                _local = opened.Session;
                Context.Watch(opened.Session);
                Send(new ContainerStreamOpened(Self));
                break;
            case ContainerStreamRefused or ContainerStreamEnded or PodConnectionRefused or PodConnectionClosed:
                // The last word of the stream (either side's): sent after everything before it, then this end stops.
                Finish(message);
                break;
            case PodConnectionOpened opened when !_near:
                _local = opened.Connection;
                Context.Watch(opened.Connection);
                Send(new PodConnectionOpened(opened.ConnectionId, Self));
                break;
            case CloseContainerStream:
                Finish(new CloseContainerStream(Self));
                break;
            case ContainerOutput output:
                foreach (var chunk in Chunks(output.Data))
                {
                    Send(new ContainerOutput(output.Stream, chunk));
                }
                break;
            case ContainerStdin stdin:
                foreach (var chunk in Chunks(stdin.Data))
                {
                    Send(new ContainerStdin(chunk));
                }
                break;
            case PodConnectionData data:
                foreach (var chunk in Chunks(data.Data))
                {
                    Send(new PodConnectionData(data.ConnectionId, chunk));
                }
                break;
            case ContainerStdinClosed or TerminalResize or PodConnectionWriteClosed:
                Send(message);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>A frame from the other end, handed to the local party in order.</summary>
    private void OnFrame(BridgeFrame frame)
    {
        if (_peer is null)
        {
            // The far end's first frame: from now on it is the other end.
            _peer = Sender;
            Context.Watch(_peer);
            Context.SetReceiveTimeout(null);
            Pump();
        }
        if (frame.Seq != _expected)
        {
            Lost($"the stream to node {NodeName} lost frame {_expected} (got {frame.Seq})");
            return;
        }
        _expected++;
        Sender.Tell(new BridgeAck(frame.Seq), Self);
        switch (frame.Message)
        {
            case ContainerStreamOpened:
                _opened = true;
                _asker!.Tell(new ContainerStreamOpened(Self), Self);
                break;
            case ContainerStreamRefused refused:
                _asker!.Tell(refused, Self);
                Context.Stop(Self);
                break;
            case PodConnectionOpened opened:
                _opened = true;
                _local?.Tell(new PodConnectionOpened(opened.ConnectionId, Self), Self);
                break;
            case PodConnectionRefused or PodConnectionClosed or ContainerStreamEnded:
                _local?.Tell(frame.Message, Self);
                Context.Stop(Self);
                break;
            case CloseContainerStream:
                _local?.Tell(new CloseContainerStream(Self), Self);
                Context.Stop(Self);
                break;
            case BridgeEnd end:
                Lost(end.Reason);
                break;
            default:
                _local?.Tell(frame.Message, Self);
                break;
        }
    }

    /// <summary>The local party stopped: the far end reports it, the near end (the API server's client gone) closes the stream.</summary>
    private void OnLocalGone()
    {
        if (_finishing)
        {
            return;
        }
        if (_near && _peer is null)
        {
            // Nothing reached the other end yet: it sees this end stop (death watch) and lets go of its side.
            Context.Stop(Self);
            return;
        }
        if (_near)
        {
            Finish(_stream is not null ? new CloseContainerStream(Self) : new PodConnectionClosed(_connection!.ConnectionId));
        }
        else
        {
            Finish(new BridgeEnd(_stream is not null ? "the container's session was lost" : "connection reset by peer"));
        }
    }

    /// <summary>
    /// The other end is gone (its process, or a broken stream): the local party learns it at once — the near end ends
    /// the client's stream with an error; the far end stops, which the kubelet's session sees as its client leaving.
    /// </summary>
    private void Lost(string? reason)
    {
        if (_near && reason is not null)
        {
            if (_stream is not null && !_opened)
            {
                _asker!.Tell(new ContainerStreamRefused(new ApiStatus(503, "ServiceUnavailable", reason)), Self);
            }
            else if (_stream is not null)
            {
                _local?.Tell(new ContainerStreamEnded(null, reason), Self);
            }
            else if (!_opened)
            {
                _local?.Tell(new PodConnectionRefused(_connection!.ConnectionId, PodConnectionRefusal.NodeUnavailable, reason), Self);
            }
            else
            {
                _local?.Tell(new PodConnectionClosed(_connection!.ConnectionId, reason), Self);
            }
        }
        Context.Stop(Self);
    }

    /// <summary>Sends the stream's last message after what is still waiting, and stops once the other end has it all.</summary>
    private void Finish(object last)
    {
        Send(last);
        _finishing = true;
        StopWhenDelivered();
    }

    private void Send(object message)
    {
        _waiting.Enqueue(message);
        Pump();
    }

    private void Pump()
    {
        if (_peer is null)
        {
            return;
        }
        while (_waiting.Count > 0 && _inFlight < Window)
        {
            var message = _waiting.Dequeue();
            var cost = FrameCost + message switch
            {
                ContainerOutput output => output.Data.Length,
                ContainerStdin stdin => stdin.Data.Length,
                PodConnectionData data => data.Data.Length,
                _ => 0,
            };
            var seq = _nextSeq++;
            _peer.Tell(new BridgeFrame(seq, message), Self);
            _unacked.Enqueue((seq, cost));
            _inFlight += cost;
        }
        StopWhenDelivered();
    }

    private void StopWhenDelivered()
    {
        if (_finishing && _waiting.Count == 0 && _unacked.Count == 0)
        {
            Context.Stop(Self);
        }
    }

    private static IEnumerable<byte[]> Chunks(byte[] data)
    {
        if (data.Length <= ChunkSize)
        {
            yield return data;
            yield break;
        }
        for (var offset = 0; offset < data.Length; offset += ChunkSize)
        {
            yield return data.AsSpan(offset, Math.Min(ChunkSize, data.Length - offset)).ToArray();
        }
    }
}
