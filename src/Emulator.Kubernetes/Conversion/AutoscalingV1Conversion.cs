using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Conversion;

/// <summary>
/// HorizontalPodAutoscaler conversion between <c>autoscaling/v1</c> (served) and <c>autoscaling/v2</c> (stored), as
/// Kubernetes' <c>pkg/apis/autoscaling/v1/conversion.go</c> does: v1 holds only a CPU utilization target, so what v2
/// has beyond it travels in annotations — the other metrics (<c>autoscaling.alpha.kubernetes.io/metrics</c>, in v1's
/// alpha metric format), the behavior (<c>…/behavior</c>, the internal type's JSON with Go field names), the current
/// metrics (<c>…/current-metrics</c>) and the conditions (<c>…/conditions</c>) — and a v1 object written back keeps
/// them. A v1 autoscaler without a CPU target gets v1's implicit 80%.
/// </summary>
public static class AutoscalingV1Conversion
{
    /// <summary>The metrics other than the CPU utilization target.</summary>
    public const string MetricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics";

    /// <summary>Every current metric.</summary>
    public const string CurrentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics";

    /// <summary>The status conditions.</summary>
    public const string ConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions";

    /// <summary>The scaling behavior.</summary>
    public const string BehaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior";

    private static readonly string[] RoundTripAnnotations = [MetricsAnnotation, CurrentMetricsAnnotation, ConditionsAnnotation, BehaviorAnnotation];

    /// <summary>An <c>autoscaling/v2</c> HorizontalPodAutoscaler as <c>autoscaling/v1</c> shows it.</summary>
    public static JsonObject ToV1(JsonObject v2)
    {
        var result = new JsonObject { ["kind"] = "HorizontalPodAutoscaler", ["apiVersion"] = "autoscaling/v1" };
        var metadata = v2["metadata"]?.DeepClone().AsObject() ?? [];
        var annotations = DropRoundTrip(metadata);
        result["metadata"] = metadata;

        var spec = v2["spec"] as JsonObject ?? [];
        var v1Spec = new JsonObject();
        if (spec["scaleTargetRef"] is { } reference)
        {
            v1Spec["scaleTargetRef"] = reference.DeepClone();
        }
        Copy(spec, v1Spec, "minReplicas");
        v1Spec["maxReplicas"] = spec["maxReplicas"]?.DeepClone() ?? 0;
        var metrics = JsonTree.Objects(spec["metrics"] as JsonArray).ToList();
        var others = new JsonArray();
        foreach (var metric in metrics)
        {
            if (IsCpuUtilization(metric))
            {
                // The first CPU utilization target is v1's; every one of them stays out of the annotation.
                v1Spec["targetCPUUtilizationPercentage"] ??= metric["resource"]!["target"]!["averageUtilization"]!.DeepClone();
                continue;
            }
            others.Add(MetricSpecToV1(metric));
        }
        result["spec"] = v1Spec;

        var status = v2["status"] as JsonObject ?? [];
        var v1Status = new JsonObject();
        Copy(status, v1Status, "observedGeneration");
        Copy(status, v1Status, "lastScaleTime");
        v1Status["currentReplicas"] = status["currentReplicas"]?.DeepClone() ?? 0;
        v1Status["desiredReplicas"] = status["desiredReplicas"]?.DeepClone() ?? 0;
        var currentMetrics = JsonTree.Objects(status["currentMetrics"] as JsonArray).ToList();
        foreach (var current in currentMetrics)
        {
            if (JsonTree.GetString(current, "type") == "Resource" && JsonTree.GetString(current, "resource", "name") == "cpu"
                && JsonTree.Get(current, "resource", "current", "averageUtilization") is { } utilization)
            {
                v1Status["currentCPUUtilizationPercentage"] = utilization.DeepClone();
            }
        }
        result["status"] = v1Status;

        if (others.Count > 0)
        {
            annotations[MetricsAnnotation] = JsonTree.ToCompactJson(others);
        }
        if (currentMetrics.Count > 0)
        {
            annotations[CurrentMetricsAnnotation] = JsonTree.ToCompactJson(new JsonArray(currentMetrics.Select(m => (JsonNode)MetricStatusToV1(m)).ToArray()));
        }
        if (spec["behavior"] is JsonObject behavior)
        {
            annotations[BehaviorAnnotation] = JsonTree.ToCompactJson(BehaviorToInternal(behavior));
        }
        if (status["conditions"] is JsonArray { Count: > 0 } conditions)
        {
            annotations[ConditionsAnnotation] = JsonTree.ToCompactJson(conditions);
        }
        if (annotations.Count > 0)
        {
            metadata["annotations"] = annotations;
        }
        return result;
    }

