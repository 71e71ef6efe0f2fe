using Akka.Actor;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Nodes;

// An exec or attach session between the API server (kubectl's stream) and the kubelet running the container. Payloads
// are bytes and replies go to actor references, so a session can cross processes.

/// <summary>
/// Opens an exec (<paramref name="Command"/> not empty) or an attach (<paramref name="Command"/> empty: the container's
/// main process) on the kubelet of <paramref name="NodeName"/>. Output and the end go to <paramref name="Client"/>
/// (<see cref="ContainerOutput"/>, <see cref="ContainerStreamEnded"/>). Replies <see cref="ContainerStreamOpened"/> or
/// <see cref="ContainerStreamRefused"/>.
/// </summary>
public sealed record OpenContainerStream(
    string NodeName,
    string Namespace,
    string Pod,
    string Container,
    IReadOnlyList<string> Command,
    bool Stdin,
    bool Stdout,
    bool Stderr,
    bool Tty,
    IActorRef Client);

/// <summary>The session is open: stdin, resizes and the close go to <paramref name="Session"/>.</summary>
public sealed record ContainerStreamOpened(IActorRef Session);

/// <summary>The kubelet refused the stream (pod not on the node, container not running), in Kubernetes' words.</summary>
public sealed record ContainerStreamRefused(ApiStatus Error);

/// <summary>Bytes the client typed or piped, for the process's standard input.</summary>
public sealed record ContainerStdin(byte[] Data);

/// <summary>The client closed its standard input (end of input).</summary>
public sealed record ContainerStdinClosed;

/// <summary>The client's terminal size changed (columns, rows).</summary>
public sealed record TerminalResize(int Width, int Height);

/// <summary>The client went away: the session ends (an exec's process is killed; an attach detaches).</summary>
public sealed record CloseContainerStream(IActorRef Client);

/// <summary>Output of the process: <paramref name="Stream"/> 1 is stdout, 2 stderr (with a tty, everything is stdout).</summary>
public sealed record ContainerOutput(int Stream, byte[] Data);

/// <summary>
/// The session ended: the exec'd process exited with <paramref name="ExitCode"/> (null for an attach, which reports
/// none), or it failed with <paramref name="Error"/> (a message for the error stream).
/// </summary>
public sealed record ContainerStreamEnded(int? ExitCode, string? Error = null);
