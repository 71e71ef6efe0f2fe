using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>
/// Defaults that apply to Pod objects only, not pod templates (<c>SetDefaults_Pod</c>): requests default to
/// limits, <c>enableServiceLinks</c> true.
/// </summary>
public static class PodDefaults
{
    /// <summary>Applies Pod defaults (including the pod spec defaults) in place.</summary>
    public static void Apply(KubeObject pod)
    {
        var spec = pod.EnsureSpec();
        PodSpecDefaults.Apply(spec);
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var container in JsonTree.Objects(spec[list] as JsonArray))
            {
                DefaultRequestsToLimits(container);
            }
        }
        JsonTree.SetDefault(spec, "enableServiceLinks", true);
    }

    /// <summary>Copies each limit into requests when that resource has no request.</summary>
    public static void DefaultRequestsToLimits(JsonObject container)
    {
        if (JsonTree.GetObject(container, "resources", "limits") is not { Count: > 0 } limits)
        {
            return;
        }
        var requests = JsonTree.Ensure(container, "resources", "requests");
        foreach (var (resource, value) in limits)
        {
            if (!requests.ContainsKey(resource))
            {
                requests[resource] = value?.DeepClone();
            }
        }
    }
}
