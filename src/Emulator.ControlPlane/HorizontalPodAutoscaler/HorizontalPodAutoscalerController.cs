using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Metrics;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.HorizontalPodAutoscaler;

/// <summary>
/// kube-controller-manager's HorizontalPodAutoscaler controller (<c>horizontal.go</c>): every 15 s of emulated time
/// each autoscaler reads its target's scale (Deployments, ReplicaSets, StatefulSets, ReplicationControllers, custom
/// resources with a scale subresource), the pods its selector selects and their resource metrics (from the
/// <see cref="MetricsServer"/>, as the controller reads <c>metrics.k8s.io</c>), computes the replicas each metric
/// wants (<see cref="ReplicaCalculator"/>) and takes the largest, normalizes it (stabilization windows, min/max, rate
/// limits: <see cref="ScalingHistory"/>), updates the target's replicas when they change, and writes the status with
/// the AbleToScale, ScalingActive and ScalingLimited conditions and the events (<c>SuccessfulRescale</c>, …) in
/// Kubernetes' words. Pods and metrics are read only when an autoscaler syncs, so a cluster without autoscalers pays
/// nothing for it. One <see cref="Reconcile"/> per autoscaler.
/// </summary>
public sealed partial class HorizontalPodAutoscalerController : Controller
{
    /// <summary>The event source component.</summary>
    public const string Component = "horizontal-pod-autoscaler";

    /// <summary>The controller manager's <c>--horizontal-pod-autoscaler-sync-period</c>.</summary>
    public static readonly TimeSpan DefaultSyncPeriod = TimeSpan.FromSeconds(15);

    /// <summary>autoscaling/v2 HorizontalPodAutoscalers, as stored.</summary>
    public static readonly ResourceType Autoscalers = ResourceTypes.Of("autoscaling", "horizontalpodautoscalers");

    private static readonly ResourceType Definitions = CustomResourceTypes.Definitions;

    // A sync whose reads get no answer (a store or metrics server restarting) gives up and waits for the next period.
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(30);

    private readonly IActorRef _events;
    private readonly IActorRef? _metrics;
    private readonly TimeSpan _syncPeriod;
    private readonly TimeSpan _downscaleStabilization;
    private readonly Dictionary<ObjectKey, ScalingHistory> _histories = [];
    private readonly Dictionary<ObjectKey, LabelSelector?> _selectors = [];
    private readonly Dictionary<ObjectKey, Sync> _syncs = [];
    private int _nextSync;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="metrics">The metrics server; null when none runs (resource metrics then cannot be read).</param>
    /// <param name="syncPeriod">How often each autoscaler syncs (15 s).</param>
    /// <param name="downscaleStabilization">The scale-down stabilization window (5 min).</param>
    public HorizontalPodAutoscalerController(IActorRef store, IActorRef watchHub, IActorRef events, IActorRef? metrics, TimeSpan? syncPeriod = null, TimeSpan? downscaleStabilization = null)
        : base(store, watchHub, [Autoscalers, Definitions])
    {
        _events = events;
        _metrics = metrics;
        _syncPeriod = syncPeriod ?? DefaultSyncPeriod;
        _downscaleStabilization = downscaleStabilization ?? ScalingHistory.DefaultDownscaleStabilization;
    }

    /// <summary>One sync of one autoscaler, while its reads are under way.</summary>
    private sealed class Sync(int id, ObjectKey key, KubeObject autoscaler)
    {
        public int Id { get; } = id;

        public ObjectKey Key { get; } = key;

        public KubeObject Autoscaler { get; } = autoscaler;

        public AutoscalerStatus Status { get; } = new(autoscaler.Status);

        public ScaleTarget? Target { get; set; }

        public JsonObject? TargetObject { get; set; }

        public TargetScale? Scale { get; set; }

        public LabelSelector? Selector { get; set; }

        public List<KubeObject>? Pods { get; set; }

        public ResourceMetrics? Metrics { get; set; }

        public string? MetricsError { get; set; }

        public string Namespace => Key.Namespace ?? "";
    }

    private sealed record TargetRead(ObjectKey Key, int Id);

    private sealed record PodsListed(ObjectKey Key, int Id);

    private sealed record MetricsRead(ObjectKey Key, int Id);

    private sealed record SyncTimedOut(ObjectKey Key, int Id);

