using System.Globalization;
using System.Numerics;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.Node.Containers;

/// <summary>
/// What the containers of a pod use while they run. Emulated processes do no work, so their usage follows a steady,
/// documented model a user can drive: by default a running container idles at a share of its requests
/// (<see cref="IdleCpuShare"/> of its CPU request, <see cref="IdleMemoryShare"/> of its memory request; without a
/// request <see cref="IdleCpu"/> and <see cref="IdleMemory"/>). The pod annotations
/// <c>emulator.k8s.io/cpu-usage</c> and <c>emulator.k8s.io/memory-usage</c> set what every container of the pod uses,
/// and <c>emulator.k8s.io/cpu-usage-&lt;container&gt;</c> / <c>memory-usage-&lt;container&gt;</c> what one container
/// uses: a quantity (<c>300m</c>, <c>1.5</c>, <c>200Mi</c>) or a percentage of the container's request
/// (<c>150%</c>; of its limit when it has no request). A container never uses more than its limit (CPU is throttled
/// there; going over a memory limit would be an OOM kill, which is not emulated). Changing the annotation
/// (<c>kubectl annotate</c>, or the pod template of a workload) changes the usage from the next scrape on.
/// </summary>
public sealed class ResourceUsageModel
{
    /// <summary>The pod annotation setting every container's CPU usage.</summary>
    public const string CpuUsageAnnotation = "emulator.k8s.io/cpu-usage";

    /// <summary>The pod annotation setting every container's memory usage.</summary>
    public const string MemoryUsageAnnotation = "emulator.k8s.io/memory-usage";

    /// <summary>The share of its CPU request an idle container uses.</summary>
    public const double IdleCpuShare = 0.10;

    /// <summary>The share of its memory request an idle container uses.</summary>
    public const double IdleMemoryShare = 0.25;

    /// <summary>What an idle container without a CPU request uses (1m).</summary>
    public static readonly Quantity IdleCpu = Quantity.Parse("1m");

    /// <summary>What an idle container without a memory request uses (8Mi).</summary>
    public static readonly Quantity IdleMemory = Quantity.Parse("8Mi");

    /// <summary>What a node's own daemons (kubelet, container runtime, system services) use beside its pods (100m).</summary>
    public static readonly Quantity SystemCpu = Quantity.Parse("100m");

    /// <summary>What a node's own daemons use beside its pods (512Mi).</summary>
    public static readonly Quantity SystemMemory = Quantity.Parse("512Mi");

    private readonly Dictionary<string, (long CpuNanoCores, long MemoryBytes)> _containers;

    private ResourceUsageModel(Dictionary<string, (long, long)> containers) => _containers = containers;

    /// <summary>The usage of the containers of <paramref name="pod"/> (app containers and restartable init containers).</summary>
    public static ResourceUsageModel Of(KubeObject pod)
    {
        var annotations = pod.Annotations;
        var view = new PodView(pod);
        var containers = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var container in view.InitContainers.Concat(view.Containers))
        {
            containers[container.Name] = (
                Usage(container, "cpu", Setting(annotations, CpuUsageAnnotation, container.Name), IdleCpuShare, IdleCpu, nanos: true),
                Usage(container, "memory", Setting(annotations, MemoryUsageAnnotation, container.Name), IdleMemoryShare, IdleMemory, nanos: false));
        }
        return new ResourceUsageModel(containers);
    }

    /// <summary>What the container named <paramref name="container"/> uses while it runs (nothing for an unknown name).</summary>
    public (long CpuNanoCores, long MemoryBytes) Of(string container) => _containers.GetValueOrDefault(container);

    /// <summary>The per-container annotation wins over the pod-wide one.</summary>
    private static string? Setting(IReadOnlyDictionary<string, string> annotations, string annotation, string container) =>
        annotations.TryGetValue($"{annotation}-{container}", out var own) ? own
        : annotations.TryGetValue(annotation, out var all) ? all : null;

    /// <summary>
    /// One resource of one container, in nanocores (CPU) or bytes (memory): the setting if it parses, else the idle
    /// share of the request (or the idle floor without a request); never above the limit.
    /// </summary>
    private static long Usage(ContainerView container, string resource, string? setting, double idleShare, Quantity idle, bool nanos)
    {
        var request = container.Requests.TryGetValue(resource, out var r) ? r : (Quantity?)null;
        var limit = container.Limits.TryGetValue(resource, out var l) ? l : (Quantity?)null;
        BigInteger? chosen = null;
        if (setting is { Length: > 0 } text)
        {
            text = text.Trim();
            if (text.EndsWith('%'))
            {
                if (double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent) && (request ?? limit) is { } basis)
                {
                    chosen = Share(basis.Nanos, percent / 100);
                }
            }
            else if (Quantity.TryParse(text, out var quantity) && quantity.Nanos.Sign >= 0)
            {
                chosen = quantity.Nanos;
            }
        }
        var amount = chosen ?? (request is { } req && req.Nanos.Sign > 0 ? Share(req.Nanos, idleShare) : idle.Nanos);
        if (limit is { } cap && cap.Nanos.Sign > 0 && amount > cap.Nanos)
        {
            amount = cap.Nanos;
        }
        // Quantities are held in nano-units: nanocores for CPU; memory in whole bytes, rounded up as Kubernetes does.
        var value = nanos ? amount : (amount + 999_999_999) / 1_000_000_000;
        return value > long.MaxValue ? long.MaxValue : (long)value;
    }

    private static BigInteger Share(BigInteger nanos, double share) =>
        new BigInteger(Math.Round((double)nanos * share, MidpointRounding.AwayFromZero));
}
