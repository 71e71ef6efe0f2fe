using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.StatefulSet;

public sealed partial class StatefulSetController
{
    /// <summary>The label naming a StatefulSet pod (its Service's per-pod selector).</summary>
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";

    /// <summary>The label carrying a pod's ordinal.</summary>
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";

    /// <summary>The label carrying the name of the ControllerRevision a pod was made from.</summary>
    public const string RevisionLabel = "controller-revision-hash";

    /// <summary><c>spec.ordinals.start</c> (0 when unset).</summary>
    internal static int StartOrdinal(KubeObject set) => (int)(JsonTree.GetInt(set.Document, "spec", "ordinals", "start") ?? 0);

    /// <summary><c>spec.replicas</c> (1 when unset).</summary>
    internal static int Replicas(KubeObject set) => (int)(JsonTree.GetInt(set.Document, "spec", "replicas") ?? 1);

    /// <summary>The name of a set's pod: <c>&lt;set&gt;-&lt;ordinal&gt;</c>.</summary>
    internal static string PodName(KubeObject set, int ordinal) => $"{set.Name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The name of a pod's claim from a template: <c>&lt;template&gt;-&lt;set&gt;-&lt;ordinal&gt;</c> (<c>www-web-0</c>).</summary>
    internal static string ClaimName(string template, KubeObject set, int ordinal) => $"{template}-{PodName(set, ordinal)}";

