using Emulator.Runtime.Serialization;

namespace Emulator.Node.Kubelet;

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

/// <summary>What the kubelet remembers of one container of a pod: its restarts, its current (or last) run and the one before.</summary>
public sealed record ContainerRecord(string Name, bool Init, int RestartCount, ContainerRun? Current, ContainerRun? Previous);

/// <summary>What the kubelet remembers of one pod it runs.</summary>
public sealed record PodRecord(string PodUid, string Namespace, string Name, string PodIp, DateTimeOffset StartTime, IReadOnlyDictionary<string, ContainerRecord> Containers);

/// <summary>Journal event: the kubelet admitted a pod (gave it an IP and a start time).</summary>
public sealed record PodAdmitted(string PodUid, string Namespace, string Name, string PodIp, DateTimeOffset StartTime);

/// <summary>Journal event (and message from a pod worker): a container's record changed (started, exited, restarted).</summary>
public sealed record ContainerRecorded(string PodUid, ContainerRecord Container);

/// <summary>Journal event: the pod is gone from the node.</summary>
public sealed record PodForgotten(string PodUid);

/// <summary>Snapshot of the kubelet's journal state.</summary>
public sealed record KubeletSnapshot(IReadOnlyList<PodRecord> Pods)
{
    /// <summary>The images on the node.</summary>
    public IReadOnlyList<string>? Images { get; init; }
}

/// <summary>Stable manifests of the kubelet's journal events.</summary>
public static class KubeletSerialization
{
    /// <summary>
    /// Registers the kubelet's journal types with <paramref name="manifests"/> (the system's
    /// <see cref="EventSerialization"/>). The manifest strings are stored in every journal row: never change them.
    /// </summary>
    public static EventManifests Register(EventManifests manifests) => manifests
        .Register<PodAdmitted>("kubelet.pod-admitted.v1")
        .Register<ContainerRecorded>("kubelet.container-recorded.v1")
        .Register<PodForgotten>("kubelet.pod-forgotten.v1")
        .Register<ImagePulled>("kubelet.image-pulled.v1")
        .Register<KubeletSnapshot>("kubelet.snapshot.v1");
}
