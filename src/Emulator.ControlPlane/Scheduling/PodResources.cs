using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>CPU (millicores) and memory (bytes) a pod asks for.</summary>
public readonly record struct ResourceAmount(long MilliCpu, long Memory)
{
    /// <summary>Sum.</summary>
    public static ResourceAmount operator +(ResourceAmount a, ResourceAmount b) => new(a.MilliCpu + b.MilliCpu, a.Memory + b.Memory);

    /// <summary>Difference.</summary>
    public static ResourceAmount operator -(ResourceAmount a, ResourceAmount b) => new(a.MilliCpu - b.MilliCpu, a.Memory - b.Memory);

    /// <summary>Per resource maximum.</summary>
    public static ResourceAmount Max(ResourceAmount a, ResourceAmount b) => new(Math.Max(a.MilliCpu, b.MilliCpu), Math.Max(a.Memory, b.Memory));
}

/// <summary>A host port a container asks for.</summary>
public readonly record struct HostPort(string Protocol, string HostIp, int Port)
{
    /// <summary>Two host ports collide on the same port and protocol when either listens on all addresses or both on the same one.</summary>
    public bool Conflicts(HostPort other) =>
        Port == other.Port && Protocol == other.Protocol
        && (HostIp is "" or "0.0.0.0" || other.HostIp is "" or "0.0.0.0" || HostIp == other.HostIp);
}

/// <summary>What the scheduler reads of a pod's resources, as Kubernetes computes it.</summary>
public static class PodResources
{
    /// <summary>CPU counted for scoring a container without a CPU request (100m).</summary>
    public const long DefaultMilliCpu = 100;

    /// <summary>Memory counted for scoring a container without a memory request (200Mi).</summary>
    public const long DefaultMemory = 200L * 1024 * 1024;

    /// <summary>
    /// The pod's effective requests: the larger of the app containers' sum (plus sidecars) and each init container's
    /// request (plus the sidecars started before it).
    /// </summary>
    public static ResourceAmount Requests(KubeObject pod) => Compute(pod, nonZero: false);

    /// <summary>The requests used for scoring: containers without a request count 100m CPU / 200Mi memory.</summary>
    public static ResourceAmount NonZeroRequests(KubeObject pod) => Compute(pod, nonZero: true);

    /// <summary>The host ports of the pod's containers.</summary>
    public static IEnumerable<HostPort> HostPorts(KubeObject pod)
    {
        var view = new PodView(pod);
        return view.Containers.Concat(view.InitContainers)
            .SelectMany(c => JsonTree.Objects(c.Json["ports"] as System.Text.Json.Nodes.JsonArray))
            .Where(p => (JsonTree.GetInt(p, "hostPort") ?? 0) > 0)
            .Select(p => new HostPort(JsonTree.GetString(p, "protocol") ?? "TCP", JsonTree.GetString(p, "hostIP") ?? "", (int)JsonTree.GetInt(p, "hostPort")!.Value));
    }

    private static ResourceAmount Compute(KubeObject pod, bool nonZero)
    {
        var view = new PodView(pod);
        var sidecars = default(ResourceAmount);
        var initMax = default(ResourceAmount);
        foreach (var init in view.InitContainers)
        {
            var amount = Of(init, nonZero);
            if (init.RestartPolicy == "Always")
            {
                sidecars += amount;
                initMax = ResourceAmount.Max(initMax, sidecars);
            }
            else
            {
                initMax = ResourceAmount.Max(initMax, sidecars + amount);
            }
        }
        var sum = sidecars;
        foreach (var container in view.Containers)
        {
            sum += Of(container, nonZero);
        }
        return ResourceAmount.Max(sum, initMax);
    }

    private static ResourceAmount Of(ContainerView container, bool nonZero)
    {
        var requests = container.Requests;
        var cpu = requests.TryGetValue("cpu", out var c) ? c.MilliValue : nonZero ? DefaultMilliCpu : 0;
        var memory = requests.TryGetValue("memory", out var m) ? m.Value : nonZero ? DefaultMemory : 0;
        return new ResourceAmount(cpu, memory);
    }
}
