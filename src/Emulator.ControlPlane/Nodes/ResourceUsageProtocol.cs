namespace Emulator.ControlPlane.Nodes;

// What the metrics server asks of the kubelets: the resource part of the kubelet's summary API
// (/stats/summary?only_cpu_and_memory=true), which metrics-server scrapes. Messages live here, below the node layer.

/// <summary>
/// Asks the kubelet of <paramref name="NodeName"/> for the CPU and memory its node and running containers use now;
/// replies <see cref="NodeUsage"/>, or <see cref="NodeUsageUnavailable"/> when the node is stopped, restarting or not
/// hosted by the process asked. <paramref name="Correlation"/> comes back unchanged on either reply.
/// </summary>
public sealed record ReadNodeUsage(string NodeName, object? Correlation = null);

/// <summary>
/// A kubelet's usage summary at <paramref name="Timestamp"/> (the emulated clock): the node as a whole (its pods plus
/// the system daemons) and each pod's running containers. CPU is a rate in nanocores, memory the working set in bytes.
/// </summary>
public sealed record NodeUsage(string NodeName, DateTimeOffset Timestamp, long CpuNanoCores, long MemoryBytes, IReadOnlyList<PodUsage> Pods)
{
    /// <summary>The <see cref="ReadNodeUsage.Correlation"/> of the request answered.</summary>
    public object? Correlation { get; init; }
}

/// <summary>The running containers of one pod on the node (a pod with none running is left out of the summary).</summary>
public sealed record PodUsage(string Namespace, string Name, string Uid, IReadOnlyList<ContainerUsage> Containers);

/// <summary>One running container: when its current run started and what it uses.</summary>
public sealed record ContainerUsage(string Name, DateTimeOffset StartTime, long CpuNanoCores, long MemoryBytes);

/// <summary>The kubelet of a node could not be scraped (stopped, restarting, not hosted here): why, in one line.</summary>
public sealed record NodeUsageUnavailable(string NodeName, string Reason)
{
    /// <summary>The <see cref="ReadNodeUsage.Correlation"/> of the request answered.</summary>
    public object? Correlation { get; init; }
}
