using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.HorizontalPodAutoscaler;

/// <summary>One pod's resource metric as the metrics API reported it: a milli-value (millicores, or milli-bytes).</summary>
public sealed record PodMetric(long Value, DateTimeOffset Timestamp, TimeSpan Window);

/// <summary>A replica count proposed for one resource metric, with what the status reports of it.</summary>
/// <param name="Replicas">The proposed replica count.</param>
/// <param name="Utilization">The average utilization in percent of the requests (utilization targets only).</param>
/// <param name="RawAverage">The average usage per pod, as a milli-value.</param>
/// <param name="Timestamp">The metrics' timestamp.</param>
public sealed record ReplicaProposal(int Replicas, int? Utilization, long RawAverage, DateTimeOffset Timestamp);

/// <summary>Why a replica count could not be computed (Kubernetes' wording).</summary>
public sealed class ReplicaCalculationException(string message) : Exception(message);

/// <summary>
/// The HorizontalPodAutoscaler's replica calculator (<c>replica_calculator.go</c>) for resource metrics:
/// desired = ceil(ready pods × usage / target) outside the tolerance, with Kubernetes' handling of the pods it cannot
/// trust — pods being deleted or finished are ignored; pending pods, and (for CPU) pods not ready or within their
/// initialization period without a full metrics window since they became ready, count as using nothing on a scale up
/// and are left out otherwise; pods without metrics count as using their whole request (the target, if higher) on a
/// scale down and nothing on a scale up — and no change when those assumptions would reverse the direction.
/// </summary>
public static class ReplicaCalculator
{
    /// <summary>The controller manager's <c>--horizontal-pod-autoscaler-tolerance</c>.</summary>
    public const double DefaultTolerance = 0.1;

    /// <summary>The controller manager's <c>--horizontal-pod-autoscaler-cpu-initialization-period</c>.</summary>
    public static readonly TimeSpan CpuInitializationPeriod = TimeSpan.FromMinutes(5);

