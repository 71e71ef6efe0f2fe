using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Admission;

/// <summary>
/// The API server's <c>Priority</c> admission plugin. A new pod gets <c>spec.priority</c> (and
/// <c>preemptionPolicy</c>) from the PriorityClass it names — or from the global default class, whose name it then
/// carries — or priority 0 when there is none; a class that does not exist, or a priority or preemption policy the pod
/// states that differs from its class's, is refused with 403 Forbidden. Updates keep the priority the pod was created
/// with. A PriorityClass may be the global default only while no other one is.
/// </summary>
public static class PriorityAdmission
{
    /// <summary><c>scheduling.k8s.io/v1</c> PriorityClasses.</summary>
    public static readonly ResourceType PriorityClasses = ResourceTypes.Of("scheduling.k8s.io", "priorityclasses");

    /// <summary>Resolves a pod's priority on create; keeps it on update.</summary>
    public static void AdmitPod(JsonObject pod, JsonObject? old, AdmissionOperation operation, IAdmissionContext stored)
    {
        var spec = pod["spec"] as JsonObject ?? [];
        pod["spec"] = spec;
        if (operation == AdmissionOperation.Update && old?["spec"] is JsonObject oldSpec)
        {
            foreach (var field in new[] { "priority", "preemptionPolicy" })
            {
                if (spec[field] is null && oldSpec[field] is { } kept)
                {
                    spec[field] = kept.DeepClone();
                }
            }
            return;
        }
        if (operation != AdmissionOperation.Create)
        {
            return;
        }
        long priority;
        string? preemptionPolicy;
        var className = JsonTree.GetString(spec, "priorityClassName");
        if (string.IsNullOrEmpty(className))
        {
            if (DefaultClass(stored) is { } defaultClass)
            {
                spec["priorityClassName"] = JsonTree.GetString(defaultClass, "metadata", "name");
                priority = JsonTree.GetInt(defaultClass, "value") ?? 0;
                preemptionPolicy = JsonTree.GetString(defaultClass, "preemptionPolicy");
            }
            else
            {
                // DefaultPriorityWhenNoDefaultClassExists.
                priority = 0;
                preemptionPolicy = "PreemptLowerPriority";
            }
        }
        else
        {
            var priorityClass = Classes(stored).FirstOrDefault(c => JsonTree.GetString(c, "metadata", "name") == className)
                ?? throw Forbidden(pod, $"no PriorityClass with name {className} was found");
            priority = JsonTree.GetInt(priorityClass, "value") ?? 0;
            preemptionPolicy = JsonTree.GetString(priorityClass, "preemptionPolicy");
        }
        if (JsonTree.GetInt(spec, "priority") is { } stated && stated != priority)
        {
            throw Forbidden(pod, $"the integer value of priority ({stated}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name");
        }
        spec["priority"] = priority;
        if (preemptionPolicy is not null)
        {
            if (JsonTree.GetString(spec, "preemptionPolicy") is { } statedPolicy && statedPolicy != preemptionPolicy)
            {
                throw Forbidden(pod, $"the string value of PreemptionPolicy ({statedPolicy}) must not be provided in pod spec; priority admission controller computed {preemptionPolicy} from the given PriorityClass name");
            }
            spec["preemptionPolicy"] = preemptionPolicy;
        }
    }

    /// <summary>Refuses a second global default PriorityClass (creating one, or marking another one default).</summary>
    public static void ValidatePriorityClass(JsonObject priorityClass, AdmissionOperation operation, IAdmissionContext stored)
    {
        if (operation == AdmissionOperation.UpdateStatus || JsonTree.GetBool(priorityClass, "globalDefault") != true)
        {
            return;
        }
        var name = JsonTree.GetString(priorityClass, "metadata", "name") ?? "";
        if (DefaultClass(stored) is { } existing && JsonTree.GetString(existing, "metadata", "name") is { } defaultName
            && (operation == AdmissionOperation.Create || defaultName != name))
        {
            throw new ApiStatusException(ApiStatus.Forbidden(PriorityClasses.Resource, PriorityClasses.Group, name,
                $"PriorityClass {defaultName} is already marked as default. Only one default can exist"));
        }
    }

    private static IEnumerable<JsonObject> Classes(IAdmissionContext stored) =>
        stored.List(PriorityClasses).Select(c => c.ToJsonObject());

    /// <summary>The global default class; of several (a race Kubernetes allows), the lowest value.</summary>
    private static JsonObject? DefaultClass(IAdmissionContext stored) =>
        Classes(stored).Where(c => JsonTree.GetBool(c, "globalDefault") == true)
            .OrderBy(c => JsonTree.GetInt(c, "value") ?? 0)
            .FirstOrDefault();

    /// <summary>
    /// <c>admission.NewForbidden</c>. The API server admits a pod before generating its name, so a generated pod is
    /// named by its <c>generateName</c> (<c>pods "web-7c5ddbdf54-" is forbidden</c>); this store generates it first,
    /// hence the prefix is recognised under the 5 generated characters.
    /// </summary>
    private static ApiStatusException Forbidden(JsonObject pod, string why)
    {
        var name = JsonTree.GetString(pod, "metadata", "name") ?? "";
        var prefix = JsonTree.GetString(pod, "metadata", "generateName") ?? "";
        var cut = prefix.Length > ObjectNames.MaxPrefixLength ? prefix[..ObjectNames.MaxPrefixLength] : prefix;
        if (name.Length == 0 || (prefix.Length > 0 && name.Length == cut.Length + ObjectNames.SuffixLength && name.StartsWith(cut, StringComparison.Ordinal)))
        {
            name = prefix.Length > 0 ? prefix : "Unknown";
        }
        return new ApiStatusException(ApiStatus.Forbidden(ResourceTypes.Pods.Resource, ResourceTypes.Pods.Group, name, why));
    }
}
