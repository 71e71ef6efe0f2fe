using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Views;

/// <summary>A typed view over a Pod (reads and writes go to the wrapped document).</summary>
public sealed class PodView
{
    /// <summary>Wraps a Pod object.</summary>
    public PodView(KubeObject pod)
    {
        Object = pod;
    }

    /// <summary>The wrapped object.</summary>
    public KubeObject Object { get; }

    /// <summary><c>spec</c> (created when missing).</summary>
    public JsonObject Spec => Object.EnsureSpec();

    /// <summary><c>spec.containers</c>.</summary>
    public IReadOnlyList<ContainerView> Containers => ContainersOf("containers");

    /// <summary><c>spec.initContainers</c>.</summary>
    public IReadOnlyList<ContainerView> InitContainers => ContainersOf("initContainers");

    /// <summary><c>spec.nodeName</c>.</summary>
    public string? NodeName
    {
        get => JsonTree.GetString(Object.Document, "spec", "nodeName");
        set => Spec["nodeName"] = value;
    }

    /// <summary><c>spec.restartPolicy</c> (Always when unset, as defaulted).</summary>
    public string RestartPolicy => JsonTree.GetString(Object.Document, "spec", "restartPolicy") ?? "Always";

    /// <summary><c>spec.terminationGracePeriodSeconds</c> (30 when unset).</summary>
    public long TerminationGracePeriodSeconds => JsonTree.GetInt(Object.Document, "spec", "terminationGracePeriodSeconds") ?? 30;

    /// <summary><c>spec.schedulerName</c>.</summary>
    public string SchedulerName => JsonTree.GetString(Object.Document, "spec", "schedulerName") ?? "default-scheduler";

    /// <summary><c>spec.nodeSelector</c>.</summary>
    public IReadOnlyDictionary<string, string> NodeSelector => JsonTree.StringMap(JsonTree.Get(Object.Document, "spec", "nodeSelector"));

    /// <summary><c>spec.tolerations</c>.</summary>
    public IEnumerable<JsonObject> Tolerations => JsonTree.Objects(JsonTree.GetArray(Object.Document, "spec", "tolerations"));

    /// <summary><c>status.phase</c>.</summary>
    public string? Phase
    {
        get => JsonTree.GetString(Object.Document, "status", "phase");
        set => Object.EnsureStatus()["phase"] = value;
    }

    /// <summary><c>status.podIP</c>.</summary>
    public string? PodIP => JsonTree.GetString(Object.Document, "status", "podIP");

    /// <summary>True when the Pod is Succeeded or Failed.</summary>
    public bool IsTerminal => Phase is "Succeeded" or "Failed";

    /// <summary>True when the <c>Ready</c> condition is <c>True</c>.</summary>
    public bool IsReady => Object.Status is { } status && Conditions.IsTrue(status, "Ready");

    private IReadOnlyList<ContainerView> ContainersOf(string field) =>
        JsonTree.Objects(JsonTree.GetArray(Object.Document, "spec", field)).Select(c => new ContainerView(c)).ToList();
}