    private sealed record Rescaling(int Id, int Current, int Desired, string Reason, JsonArray? Metrics);

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key != Autoscalers.Key)
        {
            return;
        }
        var key = KeyOf(type, (after ?? before)!);
        if (after is null)
        {
            Forget(key);
            return;
        }
        // A new autoscaler syncs at once; a changed one at its next period (the controller's rate-limited queue).
        if (before is null)
        {
            _selectors.TryAdd(key, null);
            Enqueue(key);
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(Autoscalers).Get(key.Namespace, key.Name) is not { } cached)
        {
            Forget(key);
            return;
        }
        if (_syncs.ContainsKey(key))
        {
            return;
        }
        _selectors.TryAdd(key, null);
        var sync = new Sync(++_nextSync, key, cached.Object.DeepClone());
        _syncs[key] = sync;
        Timers.StartSingleTimer(("sync-timeout", key), new SyncTimedOut(key, sync.Id), SyncTimeout);
        var reference = JsonTree.GetObject(sync.Autoscaler.Document, "spec", "scaleTargetRef");
        try
        {
            sync.Target = ScaleTarget.Resolve(JsonTree.GetString(reference, "apiVersion") ?? "", JsonTree.GetString(reference, "kind") ?? "",
                Cache(Definitions).All.Select(c => c.Stored));
        }
        catch (ScaleTargetException e)
        {
            FailedGetScale(sync, e.Message);
            return;
        }
        Store.Tell(new GetObject(sync.Target.Type, key.Namespace, JsonTree.GetString(reference, "name") ?? "") { Correlation = new TargetRead(key, sync.Id) }, Self);
    }

    /// <inheritdoc />
    protected override void OnOtherMessage(object message)
    {
        switch (message)
        {
            case StoreReply { Correlation: TargetRead read } reply when Current(read.Key, read.Id) is { } sync:
                if (reply.Error is { } error)
                {
                    FailedGetScale(sync, error.Message);
                }
                else
                {
                    TargetReceived(sync, reply.Object!.ToJsonObject());
                }
                break;
            case ListReply { Correlation: PodsListed listed } pods when Current(listed.Key, listed.Id) is { } sync:
                sync.Pods = pods.Items.Select(p => new KubeObject(p.ToJsonObject())).ToList();
                ComputeWhenRead(sync);
                break;
            case ResourceMetrics { Correlation: MetricsRead read } metrics when Current(read.Key, read.Id) is { } sync:
                sync.Metrics = metrics;
                ComputeWhenRead(sync);
                break;
            case SyncTimedOut timedOut when Current(timedOut.Key, timedOut.Id) is { } sync:
                if (sync.Pods is not null && sync.Metrics is null)
                {
                    // What the resource metrics client says when metrics-server does not answer.
                    sync.MetricsError = "the server is currently unable to handle the request (get pods.metrics.k8s.io)";
                    ComputeWhenRead(sync);
                }
                else
                {
                    _syncs.Remove(sync.Key);
                    EnqueueAfter(sync.Key, _syncPeriod);
                }
                break;
            case StoreReply or ListReply or ResourceMetrics or SyncTimedOut:
                // The answer to a sync that is over.
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        if (tag.State is not Rescaling rescaling || Current(tag.Key, rescaling.Id) is not { } sync)
        {
            base.OnWriteReply(reply, tag);
            return;
        }
        var now = Now;
        if (reply.Error is { Reason: "Conflict" })
        {
            // The target changed under the update: the controller reads its scale again and retries (the write's
            // conflict queues this autoscaler again).
            EndSync(sync);
            return;
        }
        if (reply.Error is { } error)
        {
            Event(sync, "Warning", "FailedRescale", $"New size: {rescaling.Desired}; reason: {rescaling.Reason}; error: {error.Message}");
            sync.Status.SetCondition("AbleToScale", "False", "FailedUpdateScale", $"the HPA controller was unable to update the target scale: {error.Message}", now);
            sync.Status.CurrentReplicas = rescaling.Current;
            sync.Status.CurrentMetrics = rescaling.Metrics;
            Finish(sync);
            return;
        }
        sync.Status.SetCondition("AbleToScale", "True", "SucceededRescale", $"the HPA controller was able to update the target scale to {rescaling.Desired}", now);
        Event(sync, "Normal", "SuccessfulRescale", $"New size: {rescaling.Desired}; reason: {rescaling.Reason}");
        History(sync.Key).StoreScaleEvent(ScalingBehavior.Parse(JsonTree.GetObject(sync.Autoscaler.Document, "spec", "behavior")), rescaling.Current, rescaling.Desired, now);
        sync.Status.CurrentReplicas = rescaling.Current;
        sync.Status.DesiredReplicas = rescaling.Desired;
        sync.Status.CurrentMetrics = rescaling.Metrics;
        sync.Status.LastScaleTime = Rfc3339Time.Format(now);
        Finish(sync);
    }

    private Sync? Current(ObjectKey key, int id) => _syncs.TryGetValue(key, out var sync) && sync.Id == id ? sync : null;

    private ScalingHistory History(ObjectKey key)
    {
        if (!_histories.TryGetValue(key, out var history))
        {
            history = new ScalingHistory();
            _histories[key] = history;
        }
        return history;
    }

    private void Forget(ObjectKey key)
    {
        _histories.Remove(key);
        _selectors.Remove(key);
        if (_syncs.Remove(key))
        {
            Timers.Cancel(("sync-timeout", key));
        }
    }

    private void Event(Sync sync, string type, string reason, string message) =>
        _events.Tell(new RecordEvent(InvolvedObject.Of(sync.Autoscaler), type, reason, message, Component), Self);

    private void FailedGetScale(Sync sync, string message)
    {
        Event(sync, "Warning", "FailedGetScale", message);
        sync.Status.SetCondition("AbleToScale", "False", "FailedGetScale", $"the HPA controller was unable to get the target's current scale: {message}", Now);
        Finish(sync);
    }

    /// <summary>
    /// The target's scale decides what to do: scaling is disabled at zero replicas, a count outside min/max is brought
    /// back within them, and otherwise the metrics are read (the pods the scale's selector selects, and their metrics).
    /// </summary>
    private void TargetReceived(Sync sync, JsonObject target)
    {
        var now = Now;
        var spec = sync.Autoscaler.Spec ?? [];
        sync.TargetObject = target;
        var scale = sync.Target!.ScaleOf(target);
        sync.Scale = scale;
        sync.Status.SetCondition("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale", now);
        var current = scale.SpecReplicas;
        History(sync.Key).RecordInitial(current, now);
        var minReplicas = (int)(JsonTree.GetInt(spec, "minReplicas") ?? 1);
        var maxReplicas = (int)(JsonTree.GetInt(spec, "maxReplicas") ?? 0);
        if (current == 0)
        {
            sync.Status.SetCondition("ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", now);
            sync.Status.CurrentReplicas = 0;
            sync.Status.DesiredReplicas = 0;
            sync.Status.CurrentMetrics = null;
            Finish(sync);
            return;
        }
        if (current > maxReplicas)
        {
            Rescale(sync, current, maxReplicas, "Current number of replicas above Spec.MaxReplicas", null);
            return;
        }
        if (current < minReplicas)
        {
            Rescale(sync, current, minReplicas, "Current number of replicas below Spec.MinReplicas", null);
            return;
        }
        if (ParseSelector(sync, scale.Selector) is not { } selector)
        {
            return;
        }
        sync.Selector = selector;
        _selectors[sync.Key] = selector;
        Store.Tell(new ListObjects(ResourceTypes.Pods, sync.Key.Namespace, new ObjectSelector(scale.Selector)) { Correlation = new PodsListed(sync.Key, sync.Id) }, Self);
        if (_metrics is { } metrics)
        {
            metrics.Tell(new ReadResourceMetrics(new MetricsRead(sync.Key, sync.Id)), Self);
        }
        else
        {
            // What the resource metrics client says when no metrics-server is registered.
            sync.MetricsError = "the server could not find the requested resource (get pods.metrics.k8s.io)";
        }
    }

    /// <summary><c>validateAndParseSelector</c>, its first part: the scale must have a selector, and it must parse.</summary>
    private LabelSelector? ParseSelector(Sync sync, string text)
    {
        string error;
        if (text.Length == 0)
        {
            error = "selector is required";
            Event(sync, "Warning", "SelectorRequired", error);
            sync.Status.SetCondition("ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector", Now);
        }
        else
        {
            try
            {
                return LabelSelector.Parse(text);
            }
            catch (SelectorParseException e)
            {
                error = $"couldn't convert selector into a corresponding internal selector object: {e.Message}";
                Event(sync, "Warning", "InvalidSelector", error);
                sync.Status.SetCondition("ScalingActive", "False", "InvalidSelector", error, Now);
            }
        }
        FailedComputeMetricsReplicas(sync, null, error);
        return null;
    }

    /// <summary>The metrics could not give a replica count: the status keeps the last desired count, and a warning says why.</summary>
    private void FailedComputeMetricsReplicas(Sync sync, JsonArray? metrics, string error)
    {
        sync.Status.CurrentReplicas = sync.Scale!.SpecReplicas;
        sync.Status.CurrentMetrics = metrics;
        Event(sync, "Warning", "FailedComputeMetricsReplicas", error);
        Finish(sync);
    }

    private void ComputeWhenRead(Sync sync)
    {
        if (sync.Pods is null || (sync.Metrics is null && sync.MetricsError is null))
        {
            return;
        }
        var now = Now;
        var current = sync.Scale!.SpecReplicas;
        if (AmbiguousSelector(sync) is { } ambiguous)
        {
            Event(sync, "Warning", "AmbiguousSelector", ambiguous);
            sync.Status.SetCondition("ScalingActive", "False", "AmbiguousSelector", ambiguous, now);
            FailedComputeMetricsReplicas(sync, null, ambiguous);
            return;
        }
        var computed = ComputeReplicasForMetrics(sync, now);
        if (computed.Replicas < 0)
        {
            FailedComputeMetricsReplicas(sync, computed.Statuses, computed.Error!);
            return;
        }
        var spec = sync.Autoscaler.Spec ?? [];
        var minReplicas = (int)(JsonTree.GetInt(spec, "minReplicas") ?? 1);
        var maxReplicas = (int)(JsonTree.GetInt(spec, "maxReplicas") ?? 0);
        var desired = 0;
        var reason = "";
        var rescaleMetric = "";
        if (computed.Replicas > desired)
        {
            desired = computed.Replicas;
            rescaleMetric = computed.Metric;
        }
        if (desired > current)
        {
            reason = $"{rescaleMetric} above target";
        }
        if (desired < current)
        {
            reason = "All metrics below target";
        }
        var behavior = ScalingBehavior.Parse(JsonTree.GetObject(spec, "behavior"));
        var history = History(sync.Key);
        var normalization = behavior is null
            ? history.Normalize(current, desired, minReplicas, maxReplicas, _downscaleStabilization, now)
            : history.Normalize(behavior, current, desired, minReplicas, maxReplicas, _downscaleStabilization, now);
        sync.Status.SetCondition("AbleToScale", "True", normalization.AbleToScaleReason, normalization.AbleToScaleMessage, now);
        sync.Status.SetCondition("ScalingLimited", normalization.Limited ? "True" : "False", normalization.LimitedReason, normalization.LimitedMessage, now);
        if (normalization.Desired != current)
        {
            Rescale(sync, current, normalization.Desired, reason, computed.Statuses);
            return;
        }
        sync.Status.CurrentReplicas = current;
        sync.Status.DesiredReplicas = current;
        sync.Status.CurrentMetrics = computed.Statuses;
        Finish(sync);
    }

    /// <summary>
    /// <c>validateAndParseSelector</c>, its last part: the pods this autoscaler selects must not be selected by another
    /// autoscaler of the namespace too (as last seen by the other's sync).
    /// </summary>
    private string? AmbiguousSelector(Sync sync)
    {
        var selecting = _selectors
            .Where(s => s.Key.Namespace == sync.Key.Namespace && s.Value is { } other && sync.Pods!.Any(p => other.Matches(p.Labels)))
            .Select(s => $"{s.Key.Namespace}/{s.Key.Name}")
            .Order(StringComparer.Ordinal)
            .Take(2)
            .ToList();
        return selecting.Count > 1
            ? $"pods by selector {sync.Scale!.Selector} are controlled by more than one HPA (e.g. [{string.Join(" ", selecting)}])"
            : null;
    }

    /// <summary>Updates the target's scale; the reply finishes the sync (<see cref="OnWriteReply"/>).</summary>
    private void Rescale(Sync sync, int current, int desired, string reason, JsonArray? metrics) =>
        UpdateObject(sync.Key, sync.Target!.Type, sync.Target.WithReplicas(sync.TargetObject!, desired), new Rescaling(sync.Id, current, desired, reason, metrics));

    /// <summary>Writes the status when it changed (<c>updateStatusIfNeeded</c>) and schedules the next sync.</summary>
    private void Finish(Sync sync)
    {
        EndSync(sync);
        if (Cache(Autoscalers).Get(sync.Key.Namespace, sync.Key.Name) is not { } latest || latest.Object.Uid != sync.Autoscaler.Uid)
        {
            return;
        }
        var status = sync.Status.ToJson();
        if (JsonTree.DeepEquals(latest.Object.Status, status))
        {
            return;
        }
        var updated = latest.Stored.ToJsonObject();
        updated["status"] = status;
        UpdateStatus(sync.Key, Autoscalers, updated);
    }

    private void EndSync(Sync sync)
    {
        _syncs.Remove(sync.Key);
        Timers.Cancel(("sync-timeout", sync.Key));
        EnqueueAfter(sync.Key, _syncPeriod);
    }
}
