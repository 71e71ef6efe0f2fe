using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Disruption;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;
using Emulator.Runtime.Time;

namespace Emulator.Api.Resources;

// What the eviction subresource asks of the PodDisruptionBudget covering the pod (the API server's EvictionREST).
public sealed partial class ResourceHandler
{
    /// <summary>How often an eviction retries after a resourceVersion conflict (<c>EvictionsRetry</c>'s 20 steps).</summary>
    private const int EvictionAttempts = 20;

    private const string BudgetViolated = "Cannot evict pod as it would violate the pod's disruption budget.";

    /// <summary>
    /// <c>canIgnorePDB</c>: a finished pod has already disrupted what it could, a pending one has not started to
    /// serve, a terminating one is going anyway — none of them needs a budget's consent.
    /// </summary>
    private static bool CanIgnoreDisruptionBudget(KubeObject pod) =>
        new PodView(pod).Phase is "Succeeded" or "Failed" or "Pending" || pod.DeletionTimestamp is not null;

    /// <summary><c>shouldEnforceResourceVersion</c>: any pod that is neither finished nor terminating could still become ready.</summary>
    private static bool ShouldPinPodVersion(KubeObject pod) =>
        new PodView(pod).Phase is not ("Succeeded" or "Failed") && pod.DeletionTimestamp is null;

    /// <summary>
    /// The budget's consent to evict <paramref name="pod"/>: none needed when no budget covers it; a 500 when several
    /// do. An unready pod costs nothing when its budget says <c>AlwaysAllow</c>, or (<c>IfHealthyBudget</c>, the
    /// default) while the budget is met — it is then deleted only in the version read (<c>Pinned</c>). Otherwise the
    /// budget must allow a disruption, and spends it (<see cref="CheckAndDecrement"/>), retried on write conflicts
    /// so that concurrent evictions never spend more than it allows.
    /// </summary>
    private async Task<(string? Budget, bool Pinned)> GuardByDisruptionBudget(KubeObject pod, bool dryRun)
    {
        var list = await store.Ask<ListReply>(new ListObjects(DisruptionBudgets.Budgets, pod.Namespace), options.StoreTimeout).ConfigureAwait(false);
        var budgets = list.Items.Select(b => new KubeObject(b.ToJsonObject())).Where(b => DisruptionBudgets.Covers(b, pod)).ToList();
        if (budgets.Count > 1)
        {
            // Returned as a plain failure Status (no reason, no details), as EvictionREST does.
            throw new ApiStatusException(new ApiStatus(500, "", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."));
        }
        if (budgets.Count == 0)
        {
            return (null, false);
        }
        var budget = budgets[0];
        var name = budget.Name!;
        if (!new PodView(pod).IsReady)
        {
            if (JsonTree.GetString(budget.Document, "spec", "unhealthyPodEvictionPolicy") == "AlwaysAllow")
            {
                return (name, true);
            }
            var desired = DisruptionBudgets.StatusInt(budget, "desiredHealthy");
            if (DisruptionBudgets.StatusInt(budget, "currentHealthy") >= desired && desired > 0)
            {
                // The application is healthy without this pod: removing it disrupts nothing.
                return (name, true);
            }
        }
        for (var attempt = 1; ; attempt++)
        {
            if (attempt > 1)
            {
                budget = new KubeObject((await Ask(new GetObject(DisruptionBudgets.Budgets, pod.Namespace, name)).ConfigureAwait(false)).ToJsonObject());
            }
            try
            {
                await CheckAndDecrement(budget, pod.Name!, dryRun).ConfigureAwait(false);
                return (name, false);
            }
            catch (ApiStatusException e) when (e.Status.Reason == "Conflict" && attempt < EvictionAttempts)
            {
            }
        }
    }

    /// <summary>
    /// <c>checkAndDecrement</c>: refused (429) while the controller has not processed the budget's latest spec or while
    /// it allows no disruption; otherwise one disruption is spent and the pod recorded in <c>status.disruptedPods</c>,
    /// so the controller does not count it healthy before it is seen terminating. The status write carries the
    /// resourceVersion read: a concurrent eviction that wrote first makes it a Conflict, and the caller reads again.
    /// </summary>
    private async Task CheckAndDecrement(KubeObject budget, string podName, bool dryRun)
    {
        var name = budget.Name!;
        if (DisruptionBudgets.StatusInt(budget, "observedGeneration") < (budget.Generation ?? 0))
        {
            throw new ApiStatusException(BudgetStillProcessing(name));
        }
        var allowed = DisruptionBudgets.StatusInt(budget, "disruptionsAllowed");
        if (allowed < 0)
        {
            throw new ApiStatusException(ApiStatus.Forbidden("poddisruptionbudget", "policy", name, "pdb disruptions allowed is negative"));
        }
        var disrupted = JsonTree.GetObject(budget.Document, "status", "disruptedPods");
        if (disrupted?.Count > DisruptionBudgets.MaxDisruptedPodSize)
        {
            throw new ApiStatusException(ApiStatus.Forbidden("poddisruptionbudget", "policy", name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller"));
        }
        if (allowed == 0)
        {
            throw new ApiStatusException(ApiStatus.TooManyRequests(BudgetViolated, 0,
                [new StatusCause("DisruptionBudget", $"The disruption budget {name} needs {DisruptionBudgets.StatusInt(budget, "desiredHealthy")} healthy pods and has {DisruptionBudgets.StatusInt(budget, "currentHealthy")} currently", "")]));
        }
        if (dryRun)
        {
            return;
        }
        var now = system.EmulatedClock().UtcNow;
        var updated = (JsonObject)budget.Document.DeepClone();
        var status = (JsonObject)updated["status"]!;
        status["disruptionsAllowed"] = allowed - 1;
        if (allowed - 1 == 0)
        {
            DisruptionBudgets.UpdateDisruptionAllowedCondition(status, now);
        }
        if (status["disruptedPods"] is not JsonObject pods)
        {
            pods = [];
            status["disruptedPods"] = pods;
        }
        pods[podName] = Rfc3339Time.Format(now);
        await Ask(new UpdateObject(DisruptionBudgets.Budgets, updated, UpdateScope.Status)).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>createTooManyRequestsError</c>: the budget's status is behind its spec (or the pod changed while an unready
    /// eviction was under way); retry in 10 seconds.
    /// </summary>
    private static ApiStatus BudgetStillProcessing(string budget) =>
        ApiStatus.TooManyRequests(BudgetViolated, 10, [new StatusCause("DisruptionBudget", $"The disruption budget {budget} is still being processed by the server.", "")]);
}
