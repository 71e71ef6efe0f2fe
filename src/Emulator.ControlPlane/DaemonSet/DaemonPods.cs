using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.History;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Scheduling;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.DaemonSet;

/// <summary>
/// What Kubernetes' <c>pkg/controller/daemon/util</c> knows about DaemonSet pods: the tolerations they get, the node
/// affinity that pins them, the node they are meant for, and whether they are at the current revision.
/// </summary>
public static class DaemonPods
{
    /// <summary>The label holding the DaemonSet's template generation (kept for compatibility with old controllers).</summary>
    public const string TemplateGenerationLabel = "pod-template-generation";

    /// <summary>The DaemonSet annotation the API server keeps the template generation in.</summary>
    public const string TemplateGenerationAnnotation = "deprecated.daemonset.template.generation";

    /// <summary>The field a daemon pod's node affinity selects its node by.</summary>
    public const string NodeNameField = "metadata.name";

    // AddOrUpdateDaemonPodTolerations: DaemonSet pods must survive node problems (no NoExecute eviction when the node
    // goes not-ready or unreachable) and land on nodes with pressure conditions or cordoned.
    private static readonly (string Key, string Effect)[] DefaultTolerations =
    [
        ("node.kubernetes.io/not-ready", Taints.NoExecute),
        ("node.kubernetes.io/unreachable", Taints.NoExecute),
        ("node.kubernetes.io/disk-pressure", Taints.NoSchedule),
        ("node.kubernetes.io/memory-pressure", Taints.NoSchedule),
        ("node.kubernetes.io/pid-pressure", Taints.NoSchedule),
        ("node.kubernetes.io/unschedulable", Taints.NoSchedule),
    ];

    private const string NetworkUnavailable = "node.kubernetes.io/network-unavailable";

    /// <summary>
    /// Kubernetes' <c>AddOrUpdateDaemonPodTolerations</c>: adds (or replaces, when one with the same key and effect
    /// exists) the <c>Exists</c> tolerations without <c>tolerationSeconds</c> every DaemonSet pod gets, plus
    /// network-unavailable for host-network pods.
    /// </summary>
    public static void AddDaemonTolerations(JsonObject podSpec)
    {
        var keys = DefaultTolerations.ToList();
        if (JsonTree.GetBool(podSpec, "hostNetwork") == true)
        {
            keys.Add((NetworkUnavailable, Taints.NoSchedule));
        }
        var tolerations = podSpec["tolerations"] as JsonArray ?? [];
        podSpec["tolerations"] = tolerations;
        foreach (var (key, effect) in keys)
        {
            var toleration = new JsonObject { ["key"] = key, ["operator"] = "Exists", ["effect"] = effect };
            // AddOrUpdateTolerationInPodSpec: one with the same key, operator, value and effect (say, with
            // tolerationSeconds) is replaced, so the pod tolerates the taint forever.
            var existing = JsonTree.Objects(tolerations).FirstOrDefault(t => JsonTree.GetString(t, "key") == key && JsonTree.GetString(t, "effect") == effect
                && JsonTree.GetString(t, "operator") == "Exists" && string.IsNullOrEmpty(JsonTree.GetString(t, "value")));
            if (existing is null)
            {
                tolerations.Add(toleration);
            }
            else if (!JsonTree.DeepEquals(existing, toleration))
            {
                tolerations[tolerations.IndexOf(existing)] = toleration;
            }
        }
    }

    /// <summary>
    /// Kubernetes' <c>ReplaceDaemonSetPodNodeNameNodeAffinity</c>: the pod's required node affinity becomes the one
    /// term <c>matchFields: metadata.name In [node]</c> (the other terms are dropped: the controller already checked the
    /// node satisfies them); preferred affinity and the other affinity kinds stay.
    /// </summary>
    public static void PinToNode(JsonObject podSpec, string nodeName)
    {
        var term = new JsonObject
        {
            ["matchFields"] = new JsonArray(new JsonObject
            {
                ["key"] = NodeNameField,
                ["operator"] = "In",
                ["values"] = new JsonArray(nodeName),
            }),
        };
        var nodeAffinity = JsonTree.Ensure(podSpec, "affinity", "nodeAffinity");
        nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject { ["nodeSelectorTerms"] = new JsonArray(term) };
    }

