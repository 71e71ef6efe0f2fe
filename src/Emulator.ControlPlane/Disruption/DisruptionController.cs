using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Disruption;

/// <summary>
/// kube-controller-manager's disruption controller: keeps each PodDisruptionBudget's status — <c>expectedPods</c>,
/// <c>desiredHealthy</c> (from minAvailable, or expectedPods minus maxUnavailable; percentages of the owning
/// controllers' scale, rounded up), <c>currentHealthy</c> (Ready pods neither terminating nor just approved for
/// eviction), <c>disruptionsAllowed</c>, <c>observedGeneration</c> and the <c>DisruptionAllowed</c> condition. Pods
/// the eviction subresource approved (<c>status.disruptedPods</c>) are dropped once seen terminating or after
/// <see cref="DisruptionBudgets.DeletionTimeout"/>. When the status cannot be computed (a percentage over pods without
/// a scalable controller) the budget fails safe: no disruption allowed, condition <c>SyncFailed</c>. One
/// <see cref="Reconcile"/> per budget.
/// </summary>
public sealed partial class DisruptionController : Controller
{
    /// <summary>The event source component (the controller manager's recorder for this controller).</summary>
    public const string Component = "controllermanager";

    private const string ByNamespace = "namespace";

    private static readonly ResourceType Budgets = DisruptionBudgets.Budgets;
    private static readonly ResourceType Pods = ResourceTypes.Pods;

