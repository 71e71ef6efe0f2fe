using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>
/// What the per-node filters and scores read of the pod being scheduled — its tolerations, <c>spec.nodeName</c>,
/// <c>nodeSelector</c> and node affinity — decoded once per scheduling cycle instead of once per node (a cycle runs the
/// filters on every node).
/// </summary>
public sealed class PodSchedulingTerms
{
    /// <summary>Decodes the terms of <paramref name="pod"/>.</summary>
    public PodSchedulingTerms(KubeObject pod)
    {
        Pod = pod;
        Tolerations = JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "tolerations")).ToList();
        NodeName = JsonTree.GetString(pod.Document, "spec", "nodeName") is { Length: > 0 } wanted ? wanted : null;
        NodeSelector = JsonTree.StringMap(JsonTree.Get(pod.Document, "spec", "nodeSelector"));
        var nodeAffinity = JsonTree.GetObject(pod.Document, "spec", "affinity", "nodeAffinity");
        RequiredNodeAffinity = JsonTree.GetObject(nodeAffinity, "requiredDuringSchedulingIgnoredDuringExecution");
        PreferredNodeAffinity = JsonTree.Objects(JsonTree.GetArray(nodeAffinity, "preferredDuringSchedulingIgnoredDuringExecution")).ToList();
    }

    /// <summary>The pod.</summary>
    public KubeObject Pod { get; }

    /// <summary><c>spec.tolerations</c>.</summary>
    public IReadOnlyList<JsonObject> Tolerations { get; }

    /// <summary><c>spec.nodeName</c> when set (a pod that names its node).</summary>
    public string? NodeName { get; }

    /// <summary><c>spec.nodeSelector</c>.</summary>
    public IReadOnlyDictionary<string, string> NodeSelector { get; }

    /// <summary><c>requiredDuringSchedulingIgnoredDuringExecution</c> of the node affinity, if any.</summary>
    public JsonObject? RequiredNodeAffinity { get; }

    /// <summary><c>preferredDuringSchedulingIgnoredDuringExecution</c> of the node affinity.</summary>
    public IReadOnlyList<JsonObject> PreferredNodeAffinity { get; }
}
