using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.HorizontalPodAutoscaler;

/// <summary>One scaling policy of a behavior: at most <c>Value</c> pods (or percent) per <c>PeriodSeconds</c>.</summary>
public sealed record ScalingPolicy(string Type, int Value, int PeriodSeconds);

/// <summary>The scale-up or scale-down rules of a behavior (null window: the controller's default).</summary>
public sealed record ScalingRules(int? StabilizationWindowSeconds, string SelectPolicy, IReadOnlyList<ScalingPolicy> Policies);

/// <summary><c>spec.behavior</c>, with Kubernetes' defaults for what it leaves out.</summary>
public sealed record ScalingBehavior(ScalingRules ScaleUp, ScalingRules ScaleDown)
{
    /// <summary>
    /// The behavior of an autoscaler, or null when it has none (the controller then uses its older normalization). The
    /// API server's defaults fill what a given behavior leaves out: scale up without stabilization, by the larger of 4
    /// pods or 100% per 15 s; scale down by 100% per 15 s with the controller's stabilization window.
    /// </summary>
    public static ScalingBehavior? Parse(JsonObject? behavior)
    {
        if (behavior is null)
        {
            return null;
        }
        return new ScalingBehavior(
            Rules(behavior["scaleUp"] as JsonObject, 0, [new("Pods", 4, 15), new("Percent", 100, 15)]),
            Rules(behavior["scaleDown"] as JsonObject, null, [new("Percent", 100, 15)]));
    }

    private static ScalingRules Rules(JsonObject? rules, int? window, IReadOnlyList<ScalingPolicy> policies)
    {
        if (rules is null)
        {
            return new ScalingRules(window, "Max", policies);
        }
        var given = rules["policies"] is JsonArray list
            ? JsonTree.Objects(list).Select(p => new ScalingPolicy(JsonTree.GetString(p, "type") ?? "", (int)(JsonTree.GetInt(p, "value") ?? 0), (int)(JsonTree.GetInt(p, "periodSeconds") ?? 0))).ToList()
            : null;
        return new ScalingRules(
            JsonTree.GetInt(rules, "stabilizationWindowSeconds") is { } seconds ? (int)seconds : window,
            JsonTree.GetString(rules, "selectPolicy") ?? "Max",
            given ?? policies);
    }
}

/// <summary>The conditions a normalization decides: why AbleToScale is True now, and whether the count was limited.</summary>
/// <param name="Desired">The replica count to scale to.</param>
/// <param name="AbleToScaleReason">Reason of the AbleToScale condition.</param>
/// <param name="AbleToScaleMessage">Its message.</param>
/// <param name="Limited">Whether the count was limited (ScalingLimited True).</param>
/// <param name="LimitedReason">Reason of the ScalingLimited condition.</param>
/// <param name="LimitedMessage">Its message.</param>
public sealed record Normalization(int Desired, string AbleToScaleReason, string AbleToScaleMessage, bool Limited, string LimitedReason, string LimitedMessage);

/// <summary>
/// What the HorizontalPodAutoscaler controller remembers of one autoscaler between syncs (in memory, as
/// kube-controller-manager does: a restart forgets it): its recent unstabilized recommendations and, with a behavior,
/// its recent scale events. It turns a metric proposal into the count to scale to (<c>normalizeDesiredReplicas</c>
/// and <c>normalizeDesiredReplicasWithBehaviors</c>).
/// </summary>
public sealed class ScalingHistory
{
    /// <summary>The controller manager's <c>--horizontal-pod-autoscaler-downscale-stabilization</c>.</summary>
    public static readonly TimeSpan DefaultDownscaleStabilization = TimeSpan.FromMinutes(5);

    private readonly List<(int Recommendation, DateTimeOffset At)> _recommendations = [];
    private readonly List<ScaleEvent> _scaleUpEvents = [];
    private readonly List<ScaleEvent> _scaleDownEvents = [];
    private bool _initialized;

    private sealed class ScaleEvent(int change, DateTimeOffset at)
    {
        public int Change { get; set; } = change;

        public DateTimeOffset At { get; set; } = at;

        public bool Outdated { get; set; }
    }

    /// <summary>The recommendations remembered (oldest first), for tests and diagnostics.</summary>
    public IReadOnlyList<(int Recommendation, DateTimeOffset At)> Recommendations => _recommendations;

    /// <summary><c>recordInitialRecommendation</c>: the first sync remembers the current count as a recommendation.</summary>
    public void RecordInitial(int currentReplicas, DateTimeOffset now)
    {
        if (!_initialized)
        {
            _initialized = true;
            _recommendations.Add((currentReplicas, now));
        }
    }

