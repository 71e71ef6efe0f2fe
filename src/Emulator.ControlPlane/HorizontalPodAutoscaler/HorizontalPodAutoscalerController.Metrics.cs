using System.Text.Json.Nodes;
using Emulator.ControlPlane.Metrics;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.HorizontalPodAutoscaler;

// The replicas each metric of an autoscaler wants (computeReplicasForMetrics and the computeStatusFor* functions), and
// the resource metrics client's view of the metrics API.
public sealed partial class HorizontalPodAutoscalerController
{
    private const string NoCustomMetricsApi = "unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered";

    /// <summary>What the metrics decided: the largest proposal (−1 when none could be used), its metric, the statuses.</summary>
    private sealed record ComputedReplicas(int Replicas, string Metric, JsonArray Statuses, string? Error);

    /// <summary>One metric's failure: the ScalingActive condition it proposes and the error it reports upwards.</summary>
    private sealed record MetricFailure(string Reason, string ConditionMessage, string Error);

    /// <summary>
    /// <c>computeReplicasForMetrics</c>: each metric proposes a count and its status; the largest proposal wins. When
    /// every metric failed, or some failed and the others would scale down, nothing is scaled and ScalingActive says why.
    /// </summary>
    private ComputedReplicas ComputeReplicasForMetrics(Sync sync, DateTimeOffset now)
    {
        var specs = JsonTree.Objects(JsonTree.GetArray(sync.Autoscaler.Document, "spec", "metrics")).ToList();
        var specReplicas = sync.Scale!.SpecReplicas;
        var statuses = new JsonArray();
        var replicas = 0;
        var metric = "";
        var invalid = 0;
        MetricFailure? firstFailure = null;
        foreach (var spec in specs)
        {
            try
            {
                var (proposal, name, status) = ComputeReplicasForMetric(sync, spec, specReplicas, now);
                statuses.Add(status);
                if (replicas == 0 || proposal > replicas)
                {
                    replicas = proposal;
                    metric = name;
                }
            }
            catch (MetricFailureException e)
            {
                // The failed metric's status stays empty: Go marshals it as {"type":""}.
                statuses.Add(new JsonObject { ["type"] = "" });
                Event(sync, "Warning", e.Failure.Reason, e.Failure.ConditionMessage);
                firstFailure ??= e.Failure;
                invalid++;
            }
        }
        string? error = firstFailure is null ? null : $"invalid metrics ({invalid} invalid out of {specs.Count}), first error is: {firstFailure.Error}";
        if (firstFailure is not null && (invalid >= specs.Count || replicas < specReplicas))
        {
            sync.Status.SetCondition("ScalingActive", "False", firstFailure.Reason, $"the HPA was unable to compute the replica count: {firstFailure.ConditionMessage}", now);
            return new ComputedReplicas(-1, "", statuses, error);
        }
        sync.Status.SetCondition("ScalingActive", "True", "ValidMetricFound", $"the HPA was able to successfully calculate a replica count from {metric}", now);
        return new ComputedReplicas(replicas, metric, statuses, error);
    }

    private sealed class MetricFailureException(MetricFailure failure) : Exception(failure.Error)
    {
        public MetricFailure Failure { get; } = failure;
    }

    /// <summary><c>computeReplicasForMetric</c>: one metric's proposal, the name the events give it, and its status.</summary>
    private (int Replicas, string Name, JsonObject Status) ComputeReplicasForMetric(Sync sync, JsonObject spec, int specReplicas, DateTimeOffset now)
    {
        switch (JsonTree.GetString(spec, "type"))
        {
            case "Resource":
                {
                    var source = spec["resource"] as JsonObject ?? [];
                    var name = JsonTree.GetString(source, "name") ?? "";
                    try
                    {
                        var (replicas, metricName, current) = ResourceMetric(sync, source, name, null, specReplicas, now);
                        return (replicas, metricName, new JsonObject
                        {
                            ["type"] = "Resource",
                            ["resource"] = new JsonObject { ["name"] = name, ["current"] = current },
                        });
                    }
                    catch (ReplicaCalculationException e)
                    {
                        throw Failure("FailedGetResourceMetric", e.Message, $"failed to get {name} resource metric value: {e.Message}");
                    }
                }
            case "ContainerResource":
                {
                    var source = spec["containerResource"] as JsonObject ?? [];
                    var name = JsonTree.GetString(source, "name") ?? "";
                    var container = JsonTree.GetString(source, "container") ?? "";
                    try
                    {
                        var (replicas, metricName, current) = ResourceMetric(sync, source, name, container, specReplicas, now);
                        return (replicas, metricName, new JsonObject
                        {
                            ["type"] = "ContainerResource",
                            ["containerResource"] = new JsonObject { ["name"] = name, ["container"] = container, ["current"] = current },
                        });
                    }
                    catch (ReplicaCalculationException e)
                    {
                        throw Failure("FailedGetContainerResourceMetric", e.Message, $"failed to get {container} container metric value: {e.Message}");
                    }
                }
            case "Pods":
                {
                    // No custom metrics API is served: an adapter (prometheus-adapter, …) is not emulated.
                    var name = JsonTree.GetString(spec, "pods", "metric", "name") ?? "";
                    var message = $"unable to get metric {name}: {NoCustomMetricsApi}";
                    throw Failure("FailedGetPodsMetric", message, $"failed to get pods metric value: {message}");
                }
            case "Object":
                {
                    var name = JsonTree.GetString(spec, "object", "metric", "name") ?? "";
                    var described = JsonTree.GetObject(spec, "object", "describedObject");
                    var message = $"unable to get metric {name} on {JsonTree.GetString(described, "kind")} {sync.Namespace}/{JsonTree.GetString(described, "name")}: {NoCustomMetricsApi}";
                    throw Failure("FailedGetObjectMetric", message, $"failed to get object metric value: {message}");
                }
            case "External":
                {
                    var name = JsonTree.GetString(spec, "external", "metric", "name") ?? "";
                    var message = $"unable to get external metric {sync.Namespace}/{name}/nil: unable to fetch metrics from external metrics API: the server could not find the requested resource (get {name}.external.metrics.k8s.io)";
                    throw Failure("FailedGetExternalMetric", message, $"failed to get {name} external metric value: {message}");
                }
            default:
                {
                    var message = $"unknown metric source type \"{JsonTree.GetString(spec, "type")}\"";
                    throw Failure("InvalidMetricSourceType", message, message);
                }
        }
    }