    /// <summary>
    /// Kubernetes' <c>GetTargetNodeName</c>: <c>spec.nodeName</c> when bound, else the single value of a
    /// <c>matchFields metadata.name In</c> requirement of the required node affinity; null when neither.
    /// </summary>
    public static string? TargetNodeName(KubeObject pod)
    {
        if (new PodView(pod).NodeName is { Length: > 0 } nodeName)
        {
            return nodeName;
        }
        var terms = JsonTree.GetArray(pod.Document, "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms");
        foreach (var term in JsonTree.Objects(terms))
        {
            foreach (var field in JsonTree.Objects(term["matchFields"] as JsonArray))
            {
                if (JsonTree.GetString(field, "key") == NodeNameField && JsonTree.GetString(field, "operator") == "In")
                {
                    var values = field["values"] as JsonArray;
                    return values is { Count: 1 } ? JsonTree.AsString(values[0]) : null;
                }
            }
        }
        return null;
    }

    /// <summary>The DaemonSet's template generation (its <see cref="TemplateGenerationAnnotation"/>), or null when absent or unreadable.</summary>
    public static long? TemplateGeneration(KubeObject daemonSet) =>
        daemonSet.Annotations.TryGetValue(TemplateGenerationAnnotation, out var text)
        && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var generation) ? generation : null;

    /// <summary>
    /// Kubernetes' <c>IsPodUpdated</c>: the pod carries the current revision's hash, or the current template
    /// generation label.
    /// </summary>
    public static bool IsUpdated(KubeObject pod, string hash, long? templateGeneration)
    {
        var labels = pod.Labels;
        var generationMatches = templateGeneration is { } generation
            && labels.GetValueOrDefault(TemplateGenerationLabel) == generation.ToString(CultureInfo.InvariantCulture);
        var hashMatches = hash.Length > 0 && labels.GetValueOrDefault(ControllerHistory.HashLabel) == hash;
        return hashMatches || generationMatches;
    }

    /// <summary>Kubernetes' <c>podByCreationTimestampAndPhase</c>: bound pods first, then oldest, then by name.</summary>
    public static int CompareOldestFirst(KubeObject a, KubeObject b)
    {
        var boundA = !string.IsNullOrEmpty(new PodView(a).NodeName);
        var boundB = !string.IsNullOrEmpty(new PodView(b).NodeName);
        if (boundA != boundB)
        {
            return boundA ? -1 : 1;
        }
        var byCreation = Nullable.Compare(a.CreationTimestamp, b.CreationTimestamp);
        return byCreation != 0 ? byCreation : string.CompareOrdinal(a.Name, b.Name);
    }

    /// <summary>Available: Ready for at least <paramref name="minReadySeconds"/>.</summary>
    public static bool IsAvailable(KubeObject pod, int minReadySeconds, DateTimeOffset now) => PodState.IsAvailable(pod, minReadySeconds, now);

    /// <summary>
    /// The DaemonSet's revision snapshot (Kubernetes' <c>getPatch</c>): a strategic merge patch that puts the template
    /// back, <c>{"spec":{"template":{…,"$patch":"replace"}}}</c>. It is the ControllerRevision's <c>data</c>, and what
    /// <c>kubectl rollout undo</c> sends back as a patch.
    /// </summary>
    public static JsonObject RevisionPatch(KubeObject daemonSet)
    {
        var template = JsonTree.GetObject(daemonSet.Document, "spec", "template")?.DeepClone() as JsonObject ?? [];
        template["$patch"] = "replace";
        return new JsonObject { ["spec"] = new JsonObject { ["template"] = template } };
    }
}