    private readonly IActorRef _events;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public DisruptionController(IActorRef store, IActorRef watchHub, IActorRef events, TimeSpan? resync = null)
        : base(store, watchHub, [Budgets, Pods, ReplicaSets, Deployments, StatefulSets, ReplicationControllers], resync)
    {
        _events = events;
        Cache(Pods).AddIndex(ByNamespace, (CachedObject pod) => [pod.Namespace ?? ""]);
        Cache(Budgets).AddIndex(ByNamespace, (CachedObject budget) => [budget.Namespace ?? ""]);
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == Pods.Key)
        {
            // Most pods are covered by no budget: their versions are not even parsed.
            if (Cache(Budgets).ByIndex(ByNamespace, (after ?? before)!.Namespace ?? "").Count > 0)
            {
                PodChanged(before?.Object, after?.Object);
            }
            return;
        }
        if (type.Key != Budgets.Key)
        {
            // A controller's scale decides expectedPods of percentage and maxUnavailable budgets. Kubernetes waits for the
            // pods to change (or a resync); looking again at once gives the same status sooner.
            var ns = (after ?? before)!.Namespace ?? "";
            if (before is null || after is null || new WorkloadView(before.Object).Replicas != new WorkloadView(after.Object).Replicas)
            {
                foreach (var budget in Cache(Budgets).ByIndex(ByNamespace, ns))
                {
                    Enqueue(KeyOf(Budgets, budget));
                }
            }
            return;
        }
        base.OnChange(type, before, after);
    }

    private void PodChanged(KubeObject? before, KubeObject? after)
    {
        // The budgets of the pod as it is, and those of the pod as it was (its labels may have changed).
        var covering = Cache(Budgets).ByIndex(ByNamespace, (after ?? before)!.Namespace ?? "")
            .Where(b => (after is not null && DisruptionBudgets.Covers(b.Object, after)) || (before is not null && DisruptionBudgets.Covers(b.Object, before)))
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var budget in covering)
        {
            Enqueue(KeyOf(Budgets, budget));
        }
        var current = after is null ? [] : covering.Where(b => DisruptionBudgets.Covers(b.Object, after)).ToList();
        if (current.Count > 1)
        {
            _events.Tell(new RecordEvent(InvolvedObject.Of(after!), "Warning", "MultiplePodDisruptionBudgets",
                $"Pod \"{after!.Namespace}\"/\"{after.Name}\" matches multiple PodDisruptionBudgets.  Chose \"{current[0].Name}\" arbitrarily.", Component), Self);
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(Budgets).Get(key.Namespace, key.Name) is not { } cached)
        {
            return;
        }
        var budget = cached.Object;
        var selector = DisruptionBudgets.Selector(budget);
        var pods = Cache(Pods).ByIndex(ByNamespace, key.Namespace ?? "")
            .Where(p => selector.Matches(p.Object))
            .Select(p => p.Object)
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        if (pods.Count == 0)
        {
            Record(budget, "Normal", "NoPods", "No matching pods found");
        }

        int expected, desired;
        try
        {
            (expected, desired, var unmanaged) = ExpectedPodCount(budget, pods);
            if (unmanaged.Count > 0)
            {
                Record(budget, "Warning", "UnmanagedPods", $"Pods selected by this PodDisruptionBudget (selector: {GoSelectorText(JsonTree.GetObject(budget.Document, "spec", "selector"))}) were found "
                    + "to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "
                    + "To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.");
            }
        }
        catch (ExpectedPodsException e)
        {
            Record(budget, "Warning", "CalculateExpectedPodCountFailed", $"Failed to calculate the number of expected pods: {e.Message}");
            FailSafe(key, budget, e.Message);
            return;
        }

        var now = Now;
        var (disrupted, recheck) = DisruptedPods(pods, budget, now);
        var healthy = pods.Count(p => p.DeletionTimestamp is null
            && !(disrupted.TryGetValue(p.Name ?? "", out var at) && at + DisruptionBudgets.DeletionTimeout > now)
            && new PodView(p).IsReady);
        WriteStatus(key, budget, healthy, desired, expected, disrupted, now);
        if (recheck is { } due)
        {
            EnqueueAfter(key, due - now);
        }
    }

    /// <summary>
    /// The approved evictions still pending: pods in <c>status.disruptedPods</c> that exist and are not terminating
    /// yet. One past its deadline is dropped (with a <c>NotDeleted</c> warning); the earliest deadline left is when to
    /// look again.
    /// </summary>
    private (Dictionary<string, DateTimeOffset> Disrupted, DateTimeOffset? Recheck) DisruptedPods(List<KubeObject> pods, KubeObject budget, DateTimeOffset now)
    {
        var result = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        DateTimeOffset? recheck = null;
        if (JsonTree.GetObject(budget.Document, "status", "disruptedPods") is not { Count: > 0 } recorded)
        {
            return (result, recheck);
        }
        foreach (var pod in pods)
        {
            if (pod.DeletionTimestamp is not null || pod.Name is not { } name
                || !Rfc3339Time.TryParse(JsonTree.AsString(recorded[name]), out var disruptedAt))
            {
                continue;
            }
            var expectedDeletion = disruptedAt + DisruptionBudgets.DeletionTimeout;
            if (expectedDeletion < now)
            {
                // Kubernetes names the budget's namespace twice here.
                _events.Tell(new RecordEvent(InvolvedObject.Of(pod), "Warning", "NotDeleted",
                    $"Pod was expected by PDB {budget.Namespace}/{budget.Namespace} to be deleted but it wasn't", Component), Self);
                continue;
            }
            if (recheck is null || expectedDeletion < recheck)
            {
                recheck = expectedDeletion;
            }
            result[name] = disruptedAt;
        }
        return (result, recheck);
    }

    /// <summary>
    /// <c>updatePdbStatus</c>: disruptionsAllowed = currentHealthy − desiredHealthy, never below 0 and 0 while no pod is
    /// expected (so a budget whose pods have just appeared is safe before it is computed); written only when it changed.
    /// </summary>
    private void WriteStatus(ObjectKey key, KubeObject budget, int healthy, int desired, int expected, Dictionary<string, DateTimeOffset> disrupted, DateTimeOffset now)
    {
        var allowed = expected <= 0 || healthy - desired <= 0 ? 0 : healthy - desired;
        var current = budget.Status;
        var disruptedJson = new JsonObject(disrupted.OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => KeyValuePair.Create(d.Key, (JsonNode?)Rfc3339Time.Format(d.Value))));
        var generation = budget.Generation ?? 0;
        if (current is not null
            && DisruptionBudgets.StatusInt(budget, "currentHealthy") == healthy
            && DisruptionBudgets.StatusInt(budget, "desiredHealthy") == desired
            && DisruptionBudgets.StatusInt(budget, "expectedPods") == expected
            && DisruptionBudgets.StatusInt(budget, "disruptionsAllowed") == allowed
            && SameDisrupted(current["disruptedPods"] as JsonObject, disruptedJson)
            && DisruptionBudgets.StatusInt(budget, "observedGeneration") == generation
            && DisruptionBudgets.ConditionsAreUpToDate(budget))
        {
            return;
        }
        var updated = (JsonObject)budget.Document.DeepClone();
        var status = new JsonObject();
        if (generation != 0)
        {
            status["observedGeneration"] = generation;
        }
        if (disruptedJson.Count > 0)
        {
            status["disruptedPods"] = disruptedJson;
        }
        status["disruptionsAllowed"] = allowed;
        status["currentHealthy"] = healthy;
        status["desiredHealthy"] = desired;
        status["expectedPods"] = expected;
        if (current?["conditions"] is JsonArray conditions)
        {
            status["conditions"] = conditions.DeepClone();
        }
        DisruptionBudgets.UpdateDisruptionAllowedCondition(status, now);
        updated["status"] = status;
        UpdateStatus(key, Budgets, updated);
    }

    /// <summary>
    /// <c>failSafe</c>: when the status cannot be computed, at least no eviction is approved — disruptionsAllowed 0 and
    /// <c>DisruptionAllowed</c> False <c>SyncFailed</c> with the error; the rest of the status stays as it was.
    /// </summary>
    private void FailSafe(ObjectKey key, KubeObject budget, string error)
    {
        var updated = (JsonObject)budget.Document.DeepClone();
        var status = updated["status"] as JsonObject ?? [];
        updated["status"] = status;
        status["disruptionsAllowed"] = 0;
        DisruptionBudgets.SetCondition(status, "False", DisruptionBudgets.SyncFailedReason, error, JsonTree.GetInt(status, "observedGeneration") ?? 0, Now);
        if (!JsonTree.DeepEquals(status, budget.Status))
        {
            UpdateStatus(key, Budgets, updated);
        }
    }

    private static bool SameDisrupted(JsonObject? recorded, JsonObject computed)
    {
        var before = recorded ?? [];
        return before.Count == computed.Count && computed.All(entry =>
            Rfc3339Time.TryParse(JsonTree.AsString(before[entry.Key]), out var a)
            && Rfc3339Time.TryParse(JsonTree.AsString(entry.Value), out var b)
            && a == b);
    }

    private void Record(KubeObject budget, string type, string reason, string message) =>
        _events.Tell(new RecordEvent(InvolvedObject.Of(budget), type, reason, message, Component), Self);

    /// <summary>
    /// A <c>*metav1.LabelSelector</c> as Go's <c>%v</c> prints it (its generated <c>String()</c>), as the
    /// <c>UnmanagedPods</c> event shows it.
    /// </summary>
    internal static string GoSelectorText(JsonObject? selector)
    {
        if (selector is null)
        {
            return "nil";
        }
        var labels = JsonTree.StringMap(selector["matchLabels"]).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}: {l.Value},");
        var expressions = JsonTree.Objects(selector["matchExpressions"] as JsonArray).Select(e =>
            $"LabelSelectorRequirement{{Key:{JsonTree.GetString(e, "key")},Operator:{JsonTree.GetString(e, "operator")},Values:[{string.Join(" ", (e["values"] as JsonArray ?? []).Select(JsonTree.AsString))}],}},");
        return $"&LabelSelector{{MatchLabels:map[string]string{{{string.Concat(labels)}}},MatchExpressions:[]LabelSelectorRequirement{{{string.Concat(expressions)}}},}}";
    }
}
