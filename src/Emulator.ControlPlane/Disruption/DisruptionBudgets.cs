using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.Disruption;

/// <summary>
/// What the disruption controller and the eviction subresource share about a <c>policy/v1</c> PodDisruptionBudget:
/// which pods it covers, its <c>DisruptionAllowed</c> condition (component-helpers' <c>poddisruptionbudget</c>
/// package) and the limits both sides honour.
/// </summary>
public static class DisruptionBudgets
{
    /// <summary><c>policy/v1</c> PodDisruptionBudgets.</summary>
    public static readonly ResourceType Budgets = ResourceTypes.Of("policy", "poddisruptionbudgets");

    /// <summary>
    /// How long a pod the eviction subresource approved stays in <c>status.disruptedPods</c> (not counted healthy)
    /// waiting to be seen terminating; after that the controller assumes it will not be deleted (<c>DeletionTimeout</c>).
    /// </summary>
    public static readonly TimeSpan DeletionTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Evictions are refused once this many approved evictions wait for the controller (<c>MaxDisruptedPodSize</c>).</summary>
    public const int MaxDisruptedPodSize = 2000;

    /// <summary>The condition type (<c>policy.DisruptionAllowedCondition</c>).</summary>
    public const string DisruptionAllowedCondition = "DisruptionAllowed";

    /// <summary>Reason when the budget allows a disruption.</summary>
    public const string SufficientPodsReason = "SufficientPods";

    /// <summary>Reason when it does not.</summary>
    public const string InsufficientPodsReason = "InsufficientPods";

    /// <summary>Reason when the controller could not compute the status (its fail-safe).</summary>
    public const string SyncFailedReason = "SyncFailed";

    /// <summary>
    /// The budget's pod selector. In policy/v1 an empty selector (<c>{}</c>) selects every pod of the namespace and a
    /// missing one selects none; an invalid one selects none (the eviction subresource skips such a budget).
    /// </summary>
    public static LabelSelector Selector(KubeObject budget)
    {
        try
        {
            return LabelSelector.FromJson(JsonTree.Get(budget.Document, "spec", "selector"));
        }
        catch (SelectorParseException)
        {
            return LabelSelector.Nothing;
        }
    }

    /// <summary>True when the budget covers the pod (same namespace, labels selected).</summary>
    public static bool Covers(KubeObject budget, KubeObject pod) =>
        budget.Namespace == pod.Namespace && Selector(budget).Matches(pod);

    /// <summary>An integer field of <c>status</c> (0 when absent, as Go's zero value).</summary>
    public static long StatusInt(KubeObject budget, string field) => JsonTree.GetInt(budget.Document, "status", field) ?? 0;

    /// <summary>
    /// <c>UpdateDisruptionAllowedCondition</c>: <c>DisruptionAllowed</c> True <c>SufficientPods</c> while
    /// <c>status.disruptionsAllowed</c> is positive, else False <c>InsufficientPods</c>, observed at
    /// <c>status.observedGeneration</c>.
    /// </summary>
    public static void UpdateDisruptionAllowedCondition(JsonObject status, DateTimeOffset now)
    {
        var allowed = (JsonTree.GetInt(status, "disruptionsAllowed") ?? 0) > 0;
        SetCondition(status, allowed ? "True" : "False", allowed ? SufficientPodsReason : InsufficientPodsReason, "",
            JsonTree.GetInt(status, "observedGeneration") ?? 0, now);
    }

    /// <summary><c>ConditionsAreUpToDate</c>: the condition exists, matches disruptionsAllowed, and the status observed the current generation.</summary>
    public static bool ConditionsAreUpToDate(KubeObject budget)
    {
        if (budget.Status is not { } status || FindCondition(status) is not { } condition
            || (JsonTree.GetInt(status, "observedGeneration") ?? 0) != (budget.Generation ?? 0))
        {
            return false;
        }
        var allowed = (JsonTree.GetInt(status, "disruptionsAllowed") ?? 0) > 0;
        return JsonTree.GetString(condition, "status") == (allowed ? "True" : "False")
            && JsonTree.GetString(condition, "reason") == (allowed ? SufficientPodsReason : InsufficientPodsReason);
    }

    /// <summary>
    /// <c>apimeta.SetStatusCondition</c> for a <c>metav1.Condition</c>: lastTransitionTime moves only when the status
    /// flips; reason, message and observedGeneration are always replaced.
    /// </summary>
    public static void SetCondition(JsonObject status, string conditionStatus, string reason, string message, long observedGeneration, DateTimeOffset now)
    {
        if (status["conditions"] is not JsonArray conditions)
        {
            conditions = [];
            status["conditions"] = conditions;
        }
        var existing = FindCondition(status);
        var transition = existing is not null && JsonTree.GetString(existing, "status") == conditionStatus
            ? JsonTree.GetString(existing, "lastTransitionTime") ?? Rfc3339Time.Format(now)
            : Rfc3339Time.Format(now);
        var condition = new JsonObject
        {
            ["type"] = DisruptionAllowedCondition,
            ["status"] = conditionStatus,
        };
        if (observedGeneration != 0)
        {
            condition["observedGeneration"] = observedGeneration;
        }
        condition["lastTransitionTime"] = transition;
        condition["reason"] = reason;
        condition["message"] = message;
        if (existing is null)
        {
            conditions.Add(condition);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
    }

    private static JsonObject? FindCondition(JsonObject status) =>
        JsonTree.Objects(status["conditions"] as JsonArray).FirstOrDefault(c => JsonTree.GetString(c, "type") == DisruptionAllowedCondition);
}
