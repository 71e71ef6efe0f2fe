using System.Text.Json.Nodes;
using Emulator.Kubernetes.Kinds;

namespace Emulator.Kubernetes.Selectors;

/// <summary>
/// The field labels each kind can be selected by (its <c>GetAttrs</c>/field label conversion in Kubernetes)
/// and how their values are read from an object.
/// </summary>
public static class FieldLabels
{
    private static readonly string[] Common = ["metadata.name", "metadata.namespace"];

    private static readonly Dictionary<string, string[]> ByKind = new(StringComparer.Ordinal)
    {
        ["/Pod"] =
        [
            "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
            "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName",
        ],
        ["/Node"] = ["spec.unschedulable"],
        ["/Namespace"] = ["status.phase"],
        ["/Secret"] = ["type"],
        ["/Event"] =
        [
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
            "reason", "reportingComponent", "source", "type",
        ],
        ["events.k8s.io/Event"] =
        [
            "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion",
            "regarding.resourceVersion", "regarding.fieldPath", "reason", "reportingController", "type",
        ],
        ["apps/ReplicaSet"] = ["status.replicas"],
        ["batch/Job"] = ["status.successful"],
    };

    /// <summary>The field labels a kind supports, the common <c>metadata.name</c>/<c>metadata.namespace</c> first.</summary>
    public static IReadOnlyList<string> For(KindInfo kind) =>
        ByKind.TryGetValue($"{kind.Group}/{kind.Kind}", out var extra) ? [.. Common, .. extra] : Common;

    /// <summary>True when the kind can be selected by the field.</summary>
    public static bool IsSupported(KindInfo kind, string field) => For(kind).Contains(field);

    /// <summary>
    /// The value of a field label on an object as Kubernetes renders it for matching: strings as is,
    /// booleans as <c>true</c>/<c>false</c> (absent booleans are <c>false</c>), numbers in decimal.
    /// </summary>
    public static string? ValueOf(KubeObject obj, string field)
    {
        switch (field)
        {
            case "metadata.name":
                return obj.Name ?? "";
            case "metadata.namespace":
                return obj.Namespace ?? "";
            case "spec.hostNetwork":
            case "spec.unschedulable":
                return (JsonTree.GetBool(obj.Document, field.Split('.')) ?? false) ? "true" : "false";
            case "status.podIPs":
                return JsonTree.GetString(obj.Document, "status", "podIP") ?? "";
            case "source":
                return JsonTree.GetString(obj.Document, "source", "component") ?? "";
            case "status.successful":
                return (JsonTree.GetInt(obj.Document, "status", "succeeded") ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
            case "status.replicas":
                return (JsonTree.GetInt(obj.Document, "status", "replicas") ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var node = JsonTree.Get(obj.Document, field.Split('.'));
        return node switch
        {
            null => "",
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
            JsonValue v => v.ToJsonString(),
            _ => node.ToJsonString(),
        };
    }
}