    /// <summary>An <c>autoscaling/v1</c> HorizontalPodAutoscaler as <c>autoscaling/v2</c> stores it.</summary>
    public static JsonObject ToV2(JsonObject v1)
    {
        var result = new JsonObject { ["kind"] = "HorizontalPodAutoscaler", ["apiVersion"] = "autoscaling/v2" };
        var metadata = v1["metadata"]?.DeepClone().AsObject() ?? [];
        var given = JsonTree.StringMap(metadata["annotations"]);
        var annotations = DropRoundTrip(metadata);
        if (annotations.Count > 0)
        {
            metadata["annotations"] = annotations;
        }
        result["metadata"] = metadata;

        var spec = v1["spec"] as JsonObject ?? [];
        var v2Spec = new JsonObject();
        if (spec["scaleTargetRef"] is { } reference)
        {
            v2Spec["scaleTargetRef"] = reference.DeepClone();
        }
        Copy(spec, v2Spec, "minReplicas");
        v2Spec["maxReplicas"] = spec["maxReplicas"]?.DeepClone() ?? 0;
        JsonObject? cpu = JsonTree.GetInt(spec, "targetCPUUtilizationPercentage") is { } target ? CpuUtilization(target) : null;
        var metrics = new JsonArray();
        if (given.TryGetValue(MetricsAnnotation, out var othersText) && Parse(othersText) is JsonArray others)
        {
            foreach (var other in JsonTree.Objects(others))
            {
                metrics.Add(MetricSpecToV2(other));
            }
        }
        if (cpu is not null)
        {
            metrics.Add(cpu);
        }
        // v1's implicit default, made explicit.
        v2Spec["metrics"] = metrics.Count > 0 ? metrics : new JsonArray(CpuUtilization(80));
        if (given.TryGetValue(BehaviorAnnotation, out var behaviorText) && Parse(behaviorText) is JsonObject internalBehavior
            && BehaviorFromInternal(internalBehavior) is { } behavior)
        {
            v2Spec["behavior"] = behavior;
        }
        result["spec"] = v2Spec;

        var status = v1["status"] as JsonObject ?? [];
        var v2Status = new JsonObject();
        Copy(status, v2Status, "observedGeneration");
        Copy(status, v2Status, "lastScaleTime");
        v2Status["currentReplicas"] = status["currentReplicas"]?.DeepClone() ?? 0;
        v2Status["desiredReplicas"] = status["desiredReplicas"]?.DeepClone() ?? 0;
        if (JsonTree.GetInt(status, "currentCPUUtilizationPercentage") is { } currentCpu)
        {
            v2Status["currentMetrics"] = new JsonArray(new JsonObject
            {
                ["type"] = "Resource",
                ["resource"] = new JsonObject { ["name"] = "cpu", ["current"] = new JsonObject { ["averageUtilization"] = currentCpu } },
            });
        }
        if (given.TryGetValue(CurrentMetricsAnnotation, out var currentText) && Parse(currentText) is JsonArray current)
        {
            v2Status["currentMetrics"] = new JsonArray(JsonTree.Objects(current).Select(m => (JsonNode)MetricStatusToV2(m)).ToArray());
        }
        if (given.TryGetValue(ConditionsAnnotation, out var conditionsText) && Parse(conditionsText) is JsonArray conditions)
        {
            v2Status["conditions"] = conditions.DeepClone();
        }
        result["status"] = v2Status;
        return result;
    }

