using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>
/// A node as the scheduler sees it: allocatable, and what the pods bound (or assumed) on it use. The scheduler keeps
/// one per node up to date as pods and nodes change (kube-scheduler's cache), instead of recounting every pod of the
/// cluster each cycle.
/// </summary>
public sealed class NodeInfo
{
    /// <summary>Pods a node takes when its status says nothing.</summary>
    public const long DefaultMaxPods = 110;

    /// <summary>Creates the info of <paramref name="node"/> with no pods.</summary>
    public NodeInfo(KubeObject node)
    {
        Node = node;
        Name = node.Name ?? "";
        Labels = node.Labels;
        var allocatable = JsonTree.GetObject(node.Document, "status", "allocatable") ?? JsonTree.GetObject(node.Document, "status", "capacity");
        Allocatable = new ResourceAmount(Parse(allocatable?["cpu"], q => q.MilliValue) ?? 0, Parse(allocatable?["memory"], q => q.Value) ?? 0);
        MaxPods = Parse(allocatable?["pods"], q => q.Value) ?? DefaultMaxPods;
        Unschedulable = JsonTree.GetBool(node.Document, "spec", "unschedulable") == true;
        Taints = Scheduling.Taints.Of(node).ToList();
    }

    /// <summary>The node.</summary>
    public KubeObject Node { get; }

    /// <summary>Its name.</summary>
    public string Name { get; }

    /// <summary>
    /// Its labels, decoded once: topology spread and inter-pod affinity look up a domain per node per candidate pod,
    /// and decoding the node's document on each look-up dominated their cost.
    /// </summary>
    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary><c>spec.unschedulable</c> (cordoned).</summary>
    public bool Unschedulable { get; }

    /// <summary><c>spec.taints</c>, decoded once: the filters and scores read them per node for every pod.</summary>
    public IReadOnlyList<System.Text.Json.Nodes.JsonObject> Taints { get; }

    /// <summary>Allocatable CPU and memory.</summary>
    public ResourceAmount Allocatable { get; }

    /// <summary>Allocatable pods.</summary>
    public long MaxPods { get; }

    /// <summary>Sum of the effective requests of its pods.</summary>
    public ResourceAmount Requested { get; private set; }

    /// <summary>Sum of the scoring requests of its pods.</summary>
    public ResourceAmount NonZeroRequested { get; private set; }

    /// <summary>Number of pods.</summary>
    public int PodCount { get; private set; }

    /// <summary>Host ports in use.</summary>
    public List<HostPort> UsedPorts { get; } = [];

    /// <summary>Controller owner UIDs of its pods, with counts (for spreading).</summary>
    public Dictionary<string, int> Owners { get; } = new(StringComparer.Ordinal);

    /// <summary>Its pods (bound or assumed, not finished), for the plugins that look at other pods' labels.</summary>
    public List<KubeObject> Pods { get; } = [];

    /// <summary>Those of its pods with pod affinity or anti-affinity terms.</summary>
    public List<KubeObject> PodsWithAffinity { get; } = [];

    /// <summary>Counts a pod on the node.</summary>
    public void Add(KubeObject pod)
    {
        Pods.Add(pod);
        Count(pod);
    }

    /// <summary>Stops counting a pod (the instance <see cref="Add"/> or <see cref="Replace"/> was given).</summary>
    public void Remove(KubeObject pod)
    {
        var at = Pods.IndexOf(pod);
        if (at < 0)
        {
            return;
        }
        Pods.RemoveAt(at);
        Uncount(pod);
    }

    /// <summary>Counts a newer version of a pod in place of <paramref name="old"/>, where it was in <see cref="Pods"/>.</summary>
    public void Replace(KubeObject old, KubeObject pod)
    {
        var at = Pods.IndexOf(old);
        if (at < 0)
        {
            Add(pod);
            return;
        }
        Uncount(old);
        Pods[at] = pod;
        Count(pod);
    }

    /// <summary>The same pods on a newer version of the node (its labels, taints or allocatable may have changed).</summary>
    public NodeInfo WithNode(KubeObject node)
    {
        var info = new NodeInfo(node);
        foreach (var pod in Pods)
        {
            info.Add(pod);
        }
        return info;
    }

    private void Uncount(KubeObject pod)
    {
        var usage = PodUsage.Of(pod);
        if (usage.HasPodAffinity)
        {
            PodsWithAffinity.Remove(pod);
        }
        Requested -= usage.Requests;
        NonZeroRequested -= usage.NonZeroRequests;
        PodCount--;
        foreach (var port in usage.HostPorts)
        {
            UsedPorts.Remove(port);
        }
        if (usage.Owner is { } owner && Owners.TryGetValue(owner, out var count))
        {
            if (count <= 1)
            {
                Owners.Remove(owner);
            }
            else
            {
                Owners[owner] = count - 1;
            }
        }
    }

    private void Count(KubeObject pod)
    {
        var usage = PodUsage.Of(pod);
        if (usage.HasPodAffinity)
        {
            PodsWithAffinity.Add(pod);
        }
        Requested += usage.Requests;
        NonZeroRequested += usage.NonZeroRequests;
        PodCount++;
        UsedPorts.AddRange(usage.HostPorts);
        if (usage.Owner is { } owner)
        {
            Owners[owner] = Owners.GetValueOrDefault(owner) + 1;
        }
    }

    private static long? Parse(System.Text.Json.Nodes.JsonNode? node, Func<Quantity, long> value) =>
        Quantity.TryParse(JsonTree.AsString(node) ?? node?.ToJsonString(), out var q) ? value(q) : null;
}
