using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.HorizontalPodAutoscaler;

/// <summary>
/// The status an autoscaler's sync builds (<c>autoscaling/v2</c>): replica counts, the current value of each metric,
/// the last scale time and the AbleToScale, ScalingActive and ScalingLimited conditions, set as the controller's
/// <c>setCondition</c> does (added in the order first set; the transition time moves only when the status changes).
/// </summary>
public sealed class AutoscalerStatus
{
    private readonly JsonArray _conditions;

    /// <summary>Starts from the autoscaler's stored status.</summary>
    public AutoscalerStatus(JsonObject? stored)
    {
        _conditions = stored?["conditions"] is JsonArray conditions ? conditions.DeepClone().AsArray() : [];
        DesiredReplicas = (int)(JsonTree.GetInt(stored, "desiredReplicas") ?? 0);
        LastScaleTime = JsonTree.GetString(stored, "lastScaleTime");
    }

    /// <summary>status.currentReplicas.</summary>
    public int CurrentReplicas { get; set; }

    /// <summary>status.desiredReplicas.</summary>
    public int DesiredReplicas { get; set; }

    /// <summary>status.lastScaleTime (RFC 3339), if it ever scaled.</summary>
    public string? LastScaleTime { get; set; }

    /// <summary>status.currentMetrics (one entry per metric; null: none reported).</summary>
    public JsonArray? CurrentMetrics { get; set; }

    /// <summary>Sets a condition (its transition time changes only with its status).</summary>
    public void SetCondition(string type, string status, string reason, string message, DateTimeOffset now)
    {
        var existing = JsonTree.Objects(_conditions).FirstOrDefault(c => JsonTree.GetString(c, "type") == type);
        if (existing is null)
        {
            existing = new JsonObject { ["type"] = type };
            _conditions.Add(existing);
        }
        if (JsonTree.GetString(existing, "status") != status)
        {
            existing["lastTransitionTime"] = Rfc3339Time.Format(now);
        }
        existing["status"] = status;
        existing["reason"] = reason;
        existing["message"] = message;
    }

    /// <summary>The status as JSON, in the field order the API server writes it.</summary>
    public JsonObject ToJson()
    {
        var status = new JsonObject();
        if (LastScaleTime is not null)
        {
            status["lastScaleTime"] = LastScaleTime;
        }
        status["currentReplicas"] = CurrentReplicas;
        status["desiredReplicas"] = DesiredReplicas;
        if (CurrentMetrics is { Count: > 0 } metrics)
        {
            status["currentMetrics"] = metrics.DeepClone();
        }
        if (_conditions.Count > 0)
        {
            status["conditions"] = NormalizedConditions();
        }
        return status;
    }

    /// <summary>Each condition's fields in the order Go marshals them.</summary>
    private JsonArray NormalizedConditions() => new(JsonTree.Objects(_conditions).Select(c =>
    {
        var ordered = new JsonObject { ["type"] = c["type"]?.DeepClone(), ["status"] = c["status"]?.DeepClone() };
        if (c["lastTransitionTime"] is { } time)
        {
            ordered["lastTransitionTime"] = time.DeepClone();
        }
        ordered["reason"] = c["reason"]?.DeepClone();
        ordered["message"] = c["message"]?.DeepClone();
        return (JsonNode)ordered;
    }).ToArray());
}