    private static JsonObject CpuUtilization(long percent) => new()
    {
        ["type"] = "Resource",
        ["resource"] = new JsonObject
        {
            ["name"] = "cpu",
            ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = percent },
        },
    };

    private static bool IsCpuUtilization(JsonObject metric) =>
        JsonTree.GetString(metric, "type") == "Resource" && JsonTree.GetString(metric, "resource", "name") == "cpu"
        && JsonTree.Get(metric, "resource", "target", "averageUtilization") is not null;

    /// <summary>The annotations without the round-trip ones (the conversion writes its own).</summary>
    private static JsonObject DropRoundTrip(JsonObject metadata)
    {
        var annotations = metadata["annotations"] as JsonObject ?? [];
        var kept = new JsonObject(annotations.Where(a => !RoundTripAnnotations.Contains(a.Key)).Select(a => KeyValuePair.Create(a.Key, a.Value?.DeepClone())));
        metadata.Remove("annotations");
        return kept;
    }

    private static JsonNode? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            // Go ignores an annotation that does not unmarshal.
            return null;
        }
    }

    private static void Copy(JsonObject from, JsonObject to, string field)
    {
        if (from[field] is { } value)
        {
            to[field] = value.DeepClone();
        }
    }

    private static void Copy(JsonObject? from, string fromField, JsonObject to, string toField)
    {
        if (from?[fromField] is { } value)
        {
            to[toField] = value.DeepClone();
        }
    }

    /// <summary>A v2 MetricSpec in v1's alpha format (<c>targetAverageUtilization</c>, <c>metricName</c>, …).</summary>
    private static JsonObject MetricSpecToV1(JsonObject metric)
    {
        var type = JsonTree.GetString(metric, "type") ?? "";
        var result = new JsonObject { ["type"] = type };
        switch (type)
        {
            case "Resource" or "ContainerResource":
                {
                    var field = type == "Resource" ? "resource" : "containerResource";
                    var source = metric[field] as JsonObject;
                    var target = source?["target"] as JsonObject;
                    var v1 = new JsonObject { ["name"] = JsonTree.GetString(source, "name") ?? "" };
                    Copy(target, "averageUtilization", v1, "targetAverageUtilization");
                    Copy(target, "averageValue", v1, "targetAverageValue");
                    if (type == "ContainerResource")
                    {
                        v1["container"] = JsonTree.GetString(source, "container") ?? "";
                    }
                    result[field] = v1;
                    break;
                }
            case "Pods":
                {
                    var source = metric["pods"] as JsonObject;
                    var v1 = new JsonObject { ["metricName"] = JsonTree.GetString(source, "metric", "name") ?? "" };
                    v1["targetAverageValue"] = JsonTree.Get(source, "target", "averageValue")?.DeepClone() ?? "0";
                    Copy(source?["metric"] as JsonObject, "selector", v1, "selector");
                    result["pods"] = v1;
                    break;
                }
            case "Object":
                {
                    var source = metric["object"] as JsonObject;
                    var v1 = new JsonObject
                    {
                        ["target"] = source?["describedObject"]?.DeepClone() ?? new JsonObject { ["kind"] = "", ["name"] = "" },
                        ["metricName"] = JsonTree.GetString(source, "metric", "name") ?? "",
                        ["targetValue"] = JsonTree.Get(source, "target", "value")?.DeepClone() ?? "0",
                    };
                    Copy(source?["metric"] as JsonObject, "selector", v1, "selector");
                    Copy(source?["target"] as JsonObject, "averageValue", v1, "averageValue");
                    result["object"] = v1;
                    break;
                }
            case "External":
                {
                    var source = metric["external"] as JsonObject;
                    var v1 = new JsonObject { ["metricName"] = JsonTree.GetString(source, "metric", "name") ?? "" };
                    Copy(source?["metric"] as JsonObject, "selector", v1, "metricSelector");
                    Copy(source?["target"] as JsonObject, "value", v1, "targetValue");
                    Copy(source?["target"] as JsonObject, "averageValue", v1, "targetAverageValue");
                    result["external"] = v1;
                    break;
                }
        }
        return result;
    }

    /// <summary>A v1 alpha metric back in v2's format.</summary>
    private static JsonObject MetricSpecToV2(JsonObject metric)
    {
        var type = JsonTree.GetString(metric, "type") ?? "";
        var result = new JsonObject { ["type"] = type };
        switch (type)
        {
            case "Resource" or "ContainerResource":
                {
                    var field = type == "Resource" ? "resource" : "containerResource";
                    var source = metric[field] as JsonObject;
                    var target = new JsonObject { ["type"] = source?["targetAverageUtilization"] is null ? "AverageValue" : "Utilization" };
                    Copy(source, "targetAverageValue", target, "averageValue");
                    Copy(source, "targetAverageUtilization", target, "averageUtilization");
                    var v2 = new JsonObject { ["name"] = JsonTree.GetString(source, "name") ?? "" };
                    if (type == "ContainerResource")
                    {
                        v2["container"] = JsonTree.GetString(source, "container") ?? "";
                    }
                    v2["target"] = target;
                    result[field] = v2;
                    break;
                }
            case "Pods":
                {
                    var source = metric["pods"] as JsonObject;
                    var identifier = new JsonObject { ["name"] = JsonTree.GetString(source, "metricName") ?? "" };
                    Copy(source, "selector", identifier, "selector");
                    result["pods"] = new JsonObject
                    {
                        ["metric"] = identifier,
                        ["target"] = new JsonObject { ["type"] = "AverageValue", ["averageValue"] = source?["targetAverageValue"]?.DeepClone() ?? "0" },
                    };
                    break;
                }
            case "Object":
                {
                    var source = metric["object"] as JsonObject;
                    var identifier = new JsonObject { ["name"] = JsonTree.GetString(source, "metricName") ?? "" };
                    Copy(source, "selector", identifier, "selector");
                    var target = new JsonObject { ["type"] = source?["averageValue"] is null ? "Value" : "AverageValue" };
                    target["value"] = source?["targetValue"]?.DeepClone() ?? "0";
                    Copy(source, "averageValue", target, "averageValue");
                    result["object"] = new JsonObject
                    {
                        ["describedObject"] = source?["target"]?.DeepClone() ?? new JsonObject(),
                        ["metric"] = identifier,
                        ["target"] = target,
                    };
                    break;
                }
            case "External":
                {
                    var source = metric["external"] as JsonObject;
                    var identifier = new JsonObject { ["name"] = JsonTree.GetString(source, "metricName") ?? "" };
                    Copy(source, "metricSelector", identifier, "selector");
                    var target = new JsonObject { ["type"] = source?["targetValue"] is null ? "AverageValue" : "Value" };
                    Copy(source, "targetValue", target, "value");
                    Copy(source, "targetAverageValue", target, "averageValue");
                    result["external"] = new JsonObject { ["metric"] = identifier, ["target"] = target };
                    break;
                }
        }
        return result;
    }

    /// <summary>A v2 MetricStatus in v1's alpha format.</summary>
    private static JsonObject MetricStatusToV1(JsonObject status)
    {
        var type = JsonTree.GetString(status, "type") ?? "";
        var result = new JsonObject { ["type"] = type };
        switch (type)
        {
            case "Resource" or "ContainerResource":
                {
                    var field = type == "Resource" ? "resource" : "containerResource";
                    var source = status[field] as JsonObject;
                    var current = source?["current"] as JsonObject;
                    var v1 = new JsonObject { ["name"] = JsonTree.GetString(source, "name") ?? "" };
                    Copy(current, "averageUtilization", v1, "currentAverageUtilization");
                    v1["currentAverageValue"] = current?["averageValue"]?.DeepClone() ?? "0";
                    if (type == "ContainerResource")
                    {
                        v1["container"] = JsonTree.GetString(source, "container") ?? "";
                    }
                    result[field] = v1;
                    break;
                }
            case "Pods":
                {
                    var source = status["pods"] as JsonObject;
                    var v1 = new JsonObject
                    {
                        ["metricName"] = JsonTree.GetString(source, "metric", "name") ?? "",
                        ["currentAverageValue"] = JsonTree.Get(source, "current", "averageValue")?.DeepClone() ?? "0",
                    };
                    Copy(source?["metric"] as JsonObject, "selector", v1, "selector");
                    result["pods"] = v1;
                    break;
                }
            case "Object":
                {
                    var source = status["object"] as JsonObject;
                    var v1 = new JsonObject
                    {
                        ["target"] = source?["describedObject"]?.DeepClone() ?? new JsonObject { ["kind"] = "", ["name"] = "" },
                        ["metricName"] = JsonTree.GetString(source, "metric", "name") ?? "",
                        ["currentValue"] = JsonTree.Get(source, "current", "value")?.DeepClone() ?? "0",
                    };
                    Copy(source?["metric"] as JsonObject, "selector", v1, "selector");
                    Copy(source?["current"] as JsonObject, "averageValue", v1, "averageValue");
                    result["object"] = v1;
                    break;
                }
            case "External":
                {
                    var source = status["external"] as JsonObject;
                    var v1 = new JsonObject
                    {
                        ["metricName"] = JsonTree.GetString(source, "metric", "name") ?? "",
                        ["currentValue"] = JsonTree.Get(source, "current", "value")?.DeepClone() ?? "0",
                    };
                    Copy(source?["metric"] as JsonObject, "selector", v1, "metricSelector");
                    Copy(source?["current"] as JsonObject, "averageValue", v1, "currentAverageValue");
                    result["external"] = v1;
                    break;
                }
        }
        return result;
    }

    /// <summary>A v1 alpha metric status back in v2's format.</summary>
    private static JsonObject MetricStatusToV2(JsonObject status)
    {
        var type = JsonTree.GetString(status, "type") ?? "";
        var result = new JsonObject { ["type"] = type };
        switch (type)
        {
            case "Resource" or "ContainerResource":
                {
                    var field = type == "Resource" ? "resource" : "containerResource";
                    var source = status[field] as JsonObject;
                    var current = new JsonObject();
                    Copy(source, "currentAverageValue", current, "averageValue");
                    Copy(source, "currentAverageUtilization", current, "averageUtilization");
                    var v2 = new JsonObject { ["name"] = JsonTree.GetString(source, "name") ?? "" };
                    if (type == "ContainerResource")
                    {
                        v2["container"] = JsonTree.GetString(source, "container") ?? "";
                    }
                    v2["current"] = current;
                    result[field] = v2;
                    break;
                }
            case "Pods":
                {
                    var source = status["pods"] as JsonObject;
                    var identifier = new JsonObject { ["name"] = JsonTree.GetString(source, "metricName") ?? "" };
                    Copy(source, "selector", identifier, "selector");
                    result["pods"] = new JsonObject { ["metric"] = identifier, ["current"] = new JsonObject { ["averageValue"] = source?["currentAverageValue"]?.DeepClone() ?? "0" } };
                    break;
                }
            case "Object":
                {
                    var source = status["object"] as JsonObject;
                    var identifier = new JsonObject { ["name"] = JsonTree.GetString(source, "metricName") ?? "" };
                    Copy(source, "selector", identifier, "selector");
                    var current = new JsonObject { ["value"] = source?["currentValue"]?.DeepClone() ?? "0" };
                    Copy(source, "averageValue", current, "averageValue");
                    result["object"] = new JsonObject { ["metric"] = identifier, ["current"] = current, ["describedObject"] = source?["target"]?.DeepClone() ?? new JsonObject() };
                    break;
                }
            case "External":
                {
                    var source = status["external"] as JsonObject;
                    var identifier = new JsonObject { ["name"] = JsonTree.GetString(source, "metricName") ?? "" };
                    Copy(source, "metricSelector", identifier, "selector");
                    var current = new JsonObject { ["value"] = source?["currentValue"]?.DeepClone() ?? "0" };
                    Copy(source, "currentAverageValue", current, "averageValue");
                    result["external"] = new JsonObject { ["metric"] = identifier, ["current"] = current };
                    break;
                }
        }
        return result;
    }

    /// <summary>
    /// The behavior as the internal Go type marshals it: exported field names, no omitempty (nil pointers are null).
    /// </summary>
    private static JsonObject BehaviorToInternal(JsonObject behavior)
    {
        static JsonNode? Rules(JsonObject? rules) => rules is null ? null : new JsonObject
        {
            ["StabilizationWindowSeconds"] = rules["stabilizationWindowSeconds"]?.DeepClone(),
            ["SelectPolicy"] = rules["selectPolicy"]?.DeepClone(),
            ["Policies"] = rules["policies"] is JsonArray policies
                ? new JsonArray(JsonTree.Objects(policies).Select(p => (JsonNode)new JsonObject
                {
                    ["Type"] = p["type"]?.DeepClone() ?? "",
                    ["Value"] = p["value"]?.DeepClone() ?? 0,
                    ["PeriodSeconds"] = p["periodSeconds"]?.DeepClone() ?? 0,
                }).ToArray())
                : null,
            ["Tolerance"] = rules["tolerance"]?.DeepClone(),
        };
        return new JsonObject
        {
            ["ScaleUp"] = Rules(behavior["scaleUp"] as JsonObject),
            ["ScaleDown"] = Rules(behavior["scaleDown"] as JsonObject),
        };
    }

    /// <summary>The behavior annotation back in v2's format (Go's JSON reads field names case-insensitively); null when empty.</summary>
    private static JsonObject? BehaviorFromInternal(JsonObject annotation)
    {
        static JsonNode? Field(JsonObject obj, string name) =>
            obj.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        static JsonObject? Rules(JsonNode? node)
        {
            if (node is not JsonObject rules)
            {
                return null;
            }
            var result = new JsonObject();
            if (Field(rules, "StabilizationWindowSeconds") is { } window)
            {
                result["stabilizationWindowSeconds"] = window.DeepClone();
            }
            if (Field(rules, "SelectPolicy") is { } select)
            {
                result["selectPolicy"] = select.DeepClone();
            }
            if (Field(rules, "Policies") is JsonArray policies)
            {
                result["policies"] = new JsonArray(JsonTree.Objects(policies).Select(p => (JsonNode)new JsonObject
                {
                    ["type"] = Field(p, "Type")?.DeepClone() ?? "",
                    ["value"] = Field(p, "Value")?.DeepClone() ?? 0,
                    ["periodSeconds"] = Field(p, "PeriodSeconds")?.DeepClone() ?? 0,
                }).ToArray());
            }
            if (Field(rules, "Tolerance") is { } tolerance)
            {
                result["tolerance"] = tolerance.DeepClone();
            }
            return result;
        }

        var scaleUp = Rules(Field(annotation, "ScaleUp"));
        var scaleDown = Rules(Field(annotation, "ScaleDown"));
        if (scaleUp is null && scaleDown is null)
        {
            return null;
        }
        var behavior = new JsonObject();
        if (scaleUp is not null)
        {
            behavior["scaleUp"] = scaleUp;
        }
        if (scaleDown is not null)
        {
            behavior["scaleDown"] = scaleDown;
        }
        return behavior;
    }
}
