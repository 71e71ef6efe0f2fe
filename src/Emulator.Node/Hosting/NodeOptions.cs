namespace Emulator.Node.Hosting;

/// <summary>What one emulated node is: its name, addresses and capacity, and how its container runtime behaves.</summary>
/// <param name="Name">Node name (also its hostname).</param>
/// <param name="Index">Position of the node in its host (1-based): picks its addresses.</param>
/// <param name="Cpu">CPU capacity (a Kubernetes quantity).</param>
/// <param name="Memory">Memory capacity.</param>
/// <param name="Pods">Pod capacity.</param>
/// <param name="InternalIp">The node's InternalIP address.</param>
/// <param name="Zone">Value of <c>topology.kubernetes.io/zone</c>.</param>
/// <param name="Region">Value of <c>topology.kubernetes.io/region</c>.</param>
/// <param name="ImagePullDelay">How long an image pull takes (emulated time; zero allowed).</param>
public sealed record NodeOptions(string Name, int Index, string Cpu, string Memory, int Pods, string InternalIp, string Zone, string Region, TimeSpan ImagePullDelay)
{
    /// <summary>How often the Lease is renewed (the kubelet's 10 s).</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a Lease is valid (<c>leaseDurationSeconds</c>).</summary>
    public int LeaseDurationSeconds { get; init; } = 40;

    /// <summary>How often the node status is posted even without a change (the kubelet's 5 min).</summary>
    public TimeSpan StatusReportInterval { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>The emulated nodes of one process.</summary>
/// <param name="NodeCount">How many nodes (named <c>node-1</c>…).</param>
/// <param name="NamePrefix">Node name prefix.</param>
/// <param name="Cpu">CPU capacity of each node.</param>
/// <param name="Memory">Memory capacity of each node.</param>
/// <param name="Pods">Pod capacity of each node.</param>
/// <param name="ImagePullDelay">How long an image pull takes (emulated; null: 2 s).</param>
/// <param name="Region">Region label of every node.</param>
/// <param name="Zones">Zones assigned round-robin (null: <c>&lt;region&gt;-a</c>, <c>-b</c>, <c>-c</c>).</param>
/// <param name="FirstIndex">Index of the first node (processes hosting different nodes use different ranges).</param>
public sealed record NodeHostOptions(int NodeCount = 1, string NamePrefix = "node-", string Cpu = "4", string Memory = "16Gi", int Pods = 110,
    TimeSpan? ImagePullDelay = null, string Region = "emulator", IReadOnlyList<string>? Zones = null, int FirstIndex = 1)
{
    /// <summary>The host name a process uses unless told otherwise.</summary>
    public const string DefaultHost = "local";

    /// <summary>
    /// The name of this host of nodes: its container runtime journals as <c>container-runtime-&lt;host&gt;</c>, so
    /// processes sharing a journal need different names, and a restarted process needs the same one.
    /// </summary>
    public string Host { get; init; } = DefaultHost;

    /// <summary>The options of each node.</summary>
    public IReadOnlyList<NodeOptions> Nodes()
    {
        var zones = Zones is { Count: > 0 } z ? z : [$"{Region}-a", $"{Region}-b", $"{Region}-c"];
        return Enumerable.Range(FirstIndex, NodeCount).Select(i => new NodeOptions(
            $"{NamePrefix}{i}", i, Cpu, Memory, Pods, $"172.18.{i / 250}.{(i % 250) + 2}",
            zones[(i - FirstIndex) % zones.Count], Region, ImagePullDelay ?? TimeSpan.FromSeconds(2))).ToList();
    }
}
