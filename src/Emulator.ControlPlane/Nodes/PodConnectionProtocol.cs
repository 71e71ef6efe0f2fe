using Akka.Actor;

namespace Emulator.ControlPlane.Nodes;

// Emulated TCP connections into pods, as the kubelet's port-forward makes them: the kubelet of the pod's node dials
// localhost:PORT inside the pod's network namespace and relays bytes both ways. `kubectl port-forward`, the service
// proxy and the emulated network tools all open connections this way. The messages are plain immutable records (byte
// arrays, actor references, no delegates) so that they cross processes (Emulator.Cluster's StreamBridge carries them between an API server and a kubelet in another member).
//
// The exchange, for one connection:
//   client -> node host: OpenPodConnection (the host forwards it to the kubelet of NodeName)
//   kubelet -> client:   PodConnectionOpened (with the connection's actor) or PodConnectionRefused
//   both ways:           PodConnectionData ... , PodConnectionWriteClosed (half close), PodConnectionClosed (full close)
// The client sends to PodConnectionOpened.Connection; the pod side sends to OpenPodConnection.Client. Every message
// carries the ConnectionId the client chose, so one client actor can hold many connections.

/// <summary>
/// Opens an emulated TCP connection to <paramref name="Port"/> on localhost inside pod
/// <paramref name="Namespace"/>/<paramref name="Pod"/>, through the kubelet of <paramref name="NodeName"/> (as the
/// kubelet's port-forward does). Sent to the node host; the kubelet replies to <paramref name="Client"/> with
/// <see cref="PodConnectionOpened"/> or <see cref="PodConnectionRefused"/>, each carrying <paramref name="ConnectionId"/>.
/// </summary>
/// <param name="NodeName">The node the pod is bound to (<c>spec.nodeName</c>).</param>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Pod">The pod's name.</param>
/// <param name="Port">The TCP port inside the pod (1–65535).</param>
/// <param name="ConnectionId">Chosen by the client, unique among its open connections; echoed on every message.</param>
/// <param name="Client">Receives the reply, the pod's data and its closes.</param>
public sealed record OpenPodConnection(string NodeName, string Namespace, string Pod, int Port, string ConnectionId, IActorRef Client)
{
    /// <summary>When set, the connection is refused unless the pod has this uid (the client resolved an older pod of the same name).</summary>
    public string? PodUid { get; init; }

    /// <summary>
    /// The peer address the pod's server sees (<c>REMOTE_ADDR</c>): the client pod's IP for pod-to-pod traffic, the
    /// node's address after a service proxy, <c>127.0.0.1</c> (the default) for port-forward, whose dial is local.
    /// </summary>
    public string SourceAddress { get; init; } = "127.0.0.1";
}

/// <summary>
/// The connection is established: send <see cref="PodConnectionData"/>, <see cref="PodConnectionWriteClosed"/> and
/// <see cref="PodConnectionClosed"/> to <paramref name="Connection"/>.
/// </summary>
/// <param name="ConnectionId">The client's id for the connection.</param>
/// <param name="Connection">The pod side of the connection.</param>
public sealed record PodConnectionOpened(string ConnectionId, IActorRef Connection);

/// <summary>Why a pod connection could not be opened.</summary>
public enum PodConnectionRefusal
{
    /// <summary>Nothing listens on the port inside the pod (<c>connect: connection refused</c>).</summary>
    ConnectionRefused,

    /// <summary>The kubelet runs no such pod (unknown name, or another uid than <see cref="OpenPodConnection.PodUid"/>).</summary>
    PodNotFound,

    /// <summary>The pod exists but has no running sandbox (pending, or terminated).</summary>
    PodNotRunning,

    /// <summary>The node is stopped or not hosted by the process asked.</summary>
    NodeUnavailable,
}

/// <summary>
/// The connection was not opened. <paramref name="Reason"/> is the text the kubelet reports, e.g. for
/// <see cref="PodConnectionRefusal.ConnectionRefused"/> the dial error ending in <c>connect: connection refused</c>,
/// which <c>kubectl port-forward</c> prints after <c>an error occurred forwarding L -&gt; R: </c>.
/// </summary>
/// <param name="ConnectionId">The client's id for the connection.</param>
/// <param name="Refusal">The kind of failure.</param>
/// <param name="Reason">The kubelet's message, one line.</param>
public sealed record PodConnectionRefused(string ConnectionId, PodConnectionRefusal Refusal, string Reason);

/// <summary>
/// Bytes on an open connection, in either direction, delivered in order. The sender gives up the array: it must not
/// change it after sending.
/// </summary>
/// <param name="ConnectionId">The client's id for the connection.</param>
/// <param name="Data">The bytes (never empty).</param>
public sealed record PodConnectionData(string ConnectionId, byte[] Data);

/// <summary>
/// Half close (TCP FIN, <c>shutdown(SHUT_WR)</c>): the sender writes no more, but still reads what the other side sends
/// until that side closes too.
/// </summary>
/// <param name="ConnectionId">The client's id for the connection.</param>
public sealed record PodConnectionWriteClosed(string ConnectionId);

/// <summary>
/// Full close, in either direction: the connection is over and no further message about it follows. Sent by the pod
/// side when both directions are done (or the pod stopped), by the client to abandon the connection.
/// <paramref name="Error"/> is null for an orderly close, else why it was cut (a reset, the pod terminating).
/// </summary>
/// <param name="ConnectionId">The client's id for the connection.</param>
/// <param name="Error">Null for an orderly close; otherwise the reason, one line.</param>
public sealed record PodConnectionClosed(string ConnectionId, string? Error = null);
