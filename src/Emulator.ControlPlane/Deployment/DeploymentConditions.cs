using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Deployment;

/// <summary>Deployment conditions (with <c>lastUpdateTime</c>), set as Kubernetes' <c>deploymentutil.SetDeploymentCondition</c> does.</summary>
public static class DeploymentConditions
{
    /// <summary>Condition types and reasons.</summary>
    public const string Available = "Available", Progressing = "Progressing", ReplicaFailure = "ReplicaFailure";

    /// <summary>The condition of a type, or null.</summary>
    public static JsonObject? Find(JsonObject status, string type) =>
        JsonTree.Objects(status["conditions"] as JsonArray).FirstOrDefault(c => JsonTree.GetString(c, "type") == type);

    /// <summary>A new condition stamped now.</summary>
    public static JsonObject New(string type, string status, string reason, string message, DateTimeOffset now)
    {
        var stamp = Rfc3339Time.Format(now);
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastUpdateTime"] = stamp,
            ["lastTransitionTime"] = stamp,
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    /// <summary>
    /// Sets a condition: nothing changes when one with the same status and reason exists; a same-status replacement keeps
    /// the old lastTransitionTime; the new condition goes last.
    /// </summary>
    public static void Set(JsonObject status, JsonObject condition)
    {
        var type = JsonTree.GetString(condition, "type")!;
        var current = Find(status, type);
        if (current is not null
            && JsonTree.GetString(current, "status") == JsonTree.GetString(condition, "status")
            && JsonTree.GetString(current, "reason") == JsonTree.GetString(condition, "reason"))
        {
            return;
        }
        if (current is not null && JsonTree.GetString(current, "status") == JsonTree.GetString(condition, "status"))
        {
            condition["lastTransitionTime"] = current["lastTransitionTime"]?.DeepClone();
        }
        Remove(status, type);
        if (status["conditions"] is not JsonArray list)
        {
            status["conditions"] = list = [];
        }
        list.Add(condition);
    }

    /// <summary>Removes a condition.</summary>
    public static void Remove(JsonObject status, string type)
    {
        if (status["conditions"] is JsonArray list && Find(status, type) is { } current)
        {
            list.Remove(current);
        }
    }
}
