namespace Emulator.Chaos.Experiments;

/// <summary>A chaos experiment: the cluster, the workload, the faults and the invariants watched while they happen.</summary>
/// <param name="Name">The experiment's name (reports carry it).</param>
/// <param name="Description">What it does, in one sentence.</param>
/// <param name="Cluster">The cluster to start or attach to.</param>
/// <param name="Workload">Manifests (YAML or JSON text) applied before the first fault.</param>
/// <param name="Schedule">When faults happen and how long convergence may take.</param>
/// <param name="Faults">What is broken, where and how often.</param>
/// <param name="Invariants">What must hold while the faults happen and after they end.</param>
public sealed record Experiment(string Name, string Description, ClusterSpec Cluster, IReadOnlyList<string> Workload, ScheduleSpec Schedule,
    IReadOnlyList<FaultSpec> Faults, IReadOnlyList<InvariantSpec> Invariants);

/// <summary>Where the experiment runs.</summary>
public enum ClusterMode
{
    /// <summary>A cluster started in this process on virtual time and the seeded deterministic dispatcher: one seed, one run.</summary>
    Virtual,

    /// <summary>A running cluster, reached through its members' console endpoints (and its API for the workload).</summary>
    Attach,
}

/// <summary>The cluster of an experiment.</summary>
/// <param name="Mode">Started here on virtual time, or attached to.</param>
/// <param name="Nodes">Emulated nodes of a virtual cluster.</param>
/// <param name="Consoles">Console endpoints (<c>HOST:PORT</c>) of an attached cluster's members; the first one serves the store.</param>
/// <param name="Api">The attached cluster's Kubernetes API (for the workload and the write ledger), e.g. <c>http://127.0.0.1:6443</c>.</param>
public sealed record ClusterSpec(ClusterMode Mode, int Nodes, IReadOnlyList<string> Consoles, Uri? Api)
{
    /// <summary>Worker processes of a virtual cluster, each with <see cref="Nodes"/> nodes (one: the node host of <c>emulator up</c>).</summary>
    public int Workers { get; init; } = 1;
}

/// <summary>The experiment's phases, in emulated time.</summary>
/// <param name="Warmup">From the workload's apply to the first possible fault.</param>
/// <param name="Duration">The window in which faults happen.</param>
/// <param name="Settle">How long after the last fault the cluster may take to converge.</param>
/// <param name="Step">How often the invariants look at the cluster.</param>
public sealed record ScheduleSpec(TimeSpan Warmup, TimeSpan Duration, TimeSpan Settle, TimeSpan Step);

/// <summary>What a fault does.</summary>
public enum FaultAction
{
    /// <summary>Send <c>Kill</c> to matching actors: each fails and its supervisor decides (a restart, usually).</summary>
    KillActor,

    /// <summary>Stop matching actors: their supervisors start them again after a backoff, or nothing does.</summary>
    StopActor,

    /// <summary>Stop matching emulated nodes (their heartbeats stop, their containers are lost), for a while or to the end.</summary>
    StopNode,

    /// <summary>Apply a manifest (a rollout, a scale) while the other faults happen.</summary>
    Apply,

    /// <summary>Cut the link between two members (attached clusters: Akka.Remote's blackhole) for a while.</summary>
    Partition,

    /// <summary>SIGKILL a worker process (virtual clusters: every actor of the worker dies at once), started again after <c>for</c>.</summary>
    KillProcess,

    /// <summary>Make the journal acknowledge each write only after a delay, for a while.</summary>
    DelayJournal,

    /// <summary>Lose each message on the link between two members with a probability (attached clusters: Akka.Remote's failure injector) for a while.</summary>
    LossyLink,
}

/// <summary>One fault of an experiment.</summary>
/// <param name="Index">Its position in the file (reports name it <c>faults[i]</c>).</param>
/// <param name="Action">What it does.</param>
/// <param name="Target">Actor path pattern, node name pattern, worker name pattern (kill-process), or (partition, lossy-link) the member's cluster address.</param>
/// <param name="At">First occurrence, after the warm-up.</param>
/// <param name="Every">Repeat interval within the fault window (null: once).</param>
/// <param name="Pick">How many matching targets each occurrence hits, chosen with the seed.</param>
/// <param name="For">How long a stopped node, a partition, a lossy link, a killed worker or a journal delay lasts (null: to the end of the experiment).</param>
/// <param name="Manifest">The manifest an <see cref="FaultAction.Apply"/> applies.</param>
/// <param name="Member">The console (index into the cluster's consoles) a fault of an attached cluster is sent to.</param>
public sealed record FaultSpec(int Index, FaultAction Action, string Target, TimeSpan At, TimeSpan? Every, int Pick, TimeSpan? For, string? Manifest, int Member)
{
    /// <summary>How long a <see cref="FaultAction.DelayJournal"/> holds each write's acknowledgement.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>The probability (0 to 1) with which a <see cref="FaultAction.LossyLink"/> loses each message.</summary>
    public double? Drop { get; init; }
}

/// <summary>One invariant: its type and what it watches.</summary>
/// <param name="Type">The invariant (<c>replicas-converge</c>, <c>daemonset-one-pod-per-node</c>, ...).</param>
/// <param name="Argument">What it applies to (<c>deployment/web</c>, a DaemonSet's name), or the duration of <c>converges-within</c>.</param>
public sealed record InvariantSpec(string Type, string? Argument);