    /// <summary>
    /// <c>normalizeDesiredReplicas</c> (no behavior): the highest recommendation of the stabilization window, then
    /// within min/max and a scale-up limit of max(2 × current, 4).
    /// </summary>
    public Normalization Normalize(int currentReplicas, int proposed, int minReplicas, int maxReplicas, TimeSpan downscaleStabilization, DateTimeOffset now)
    {
        var stabilized = StabilizeRecommendation(proposed, downscaleStabilization, now);
        var (able, ableMessage) = stabilized != proposed
            ? ("ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
            : ("ReadyForNewScale", "recommended size matches current size");
        var (desired, reason, message) = WithRules(currentReplicas, stabilized, minReplicas, maxReplicas);
        return new Normalization(desired, able, ableMessage, desired != stabilized, reason, message);
    }

    /// <summary>
    /// <c>normalizeDesiredReplicasWithBehaviors</c>: stabilized between the lowest recommendation of the scale-up window
    /// and the highest of the scale-down window, then within min/max and the policies' rate limits.
    /// </summary>
    public Normalization Normalize(ScalingBehavior behavior, int currentReplicas, int proposed, int minReplicas, int maxReplicas, TimeSpan downscaleStabilization, DateTimeOffset now)
    {
        var scaleDown = behavior.ScaleDown.StabilizationWindowSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : downscaleStabilization;
        var scaleUp = TimeSpan.FromSeconds(behavior.ScaleUp.StabilizationWindowSeconds ?? 0);
        var (stabilized, stabilizedReason, stabilizedMessage) = StabilizeRecommendation(currentReplicas, proposed, scaleUp, scaleDown, now);
        var (able, ableMessage) = stabilized != proposed ? (stabilizedReason, stabilizedMessage) : ("ReadyForNewScale", "recommended size matches current size");
        var (desired, reason, message) = WithBehaviorRate(behavior, currentReplicas, stabilized, minReplicas, maxReplicas, now);
        return new Normalization(desired, able, ableMessage, desired != stabilized, reason, message);
    }

    /// <summary><c>storeScaleEvent</c>: remembers a rescale for the policies' periods (only with a behavior).</summary>
    public void StoreScaleEvent(ScalingBehavior? behavior, int previous, int replicas, DateTimeOffset now)
    {
        if (behavior is null)
        {
            return;
        }
        var up = replicas > previous;
        var events = up ? _scaleUpEvents : _scaleDownEvents;
        var rules = up ? behavior.ScaleUp : behavior.ScaleDown;
        var longest = rules.Policies.Count == 0 ? 0 : rules.Policies.Max(p => p.PeriodSeconds);
        var cutoff = now - TimeSpan.FromSeconds(longest);
        ScaleEvent? reusable = null;
        foreach (var e in events)
        {
            if (e.At < cutoff)
            {
                e.Outdated = true;
            }
            if (e.Outdated)
            {
                reusable = e;
            }
        }
        var change = Math.Abs(replicas - previous);
        if (reusable is not null)
        {
            reusable.Change = change;
            reusable.At = now;
            reusable.Outdated = false;
        }
        else
        {
            events.Add(new ScaleEvent(change, now));
        }
    }

    /// <summary><c>stabilizeRecommendation</c>: replaces an expired recommendation (or adds one) and returns the window's highest.</summary>
    private int StabilizeRecommendation(int proposed, TimeSpan window, DateTimeOffset now)
    {
        var highest = proposed;
        var cutoff = now - window;
        var oldIndex = -1;
        for (var i = 0; i < _recommendations.Count; i++)
        {
            var (recommendation, at) = _recommendations[i];
            if (at < cutoff)
            {
                oldIndex = i;
            }
            else if (recommendation > highest)
            {
                highest = recommendation;
            }
        }
        Remember(oldIndex, proposed, now);
        return highest;
    }

    /// <summary><c>stabilizeRecommendationWithBehaviors</c>.</summary>
    private (int Recommendation, string Reason, string Message) StabilizeRecommendation(int currentReplicas, int proposed, TimeSpan upWindow, TimeSpan downWindow, DateTimeOffset now)
    {
        var upRecommendation = proposed;
        var downRecommendation = proposed;
        var upCutoff = now - upWindow;
        var downCutoff = now - downWindow;
        var oldIndex = -1;
        for (var i = 0; i < _recommendations.Count; i++)
        {
            var (recommendation, at) = _recommendations[i];
            if (at > upCutoff)
            {
                upRecommendation = Math.Min(recommendation, upRecommendation);
            }
            if (at > downCutoff)
            {
                downRecommendation = Math.Max(recommendation, downRecommendation);
            }
            if (at < upCutoff && at < downCutoff)
            {
                oldIndex = i;
            }
        }
        var result = currentReplicas;
        if (result < upRecommendation)
        {
            result = upRecommendation;
        }
        if (result > downRecommendation)
        {
            result = downRecommendation;
        }
        Remember(oldIndex, proposed, now);
        return proposed >= currentReplicas
            ? (result, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation")
            : (result, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation");
    }

    private void Remember(int oldIndex, int recommendation, DateTimeOffset now)
    {
        if (oldIndex >= 0)
        {
            _recommendations[oldIndex] = (recommendation, now);
        }
        else
        {
            _recommendations.Add((recommendation, now));
        }
    }

    /// <summary><c>convertDesiredReplicasWithRules</c>: min/max, and no more than max(2 × current, 4) at once.</summary>
    private static (int Desired, string Reason, string Message) WithRules(int currentReplicas, int desired, int minReplicas, int maxReplicas)
    {
        var scaleUpLimit = (int)Math.Max(2.0 * currentReplicas, 4.0);
        int maximum;
        string reason, message;
        if (maxReplicas > scaleUpLimit)
        {
            maximum = scaleUpLimit;
            reason = "ScaleUpLimit";
            message = "the desired replica count is increasing faster than the maximum scale rate";
        }
        else
        {
            maximum = maxReplicas;
            reason = "TooManyReplicas";
            message = "the desired replica count is more than the maximum replica count";
        }
        if (desired < minReplicas)
        {
            return (minReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
        }
        if (desired > maximum)
        {
            return (maximum, reason, message);
        }
        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    /// <summary><c>convertDesiredReplicasWithBehaviorRate</c>: min/max and the policies' limits over their periods.</summary>
    private (int Desired, string Reason, string Message) WithBehaviorRate(ScalingBehavior behavior, int currentReplicas, int desired, int minReplicas, int maxReplicas, DateTimeOffset now)
    {
        if (desired > currentReplicas)
        {
            var scaleUpLimit = Math.Max(ScaleUpLimit(currentReplicas, behavior.ScaleUp, now), currentReplicas);
            var maximum = maxReplicas;
            string reason, message;
            if (maximum > scaleUpLimit)
            {
                maximum = scaleUpLimit;
                reason = "ScaleUpLimit";
                message = "the desired replica count is increasing faster than the maximum scale rate";
            }
            else
            {
                reason = "TooManyReplicas";
                message = "the desired replica count is more than the maximum replica count";
            }
            if (desired > maximum)
            {
                return (maximum, reason, message);
            }
        }
        else if (desired < currentReplicas)
        {
            var scaleDownLimit = Math.Min(ScaleDownLimit(currentReplicas, behavior.ScaleDown, now), currentReplicas);
            var minimum = minReplicas;
            string reason, message;
            if (minimum < scaleDownLimit)
            {
                minimum = scaleDownLimit;
                reason = "ScaleDownLimit";
                message = "the desired replica count is decreasing faster than the maximum scale rate";
            }
            else
            {
                reason = "TooFewReplicas";
                message = "the desired replica count is less than the minimum replica count";
            }
            if (desired < minimum)
            {
                return (minimum, reason, message);
            }
        }
        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    /// <summary><c>calculateScaleUpLimitWithScalingRules</c>: the most pods the policies allow, counted from each period's start.</summary>
    private int ScaleUpLimit(int currentReplicas, ScalingRules rules, DateTimeOffset now)
    {
        if (rules.SelectPolicy == "Disabled")
        {
            return currentReplicas;
        }
        var min = rules.SelectPolicy == "Min";
        long result = min ? int.MaxValue : int.MinValue;
        foreach (var policy in rules.Policies)
        {
            var periodStart = currentReplicas - ChangeInPeriod(_scaleUpEvents, policy.PeriodSeconds, now) + ChangeInPeriod(_scaleDownEvents, policy.PeriodSeconds, now);
            long proposed = policy.Type == "Pods" ? (long)periodStart + policy.Value
                : policy.Type == "Percent" ? (long)Math.Ceiling(periodStart * (1 + (policy.Value / 100.0)))
                : 0;
            result = min ? Math.Min(result, proposed) : Math.Max(result, proposed);
        }
        return (int)Math.Clamp(result, int.MinValue, int.MaxValue);
    }

    /// <summary><c>calculateScaleDownLimitWithBehaviors</c>: the fewest pods the policies allow.</summary>
    private int ScaleDownLimit(int currentReplicas, ScalingRules rules, DateTimeOffset now)
    {
        if (rules.SelectPolicy == "Disabled")
        {
            return currentReplicas;
        }
        var min = rules.SelectPolicy == "Min";
        long result = min ? int.MinValue : int.MaxValue;
        foreach (var policy in rules.Policies)
        {
            var periodStart = currentReplicas - ChangeInPeriod(_scaleUpEvents, policy.PeriodSeconds, now) + ChangeInPeriod(_scaleDownEvents, policy.PeriodSeconds, now);
            long proposed = policy.Type == "Pods" ? (long)periodStart - policy.Value
                : policy.Type == "Percent" ? (long)(periodStart * (1 - (policy.Value / 100.0)))
                : 0;
            result = min ? Math.Max(result, proposed) : Math.Min(result, proposed);
        }
        return (int)Math.Clamp(result, int.MinValue, int.MaxValue);
    }

    /// <summary><c>getReplicasChangePerPeriod</c>.</summary>
    private static int ChangeInPeriod(List<ScaleEvent> events, int periodSeconds, DateTimeOffset now)
    {
        var cutoff = now - TimeSpan.FromSeconds(periodSeconds);
        return events.Where(e => e.At > cutoff).Sum(e => e.Change);
    }
}
