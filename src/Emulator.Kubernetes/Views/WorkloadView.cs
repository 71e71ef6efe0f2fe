using System.Text.Json.Nodes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.Kubernetes.Views;

/// <summary>
/// A typed view over the replica-managing kinds (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job):
/// replicas, selector, pod template and, for Deployments, the rolling-update strategy.
/// </summary>
public sealed class WorkloadView
{
    /// <summary>Wraps a workload object.</summary>
    public WorkloadView(KubeObject workload)
    {
        Object = workload;
    }

    /// <summary>The wrapped object.</summary>
    public KubeObject Object { get; }

    /// <summary><c>spec.replicas</c> (1 when unset, as defaulted; Jobs use parallelism instead).</summary>
    public int Replicas
    {
        get => (int)(JsonTree.GetInt(Object.Document, "spec", "replicas") ?? 1);
        set => Object.EnsureSpec()["replicas"] = value;
    }

    /// <summary><c>spec.selector</c> as JSON.</summary>
    public JsonObject? SelectorJson => JsonTree.GetObject(Object.Document, "spec", "selector");

    /// <summary><c>spec.selector</c> converted (a missing selector selects nothing).</summary>
    /// <exception cref="SelectorParseException">When the selector is invalid.</exception>
    public LabelSelector Selector => LabelSelector.FromJson(SelectorJson);

    /// <summary>
    /// True when the workload's selector selects <paramref name="obj"/>. An empty selector selects nothing here (a
    /// controller never adopts every pod of a namespace), and neither does an invalid one.
    /// </summary>
    public bool Selects(KubeObject obj)
    {
        try
        {
            var selector = Selector;
            return !selector.IsEmpty && selector.Matches(obj);
        }
        catch (SelectorParseException)
        {
            return false;
        }
    }

    /// <summary><c>spec.template</c> (for CronJobs: <c>spec.jobTemplate</c>).</summary>
    public JsonObject? Template => Object.Kind == "CronJob"
        ? JsonTree.GetObject(Object.Document, "spec", "jobTemplate")
        : JsonTree.GetObject(Object.Document, "spec", "template");

    /// <summary><c>spec.template.metadata.labels</c>.</summary>
    public IReadOnlyDictionary<string, string> TemplateLabels => JsonTree.StringMap(JsonTree.Get(Template, "metadata", "labels"));

    /// <summary><c>spec.minReadySeconds</c>.</summary>
    public int MinReadySeconds => (int)(JsonTree.GetInt(Object.Document, "spec", "minReadySeconds") ?? 0);

    /// <summary><c>spec.revisionHistoryLimit</c> (10 when unset).</summary>
    public int RevisionHistoryLimit => (int)(JsonTree.GetInt(Object.Document, "spec", "revisionHistoryLimit") ?? 10);

    /// <summary><c>spec.paused</c>.</summary>
    public bool Paused => JsonTree.GetBool(Object.Document, "spec", "paused") ?? false;

    /// <summary><c>spec.strategy.type</c> of a Deployment, or <c>spec.updateStrategy.type</c> of a StatefulSet/DaemonSet.</summary>
    public string StrategyType =>
        JsonTree.GetString(Object.Document, "spec", "strategy", "type")
        ?? JsonTree.GetString(Object.Document, "spec", "updateStrategy", "type")
        ?? "RollingUpdate";

    /// <summary>A Deployment's maxSurge and maxUnavailable resolved against its replicas.</summary>
    public (int MaxSurge, int MaxUnavailable) RollingUpdateBounds =>
        IntOrPercent.ResolveFenceposts(
            JsonTree.Get(Object.Document, "spec", "strategy", "rollingUpdate", "maxSurge") ?? JsonValue.Create("25%"),
            JsonTree.Get(Object.Document, "spec", "strategy", "rollingUpdate", "maxUnavailable") ?? JsonValue.Create("25%"),
            Replicas);

    /// <summary><c>status.observedGeneration</c>.</summary>
    public long ObservedGeneration => JsonTree.GetInt(Object.Document, "status", "observedGeneration") ?? 0;
}