    private static MetricFailureException Failure(string reason, string conditionMessage, string error) => new(new MetricFailure(reason, conditionMessage, error));

    /// <summary>
    /// <c>computeStatusForResourceMetricGeneric</c>: an average value target or an average utilization target of a
    /// resource, over whole pods or one container.
    /// </summary>
    /// <exception cref="ReplicaCalculationException">With the message the condition and the events carry.</exception>
    private (int Replicas, string MetricName, JsonObject Current) ResourceMetric(Sync sync, JsonObject source, string resource, string? container, int currentReplicas, DateTimeOffset now)
    {
        var target = source["target"] as JsonObject ?? [];
        if (JsonTree.GetString(target, "averageValue") is { } averageValue && Quantity.TryParse(averageValue, out var targetValue))
        {
            try
            {
                var metrics = PodMetrics(sync, resource, container, out var timestamp);
                var proposal = ReplicaCalculator.RawResourceReplicas(currentReplicas, targetValue.MilliValue, resource, sync.Pods!, metrics, timestamp, now);
                return (proposal.Replicas, $"{resource} resource", new JsonObject { ["averageValue"] = Quantity.FromMilli(proposal.RawAverage).ToString() });
            }
            catch (ReplicaCalculationException e)
            {
                throw new ReplicaCalculationException($"failed to get {resource} usage: {e.Message}");
            }
        }
        if (JsonTree.GetInt(target, "averageUtilization") is not { } utilization)
        {
            throw new ReplicaCalculationException("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set");
        }
        try
        {
            var metrics = PodMetrics(sync, resource, container, out var timestamp);
            var proposal = ReplicaCalculator.ResourceReplicas(currentReplicas, (int)utilization, resource, sync.Pods!, metrics, timestamp, container, now);
            var metricName = container is null
                ? $"{resource} resource utilization (percentage of request)"
                : $"{resource} container resource utilization (percentage of request)";
            return (proposal.Replicas, metricName, new JsonObject
            {
                ["averageValue"] = Quantity.FromMilli(proposal.RawAverage).ToString(),
                ["averageUtilization"] = proposal.Utilization,
            });
        }
        catch (ReplicaCalculationException e)
        {
            throw new ReplicaCalculationException($"failed to get {resource} utilization: {e.Message}");
        }
    }

    /// <summary>
    /// The resource metrics client (<c>GetResourceMetric</c>): the PodMetrics of the selected pods, each pod's usage as a
    /// milli-value summed over its containers (or one container's), and the first item's timestamp.
    /// </summary>
    private static Dictionary<string, PodMetric> PodMetrics(Sync sync, string resource, string? container, out DateTimeOffset timestamp)
    {
        if (sync.MetricsError is { } error)
        {
            throw new ReplicaCalculationException($"unable to get metrics for resource {resource}: unable to fetch metrics from resource metrics API: {error}");
        }
        var items = sync.Pods!
            .Select(p => sync.Metrics!.Pods.TryGetValue((sync.Namespace, p.Name ?? ""), out var point) ? point : null)
            .OfType<PodMetricsPoint>()
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        if (items.Count == 0)
        {
            throw new ReplicaCalculationException($"unable to get metrics for resource {resource}: no metrics returned from resource metrics API");
        }
        timestamp = items[0].Timestamp;
        var result = new Dictionary<string, PodMetric>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var containers = container is null ? item.Containers : item.Containers.Where(c => c.Name == container).ToList();
            if (containers.Count == 0 || resource is not ("cpu" or "memory"))
            {
                // A pod without the container (or the resource) has no metric: it counts as missing.
                continue;
            }
            var value = containers.Sum(c => resource == "cpu" ? MilliCores(c.CpuNanoCores) : c.MemoryBytes * 1000);
            result[item.Name] = new PodMetric(value, item.Timestamp, item.Window);
        }
        return result;
    }

    /// <summary>A CPU quantity's MilliValue: nanocores rounded up to millicores.</summary>
    private static long MilliCores(long nanoCores) => (nanoCores + 999_999) / 1_000_000;
}