    /// <summary>The controller manager's <c>--horizontal-pod-autoscaler-initial-readiness-delay</c>.</summary>
    public static readonly TimeSpan DelayOfInitialReadinessStatus = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>GetResourceReplicas</c>: the replicas for a target average utilization (percent of the pods' requests).
    /// <paramref name="metrics"/> holds the metrics the API returned by pod name; <paramref name="pods"/> the pods the
    /// target's selector selects.
    /// </summary>
    /// <exception cref="ReplicaCalculationException">No metric, pod or request to compute from.</exception>
    public static ReplicaProposal ResourceReplicas(int currentReplicas, int targetUtilization, string resource, IReadOnlyList<KubeObject> pods,
        Dictionary<string, PodMetric> metrics, DateTimeOffset timestamp, string? container, DateTimeOffset now, double tolerance = DefaultTolerance)
    {
        if (pods.Count == 0)
        {
            throw new ReplicaCalculationException("no pods returned by selector while calculating replica count");
        }
        var (readyPodCount, unready, missing, ignored) = GroupPods(pods, metrics, resource, now);
        RemoveMetrics(metrics, ignored);
        RemoveMetrics(metrics, unready);
        if (metrics.Count == 0)
        {
            throw new ReplicaCalculationException("did not receive metrics for targeted pods (pods might be unready)");
        }
        var requests = Requests(pods, container, resource);
        var (usageRatio, utilization, rawUtilization) = UtilizationRatio(metrics, requests, targetUtilization);

        var scaleUpWithUnready = unready.Count > 0 && usageRatio > 1.0;
        if (!scaleUpWithUnready && missing.Count == 0)
        {
            if (Math.Abs(1.0 - usageRatio) <= tolerance)
            {
                return new ReplicaProposal(currentReplicas, utilization, rawUtilization, timestamp);
            }
            return new ReplicaProposal(Ceiling(usageRatio * readyPodCount), utilization, rawUtilization, timestamp);
        }
        if (missing.Count > 0)
        {
            if (usageRatio < 1.0)
            {
                // On a scale down a pod without metrics uses its whole request, or the target when it is above 100%.
                var fallback = (long)Math.Max(100, targetUtilization);
                foreach (var name in missing)
                {
                    metrics[name] = new PodMetric(requests[name] * fallback / 100, default, default);
                }
            }
            else if (usageRatio > 1.0)
            {
                foreach (var name in missing)
                {
                    metrics[name] = new PodMetric(0, default, default);
                }
            }
        }
        if (scaleUpWithUnready)
        {
            foreach (var name in unready)
            {
                metrics[name] = new PodMetric(0, default, default);
            }
        }
        var (newUsageRatio, _, _) = UtilizationRatio(metrics, requests, targetUtilization);
        if (Math.Abs(1.0 - newUsageRatio) <= tolerance || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0))
        {
            return new ReplicaProposal(currentReplicas, utilization, rawUtilization, timestamp);
        }
        var newReplicas = Ceiling(newUsageRatio * metrics.Count);
        if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas))
        {
            return new ReplicaProposal(currentReplicas, utilization, rawUtilization, timestamp);
        }
        return new ReplicaProposal(newReplicas, utilization, rawUtilization, timestamp);
    }

    /// <summary>
    /// <c>GetRawResourceReplicas</c> (<c>calcPlainMetricReplicas</c>): the replicas for a target average value per pod
    /// (a milli-value).
    /// </summary>
    /// <exception cref="ReplicaCalculationException">No metric or pod to compute from.</exception>
    public static ReplicaProposal RawResourceReplicas(int currentReplicas, long targetUsage, string resource, IReadOnlyList<KubeObject> pods,
        Dictionary<string, PodMetric> metrics, DateTimeOffset timestamp, DateTimeOffset now, double tolerance = DefaultTolerance)
    {
        if (pods.Count == 0)
        {
            throw new ReplicaCalculationException("no pods returned by selector while calculating replica count");
        }
        var (readyPodCount, unready, missing, ignored) = GroupPods(pods, metrics, resource, now);
        RemoveMetrics(metrics, ignored);
        RemoveMetrics(metrics, unready);
        if (metrics.Count == 0)
        {
            throw new ReplicaCalculationException("did not receive metrics for targeted pods (pods might be unready)");
        }
        var (usageRatio, usage) = UsageRatio(metrics, targetUsage);
        var scaleUpWithUnready = unready.Count > 0 && usageRatio > 1.0;
        if (!scaleUpWithUnready && missing.Count == 0)
        {
            if (Math.Abs(1.0 - usageRatio) <= tolerance)
            {
                return new ReplicaProposal(currentReplicas, null, usage, timestamp);
            }
            return new ReplicaProposal(Ceiling(usageRatio * readyPodCount), null, usage, timestamp);
        }
        if (missing.Count > 0)
        {
            // On a scale down a pod without metrics uses exactly the target; on a scale up, nothing.
            var assumed = usageRatio < 1.0 ? targetUsage : usageRatio > 1.0 ? 0 : (long?)null;
            if (assumed is { } value)
            {
                foreach (var name in missing)
                {
                    metrics[name] = new PodMetric(value, default, default);
                }
            }
        }
        if (scaleUpWithUnready)
        {
            foreach (var name in unready)
            {
                metrics[name] = new PodMetric(0, default, default);
            }
        }
        var (newUsageRatio, _) = UsageRatio(metrics, targetUsage);
        if (Math.Abs(1.0 - newUsageRatio) <= tolerance || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0))
        {
            return new ReplicaProposal(currentReplicas, null, usage, timestamp);
        }
        var newReplicas = Ceiling(newUsageRatio * metrics.Count);
        if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas))
        {
            return new ReplicaProposal(currentReplicas, null, usage, timestamp);
        }
        return new ReplicaProposal(newReplicas, null, usage, timestamp);
    }

    /// <summary>
    /// <c>groupPods</c>: ready pods with metrics are counted; deleted and finished pods are ignored; pending pods and
    /// (for CPU) unready pods — not ready, or in their initialization period without one metrics window since their
    /// readiness changed, or never ready after the initial readiness delay — are unready; pods without metrics are missing.
    /// </summary>
    public static (int ReadyPodCount, HashSet<string> Unready, HashSet<string> Missing, HashSet<string> Ignored) GroupPods(
        IReadOnlyList<KubeObject> pods, IReadOnlyDictionary<string, PodMetric> metrics, string resource, DateTimeOffset now)
    {
        var ready = 0;
        var unready = new HashSet<string>(StringComparer.Ordinal);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        var ignored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var name = pod.Name ?? "";
            var view = new PodView(pod);
            if (pod.DeletionTimestamp is not null || view.IsTerminal)
            {
                ignored.Add(name);
                continue;
            }
            if (view.Phase == "Pending")
            {
                unready.Add(name);
                continue;
            }
            if (!metrics.TryGetValue(name, out var metric))
            {
                missing.Add(name);
                continue;
            }
            if (resource == "cpu" && IsUnreadyForCpu(pod, metric, now))
            {
                unready.Add(name);
                continue;
            }
            ready++;
        }
        return (ready, unready, missing, ignored);
    }

    private static bool IsUnreadyForCpu(KubeObject pod, PodMetric metric, DateTimeOffset now)
    {
        var condition = pod.Status is { } status ? Conditions.Find(status, "Ready") : null;
        var startTime = Rfc3339Time.TryParse(JsonTree.GetString(pod.Document, "status", "startTime"), out var started) ? started : (DateTimeOffset?)null;
        if (condition is null || startTime is null)
        {
            return true;
        }
        var ready = JsonTree.GetString(condition, "status");
        var transition = Rfc3339Time.TryParse(JsonTree.GetString(condition, "lastTransitionTime"), out var changed) ? changed : default;
        if (startTime.Value + CpuInitializationPeriod > now)
        {
            // In its initialization period: not ready, or no full window of metrics since its readiness last changed.
            return ready == "False" || metric.Timestamp < transition + metric.Window;
        }
        // Afterwards only a pod that has never been ready is left out.
        return ready == "False" && startTime.Value + DelayOfInitialReadinessStatus > transition;
    }

    /// <summary>
    /// <c>calculateRequests</c>: each pod's request of the resource in milli-units, summed over its app and restartable
    /// init containers, or of one container.
    /// </summary>
    /// <exception cref="ReplicaCalculationException">A container lacks a request for the resource, or the container is not in the pod.</exception>
    public static Dictionary<string, long> Requests(IReadOnlyList<KubeObject> pods, string? container, string resource)
    {
        var requests = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var view = new PodView(pod);
            var containers = view.Containers.Concat(view.InitContainers.Where(c => c.RestartPolicy == "Always"));
            long request = 0;
            var found = false;
            foreach (var c in containers)
            {
                if (container is { Length: > 0 } && c.Name != container)
                {
                    continue;
                }
                if (!c.Requests.TryGetValue(resource, out var quantity))
                {
                    throw new ReplicaCalculationException($"missing request for {resource} in container {c.Name} of Pod {pod.Name}");
                }
                request += quantity.MilliValue;
                found = true;
            }
            if (container is { Length: > 0 } && !found)
            {
                throw new ReplicaCalculationException($"container {container} not found in Pod {pod.Name}");
            }
            requests[pod.Name ?? ""] = request;
        }
        return requests;
    }

    /// <summary>
    /// <c>GetResourceUtilizationRatio</c>: total usage over total requests of the pods with metrics, in whole percent,
    /// over the target; and the average raw usage per pod.
    /// </summary>
    /// <exception cref="ReplicaCalculationException">No pod with metrics has a request.</exception>
    public static (double Ratio, int Utilization, long RawAverage) UtilizationRatio(IReadOnlyDictionary<string, PodMetric> metrics, IReadOnlyDictionary<string, long> requests, int targetUtilization)
    {
        long metricsTotal = 0, requestsTotal = 0;
        var entries = 0;
        foreach (var (name, metric) in metrics)
        {
            if (!requests.TryGetValue(name, out var request))
            {
                continue;
            }
            metricsTotal += metric.Value;
            requestsTotal += request;
            entries++;
        }
        if (requestsTotal == 0)
        {
            throw new ReplicaCalculationException("no metrics returned matched known pods");
        }
        var utilization = (int)(metricsTotal * 100 / requestsTotal);
        return ((double)utilization / targetUtilization, utilization, metricsTotal / entries);
    }

    /// <summary><c>GetMetricUsageRatio</c>: the average usage per pod over the target.</summary>
    public static (double Ratio, long Usage) UsageRatio(IReadOnlyDictionary<string, PodMetric> metrics, long targetUsage)
    {
        var total = metrics.Values.Sum(m => m.Value);
        var usage = total / metrics.Count;
        return ((double)usage / targetUsage, usage);
    }

    private static int Ceiling(double value) => value >= int.MaxValue ? int.MaxValue : (int)Math.Ceiling(value);

    private static void RemoveMetrics(Dictionary<string, PodMetric> metrics, HashSet<string> names)
    {
        foreach (var name in names)
        {
            metrics.Remove(name);
        }
    }
}
