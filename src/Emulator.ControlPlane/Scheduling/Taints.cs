using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>Taints and tolerations as Kubernetes matches them (shared by the scheduler and the node lifecycle controller).</summary>
public static class Taints
{
    /// <summary><c>NoSchedule</c>.</summary>
    public const string NoSchedule = "NoSchedule";

    /// <summary><c>NoExecute</c>.</summary>
    public const string NoExecute = "NoExecute";

    /// <summary>The node's <c>spec.taints</c>.</summary>
    public static IEnumerable<JsonObject> Of(KubeObject node) => JsonTree.Objects(JsonTree.GetArray(node.Document, "spec", "taints"));

    /// <summary>
    /// Whether one toleration tolerates one taint: effects equal (or the toleration's empty), keys equal (or the
    /// toleration's empty, which needs <c>Exists</c>), and <c>Exists</c>, or <c>Equal</c> (the default) with equal values.
    /// </summary>
    public static bool Tolerates(JsonObject toleration, JsonObject taint)
    {
        var effect = JsonTree.GetString(toleration, "effect") ?? "";
        if (effect.Length > 0 && effect != (JsonTree.GetString(taint, "effect") ?? ""))
        {
            return false;
        }
        var key = JsonTree.GetString(toleration, "key") ?? "";
        if (key.Length > 0 && key != (JsonTree.GetString(taint, "key") ?? ""))
        {
            return false;
        }
        return (JsonTree.GetString(toleration, "operator") ?? "") switch
        {
            "Exists" => true,
            "" or "Equal" => (JsonTree.GetString(toleration, "value") ?? "") == (JsonTree.GetString(taint, "value") ?? ""),
            _ => false,
        };
    }

    /// <summary>Whether any of <paramref name="tolerations"/> tolerates <paramref name="taint"/>.</summary>
    public static bool Tolerated(IEnumerable<JsonObject> tolerations, JsonObject taint)
    {
        foreach (var toleration in tolerations)
        {
            if (Tolerates(toleration, taint))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The taint's effect.</summary>
    public static string Effect(JsonObject taint) => JsonTree.GetString(taint, "effect") ?? "";

    /// <summary>The taint's key.</summary>
    public static string Key(JsonObject taint) => JsonTree.GetString(taint, "key") ?? "";

    /// <summary>
    /// How long a pod may stay on a node with these NoExecute taints: null when some taint is not tolerated (evict now),
    /// <see cref="TimeSpan.MaxValue"/> when tolerated forever, else the smallest <c>tolerationSeconds</c> of the
    /// tolerations used (a negative value counts as zero), as the taint manager's <c>getMinTolerationTime</c>.
    /// </summary>
    public static TimeSpan? MinTolerationTime(IReadOnlyList<JsonObject> tolerations, IEnumerable<JsonObject> noExecuteTaints)
    {
        var min = TimeSpan.MaxValue;
        foreach (var taint in noExecuteTaints)
        {
            var used = tolerations.Where(t => Tolerates(t, taint)).ToList();
            if (used.Count == 0)
            {
                return null;
            }
            foreach (var toleration in used)
            {
                if (JsonTree.GetInt(toleration, "tolerationSeconds") is { } seconds)
                {
                    var span = TimeSpan.FromSeconds(Math.Max(0, seconds));
                    if (span < min)
                    {
                        min = span;
                    }
                }
            }
        }
        return min;
    }
}
