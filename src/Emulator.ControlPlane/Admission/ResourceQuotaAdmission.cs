using System.Text.Json.Nodes;
using Emulator.ControlPlane.ResourceQuota;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Admission;

/// <summary>
/// The <c>ResourceQuota</c> admission plugin (<c>k8s.io/apiserver/pkg/admission/plugin/resourcequota</c>), the last
/// validating step of a create or of an update that can change usage: every quota of the namespace that tracks what the
/// object uses, in the limits the quota controller confirmed (<c>status.hard</c>), must have room for it; the object
/// must declare what such a quota requires (cpu and memory quotas require them of every container); the usage is then
/// charged to the quotas' <c>status.used</c> along with the write (not for a dry run), so that creates following each
/// other cannot exceed a quota before the controller recounts. Refusals are 403 Forbidden in the plugin's words.
/// </summary>
public static class ResourceQuotaAdmission
{
    /// <summary>Checks <paramref name="obj"/> (and <paramref name="old"/>, the stored version of an update) against the namespace's quotas.</summary>
    /// <exception cref="ApiStatusException">403 Forbidden when a quota refuses.</exception>
    public static void Admit(ResourceType type, KubeObject obj, KubeObject? old, AdmissionOperation operation, IAdmissionContext stored)
    {
        // Status writes (a claim's allocated size) are counted by the controller only.
        if (!type.Namespaced || operation == AdmissionOperation.UpdateStatus || QuotaEvaluators.For(type.Key) is not { } evaluator
            || !evaluator.Handles(operation) || obj.Namespace is not { } ns)
        {
            return;
        }
        var quotas = stored.List(QuotaView.ResourceQuotas).Where(q => q.Namespace == ns)
            .OrderBy(q => q.Name, StringComparer.Ordinal).Select(q => new QuotaView(new KubeObject(q.ToJsonObject()))).ToList();
        if (quotas.Count == 0)
        {
            return;
        }
        var name = obj.Name ?? "";
        ApiStatusException Forbidden(string why) => new(ApiStatus.Forbidden(type.Resource, type.Group, name, why));

        // The quotas this object falls under; each must be able to count it.
        var interesting = new List<QuotaView>();
        foreach (var quota in quotas)
        {
            if (!evaluator.Matches(quota, obj))
            {
                continue;
            }
            var restricted = evaluator.MatchingResources(quota.StatusHard.Keys);
            if (evaluator.Constraints(restricted, obj) is { } missing)
            {
                throw Forbidden($"failed quota: {quota.Name}: {missing}");
            }
            if (restricted.Any(resource => !quota.StatusUsed.ContainsKey(resource)))
            {
                throw Forbidden($"status unknown for quota: {quota.Name}, resources: {string.Join(",", restricted.Order(StringComparer.Ordinal))}");
            }
            interesting.Add(quota);
        }
        if (interesting.Count == 0)
        {
            return;
        }
        // Admission runs before the object exists: a terminating pod's grace period cannot have run out yet.
        var now = DateTimeOffset.MinValue;
        var usage = evaluator.Usage(obj, now);
        if (ResourceLists.Negative(usage) is { Count: > 0 } negative)
        {
            throw Forbidden($"quota usage is negative for resource(s): {string.Join(",", negative.Order(StringComparer.Ordinal))}");
        }
        // Every quota must have room before any is charged.
        var charged = new List<JsonObject>();
        foreach (var quota in interesting)
        {
            var delta = usage;
            // An update is charged the difference, where the quota already counted the stored version.
            if (operation == AdmissionOperation.Update && old is { ResourceVersion.Length: > 0 } && evaluator.Matches(quota, old))
            {
                delta = ResourceLists.SubtractWithNonNegativeResult(usage, evaluator.Usage(old, now));
            }
            var requested = ResourceLists.Mask(ResourceLists.RemoveZeros(delta), quota.StatusHard.Keys);
            if (requested.Count == 0)
            {
                continue;
            }
            var newUsage = ResourceLists.Add(quota.StatusUsed, requested);
            if (ResourceLists.Exceeding(ResourceLists.Mask(newUsage, requested.Keys), quota.StatusHard) is { Count: > 0 } exceeded)
            {
                throw Forbidden($"exceeded quota: {quota.Name}, requested: {ResourceLists.PrettyPrint(ResourceLists.Mask(requested, exceeded))}, "
                    + $"used: {ResourceLists.PrettyPrint(ResourceLists.Mask(quota.StatusUsed, exceeded))}, limited: {ResourceLists.PrettyPrint(ResourceLists.Mask(quota.StatusHard, exceeded))}");
            }
            var withUsage = (JsonObject)quota.Object.Document.DeepClone();
            JsonTree.Ensure(withUsage, "status")["used"] = ResourceLists.ToJson(newUsage);
            charged.Add(withUsage);
        }
        foreach (var quota in charged)
        {
            stored.UpdateStatusAlong(QuotaView.ResourceQuotas, quota);
        }
    }
}