    /// <summary>The ordinal in a pod's name when it is <c>&lt;set&gt;-&lt;n&gt;</c> of this set; null otherwise.</summary>
    internal static int? OrdinalOf(KubeObject set, KubeObject pod)
    {
        var prefix = set.Name + "-";
        var name = pod.Name ?? "";
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var digits = name[prefix.Length..];
        return digits.Length > 0 && digits.All(char.IsAsciiDigit) && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal) ? ordinal : null;
    }

    /// <summary>Kubernetes' <c>isMemberOf</c>: the pod's name is one of the set's ordinal names.</summary>
    private static bool IsMemberOf(KubeObject set, KubeObject pod) => OrdinalOf(set, pod) is not null;

    /// <summary>The controller reference a set's pods carry.</summary>
    internal static OwnerReference OwnerReferenceTo(KubeObject set) =>
        new("apps/v1", "StatefulSet", set.Name ?? "", set.Uid ?? "", Controller: true, BlockOwnerDeletion: true);

    /// <summary>The names of the set's volumeClaimTemplates.</summary>
    internal static IEnumerable<JsonObject> ClaimTemplates(KubeObject set) =>
        JsonTree.Objects(JsonTree.GetArray(set.Document, "spec", "volumeClaimTemplates"))
            .Where(t => JsonTree.GetString(t, "metadata", "name") is { Length: > 0 });

    /// <summary>
    /// Kubernetes' <c>newVersionedStatefulSetPod</c>: the pod of an ordinal made from a revision's template, with its
    /// identity (name, labels, hostname, subdomain), its claims as volumes, and the revision label.
    /// </summary>
    internal static JsonObject NewPod(KubeObject set, JsonObject template, string revision, int ordinal)
    {
        var name = PodName(set, ordinal);
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = set.Namespace };
        var labels = JsonTree.GetObject(template, "metadata", "labels")?.DeepClone() as JsonObject ?? [];
        labels[PodNameLabel] = name;
        labels[PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture);
        labels[RevisionLabel] = revision;
        metadata["labels"] = labels;
        foreach (var field in new[] { "annotations", "finalizers" })
        {
            if (JsonTree.Get(template, "metadata", field) is { } value)
            {
                metadata[field] = value.DeepClone();
            }
        }
        metadata["ownerReferences"] = new JsonArray(OwnerReferenceTo(set).ToJson());
        var spec = template["spec"]?.DeepClone() as JsonObject ?? [];
        spec["hostname"] = name;
        if (JsonTree.GetString(set.Document, "spec", "serviceName") is { Length: > 0 } service)
        {
            spec["subdomain"] = service;
        }
        // updateStorage: each claim template becomes the pod's volume of that name, replacing a template volume of the same name.
        var claimVolumes = ClaimTemplates(set).Select(t => JsonTree.GetString(t, "metadata", "name")!).ToList();
        var volumes = new JsonArray();
        foreach (var volume in JsonTree.Objects(spec["volumes"] as JsonArray))
        {
            if (!claimVolumes.Contains(JsonTree.GetString(volume, "name") ?? ""))
            {
                volumes.Add(volume.DeepClone());
            }
        }
        foreach (var claim in claimVolumes)
        {
            volumes.Add(new JsonObject
            {
                ["name"] = claim,
                ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = ClaimName(claim, set, ordinal) },
            });
        }
        if (volumes.Count > 0)
        {
            spec["volumes"] = volumes;
        }
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["spec"] = spec };
    }

    /// <summary>
    /// Kubernetes' <c>getPersistentVolumeClaims</c>: the claim of a template for an ordinal, labelled with the template's
    /// labels and the set's selector labels.
    /// </summary>
    internal static JsonObject NewClaim(KubeObject set, JsonObject template, int ordinal)
    {
        var name = ClaimName(JsonTree.GetString(template, "metadata", "name")!, set, ordinal);
        var labels = JsonTree.GetObject(template, "metadata", "labels")?.DeepClone() as JsonObject ?? [];
        foreach (var (key, value) in JsonTree.StringMap(JsonTree.Get(set.Document, "spec", "selector", "matchLabels")))
        {
            labels[key] = value;
        }
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = set.Namespace };
        if (labels.Count > 0)
        {
            metadata["labels"] = labels;
        }
        if (JsonTree.GetObject(template, "metadata", "annotations") is { } annotations)
        {
            metadata["annotations"] = annotations.DeepClone();
        }
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolumeClaim",
            ["metadata"] = metadata,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }

    /// <summary>True when the pod carries its identity labels (hostname and subdomain are immutable once it exists).</summary>
    private static bool IdentityLabelsMatch(KubeObject pod, int ordinal) =>
        pod.Labels.GetValueOrDefault(PodNameLabel) == pod.Name
        && pod.Labels.GetValueOrDefault(PodIndexLabel) == ordinal.ToString(CultureInfo.InvariantCulture);

    /// <summary>The pod with its identity labels restored (hostname and subdomain are immutable once the pod exists).</summary>
    private static JsonObject WithIdentityLabels(KubeObject pod, int ordinal)
    {
        var fixedPod = pod.DeepClone();
        fixedPod.SetLabel(PodNameLabel, pod.Name);
        fixedPod.SetLabel(PodIndexLabel, ordinal.ToString(CultureInfo.InvariantCulture));
        return fixedPod.Document;
    }

    /// <summary>The claim names a set's pod of an ordinal uses.</summary>
    private static IEnumerable<string> ClaimNames(KubeObject set, int ordinal) =>
        ClaimTemplates(set).Select(t => ClaimName(JsonTree.GetString(t, "metadata", "name")!, set, ordinal));

    private static string Revision(KubeObject pod) => pod.Labels.GetValueOrDefault(RevisionLabel) ?? "";

    private static bool IsTerminating(KubeObject pod) => pod.DeletionTimestamp is not null;

    private static bool IsRunningAndReady(KubeObject pod) =>
        JsonTree.GetString(pod.Document, "status", "phase") == "Running" && new Kubernetes.Views.PodView(pod).IsReady;

    private static bool IsFinished(KubeObject pod) => new Kubernetes.Views.PodView(pod).IsTerminal;

    private static bool IsAvailable(KubeObject pod, int minReadySeconds, DateTimeOffset now) =>
        IsRunningAndReady(pod) && ReplicaSet.PodState.IsAvailable(pod, minReadySeconds, now);

    /// <summary>Kubernetes' <c>isHealthy</c>: Running, Ready and not terminating.</summary>
    private static bool IsHealthy(KubeObject pod) => IsRunningAndReady(pod) && !IsTerminating(pod);
}
