using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Nodes;

// What the API and the CLI ask of the process that hosts emulated nodes (the node layer answers). The messages live
// here, below both, so that the API does not depend on the node layer.

/// <summary>
/// Reads a container's log (<c>kubectl logs</c>) from the kubelet of <paramref name="NodeName"/>; replies
/// <see cref="ContainerLogReply"/>. <paramref name="Container"/> null means the pod's only (or first) container;
/// <paramref name="Previous"/> reads the last terminated run; <paramref name="TailLines"/> keeps the last lines only.
/// </summary>
public sealed record ReadContainerLog(string NodeName, string Namespace, string Pod, string? Container, bool Previous = false, int? TailLines = null, bool Timestamps = false);

/// <summary>The log text, or a Kubernetes-style error (pod not on that node, unknown container, no previous run).</summary>
public sealed record ContainerLogReply(string? Text, ApiStatus? Error)
{
    /// <summary>True when the container is still running and more lines may follow (for <c>follow</c>).</summary>
    public bool Running { get; init; }

    /// <summary>How many lines the run has logged so far, before any tail was taken (for <c>follow</c>).</summary>
    public int TotalLines { get; init; }
}

/// <summary>Stops an emulated node: its agent and kubelet stop heartbeating (a node failure as the control plane sees it). Replies <see cref="NodeCommandReply"/>.</summary>
public sealed record StopNode(string Name);

/// <summary>Starts a stopped emulated node again (its kubelet recovers from its journal). Replies <see cref="NodeCommandReply"/>.</summary>
public sealed record StartNode(string Name);

/// <summary>Lists the emulated nodes this process hosts. Replies <see cref="HostedNodes"/>.</summary>
public sealed record ListHostedNodes;

/// <summary>The emulated nodes of a process and whether each is running.</summary>
public sealed record HostedNodes(IReadOnlyList<(string Name, bool Running)> Nodes);

/// <summary>The outcome of a node command, in one line.</summary>
public sealed record NodeCommandReply(bool Success, string Message);
