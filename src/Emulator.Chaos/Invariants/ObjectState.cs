using System.Text.Json.Nodes;

namespace Emulator.Chaos.Invariants;

/// <summary>Reads what the invariants need from stored objects (as JSON): readiness, phase, owners, ordinals.</summary>
public static class ObjectState
{
    /// <summary>The object's <c>metadata.name</c>.</summary>
    public static string Name(JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>() ?? "";

    /// <summary>The object's <c>metadata.namespace</c> (empty for cluster-scoped objects).</summary>
    public static string Namespace(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>() ?? "";

    /// <summary>The object's <c>metadata.uid</c>.</summary>
    public static string Uid(JsonObject obj) => obj["metadata"]?["uid"]?.GetValue<string>() ?? "";

    /// <summary>The object's <c>metadata.resourceVersion</c> as a number.</summary>
    public static long ResourceVersion(JsonObject obj) =>
        long.TryParse(obj["metadata"]?["resourceVersion"]?.GetValue<string>(), out var rv) ? rv : 0;

    /// <summary>True when the object has a deletion timestamp.</summary>
    public static bool IsTerminating(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    /// <summary>The name of the controller owner of <paramref name="kind"/>, if the object has one.</summary>
    public static string? ControllerOf(JsonObject obj, string kind) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(r => r["controller"]?.GetValue<bool>() == true && r["kind"]?.GetValue<string>() == kind)?["name"]?.GetValue<string>();

    /// <summary>The pod's phase (<c>Pending</c> when it has none yet).</summary>
    public static string Phase(JsonObject pod) => pod["status"]?["phase"]?.GetValue<string>() ?? "Pending";

    /// <summary>The node the pod is bound to (null: not scheduled).</summary>
    public static string? NodeOf(JsonObject pod) => pod["spec"]?["nodeName"]?.GetValue<string>();

    /// <summary>True when the pod is not finished (neither Succeeded nor Failed) and not being deleted.</summary>
    public static bool IsActive(JsonObject pod) => !IsTerminating(pod) && Phase(pod) is not ("Succeeded" or "Failed");

    /// <summary>True when the pod is Running and its Ready condition is True.</summary>
    public static bool IsRunningAndReady(JsonObject pod) => Phase(pod) == "Running" && Condition(pod, "Ready") == "True";

    /// <summary>When the pod's Ready condition last turned True (null: not ready).</summary>
    public static DateTimeOffset? ReadySince(JsonObject pod) =>
        IsRunningAndReady(pod) ? ConditionTime(pod, "Ready") : null;

    /// <summary>True when the node's Ready condition is True.</summary>
    public static bool IsNodeReady(JsonObject node) => Condition(node, "Ready") == "True";

    /// <summary>The object's <c>metadata.creationTimestamp</c>.</summary>
    public static DateTimeOffset? CreatedAt(JsonObject obj) =>
        DateTimeOffset.TryParse(obj["metadata"]?["creationTimestamp"]?.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>A StatefulSet pod's ordinal (the number after the last dash), or -1.</summary>
    public static int Ordinal(JsonObject pod)
    {
        var name = Name(pod);
        var dash = name.LastIndexOf('-');
        return dash >= 0 && int.TryParse(name[(dash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ordinal) ? ordinal : -1;
    }

    /// <summary>An integer field of the object (e.g. <c>spec.replicas</c>), or <paramref name="otherwise"/>.</summary>
    public static int Int(JsonObject obj, string section, string field, int otherwise = 0) =>
        obj[section]?[field] is JsonValue value && value.TryGetValue<int>(out var number) ? number : otherwise;

    private static string? Condition(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type)?["status"]?.GetValue<string>();

    private static DateTimeOffset? ConditionTime(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type)?["lastTransitionTime"]?.GetValue<string>() is { } text
        && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}
