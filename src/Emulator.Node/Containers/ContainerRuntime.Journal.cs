using Emulator.Runtime.Serialization;

namespace Emulator.Node.Containers;

/// <summary>One run of a container: started, and (once it ended) when and how it ended.</summary>
/// <param name="ContainerId">The runtime's id (<c>containerd://…</c>).</param>
/// <param name="StartedAt">When the process started.</param>
/// <param name="FinishedAt">When it ended (null while running).</param>
/// <param name="ExitCode">Its exit code once ended.</param>
/// <param name="Reason"><c>Completed</c>, <c>Error</c>.</param>
public sealed record ContainerRun(string ContainerId, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt = null, int? ExitCode = null, string? Reason = null)
{
    /// <summary>True while the process runs.</summary>
    public bool IsRunning => FinishedAt is null;
}

/// <summary>What the runtime remembers of one container of a pod: its restarts, its current (or last) run and the one before.</summary>
public sealed record ContainerRecord(string Name, bool Init, int RestartCount, ContainerRun? Current, ContainerRun? Previous);

/// <summary>What the runtime remembers of one pod sandbox.</summary>
public sealed record PodRecord(string PodUid, string Namespace, string Name, string PodIp, DateTimeOffset StartTime, IReadOnlyDictionary<string, ContainerRecord> Containers)
{
    /// <summary>A new pod sandbox, no container run yet.</summary>
    public static PodRecord Admitted(PodAdmitted admitted) => new(admitted.PodUid, admitted.Namespace, admitted.Name, admitted.PodIp, admitted.StartTime,
        new Dictionary<string, ContainerRecord>(StringComparer.Ordinal));

    /// <summary>This record with <paramref name="container"/> replacing the container of its name.</summary>
    public PodRecord With(ContainerRecord container) =>
        this with { Containers = new Dictionary<string, ContainerRecord>(Containers, StringComparer.Ordinal) { [container.Name] = container } };
}

/// <summary>
/// A change to what a node's container runtime holds. The kubelet of <see cref="Node"/> sends it; the runtime journals it.
/// <see cref="Node"/> was added to the journal rows later: rows without it (null) belong to no node and are ignored.
/// </summary>
public abstract record RuntimeEvent
{
    /// <summary>The node whose runtime changed.</summary>
    public string? Node { get; init; }
}

/// <summary>Journal event: the kubelet admitted a pod (its sandbox got an IP and a start time).</summary>
public sealed record PodAdmitted(string PodUid, string Namespace, string Name, string PodIp, DateTimeOffset StartTime) : RuntimeEvent;

/// <summary>Journal event (and message from a pod worker): a container's record changed (started, exited, restarted).</summary>
public sealed record ContainerRecorded(string PodUid, ContainerRecord Container) : RuntimeEvent;

/// <summary>Journal event: the pod is gone from the node.</summary>
public sealed record PodForgotten(string PodUid) : RuntimeEvent;

/// <summary>Journal event (and message from a pod worker): the node pulled an image and has it now.</summary>
public sealed record ImagePulled(string Image) : RuntimeEvent;

/// <summary>What the runtime of one node holds: its pod sandboxes and its images.</summary>
/// <param name="Node">The node.</param>
/// <param name="Pods">The pods it runs.</param>
/// <param name="Images">The images on the node.</param>
public sealed record NodeRuntimeState(string Node, IReadOnlyList<PodRecord> Pods, IReadOnlyList<string> Images);

/// <summary>Snapshot of the container runtime of every node of a host.</summary>
public sealed record ContainerRuntimeSnapshot(IReadOnlyList<NodeRuntimeState> Nodes);

/// <summary>Stable manifests of the container runtime's journal.</summary>
public static class ContainerRuntimeSerialization
{
    /// <summary>
    /// Registers the runtime's journal types with <paramref name="manifests"/> (the system's
    /// <see cref="EventSerialization"/>). The manifest strings are stored in every journal row: never change them
    /// (the events kept the <c>kubelet.</c> names they were first written under).
    /// </summary>
    public static EventManifests Register(EventManifests manifests) => manifests
        .Register<PodAdmitted>("kubelet.pod-admitted.v1")
        .Register<ContainerRecorded>("kubelet.container-recorded.v1")
        .Register<PodForgotten>("kubelet.pod-forgotten.v1")
        .Register<ImagePulled>("kubelet.image-pulled.v1")
        .Register<ContainerRuntimeSnapshot>("container-runtime.snapshot.v1");
}
