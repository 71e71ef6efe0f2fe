using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Views;

/// <summary>
/// Reads and writes <c>status.conditions</c> the way Kubernetes controllers do: one entry per type,
/// <c>lastTransitionTime</c> changes only when the status flips.
/// </summary>
public static class Conditions
{
    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public static JsonObject? Find(JsonObject status, string type) =>
        JsonTree.Objects(status["conditions"] as JsonArray).FirstOrDefault(c => JsonTree.GetString(c, "type") == type);

    /// <summary>True when the condition exists with status <c>True</c>.</summary>
    public static bool IsTrue(JsonObject status, string type) => Find(status, type) is { } c && JsonTree.GetString(c, "status") == "True";

    /// <summary>Sets a condition; returns true when anything changed.</summary>
    /// <param name="status">The status object.</param>
    /// <param name="type">Condition type, e.g. <c>Ready</c>.</param>
    /// <param name="conditionStatus"><c>True</c>, <c>False</c> or <c>Unknown</c>.</param>
    /// <param name="reason">Machine-readable reason (omitted when null).</param>
    /// <param name="message">Human-readable message (omitted when null).</param>
    /// <param name="now">Current time, used for lastTransitionTime on a flip.</param>
    public static bool Set(JsonObject status, string type, string conditionStatus, string? reason, string? message, DateTimeOffset now)
    {
        if (status["conditions"] is not JsonArray list)
        {
            list = [];
            status["conditions"] = list;
        }
        var existing = Find(status, type);
        if (existing is not null
            && JsonTree.GetString(existing, "status") == conditionStatus
            && JsonTree.GetString(existing, "reason") == reason
            && JsonTree.GetString(existing, "message") == message)
        {
            return false;
        }
        var transition = existing is not null && JsonTree.GetString(existing, "status") == conditionStatus
            ? existing["lastTransitionTime"]?.DeepClone()
            : JsonValue.Create(Rfc3339Time.Format(now));
        var condition = new JsonObject { ["type"] = type, ["status"] = conditionStatus, ["lastTransitionTime"] = transition };
        if (reason is not null)
        {
            condition["reason"] = reason;
        }
        if (message is not null)
        {
            condition["message"] = message;
        }
        if (existing is not null)
        {
            list[list.IndexOf(existing)] = condition;
        }
        else
        {
            list.Add(condition);
        }
        return true;
    }
}
