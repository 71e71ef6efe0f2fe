using System.Text.Json.Nodes;
using Emulator.ControlPlane.HorizontalPodAutoscaler;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// The HorizontalPodAutoscaler's replica calculation and normalization, with cases of Kubernetes' own tests
/// (<c>replica_calculator_test.go</c>, <c>horizontal_test.go</c>).
/// </summary>
public sealed class ReplicaCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A pod requesting <paramref name="cpu"/>: Running and Ready for ten minutes unless told otherwise;
    /// <paramref name="readySince"/> moves its Ready transition.
    /// </summary>
    private static KubeObject Pod(string name, string cpu = "1", string phase = "Running", string ready = "True", TimeSpan? startedAgo = null, TimeSpan? readySince = null, bool deleting = false)
    {
        var started = Now - (startedAgo ?? TimeSpan.FromMinutes(10));
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = "default" };
        if (deleting)
        {
            metadata["deletionTimestamp"] = Rfc3339Time.Format(Now);
        }
        return new KubeObject(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "app",
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = cpu, ["memory"] = "1Gi" } },
                }),
            },
            ["status"] = new JsonObject
            {
                ["phase"] = phase,
                ["startTime"] = Rfc3339Time.Format(started),
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready",
                    ["status"] = ready,
                    ["lastTransitionTime"] = Rfc3339Time.Format(readySince is { } since ? Now - since : started + TimeSpan.FromSeconds(5)),
                }),
            },
        });
    }

    private static Dictionary<string, PodMetric> Metrics(params (string Pod, long Milli)[] values) =>
        values.ToDictionary(v => v.Pod, v => new PodMetric(v.Milli, Now - TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)));

    [Fact]
    public void Usage_above_target_scales_up_to_ready_pods_times_the_ratio()
    {
        // TestReplicaCalcScaleUp: 1500m of 3000m requested is 50% against 30%.
        var proposal = ReplicaCalculator.ResourceReplicas(3, 30, "cpu", [Pod("a"), Pod("b"), Pod("c")], Metrics(("a", 300), ("b", 500), ("c", 700)), Now, null, Now);
        Assert.Equal((5, 50, 500L), (proposal.Replicas, proposal.Utilization!.Value, proposal.RawAverage));
    }

    [Fact]
    public void Usage_below_target_scales_down()
    {
        // TestReplicaCalcScaleDown: 1400m of 5000m is 28% against 50%.
        var pods = new[] { Pod("a"), Pod("b"), Pod("c"), Pod("d"), Pod("e") };
        var proposal = ReplicaCalculator.ResourceReplicas(5, 50, "cpu", pods, Metrics(("a", 100), ("b", 300), ("c", 500), ("d", 250), ("e", 250)), Now, null, Now);
        Assert.Equal((3, 28), (proposal.Replicas, proposal.Utilization!.Value));
    }

    [Fact]
    public void A_change_within_the_10_percent_tolerance_keeps_the_count()
    {
        // TestReplicaCalcTolerance: 102% against 100%.
        var pods = new[] { Pod("a", "0.9"), Pod("b", "1.0"), Pod("c", "1.1") };
        var proposal = ReplicaCalculator.ResourceReplicas(3, 100, "cpu", pods, Metrics(("a", 1010), ("b", 1030), ("c", 1020)), Now, null, Now);
        Assert.Equal((3, 102), (proposal.Replicas, proposal.Utilization!.Value));
        // 111% is beyond it.
        var beyond = ReplicaCalculator.ResourceReplicas(3, 100, "cpu", pods, Metrics(("a", 1100), ("b", 1110), ("c", 1120)), Now, null, Now);
        Assert.Equal(4, beyond.Replicas);
    }

    [Fact]
    public void On_a_scale_up_an_unready_pod_counts_as_using_nothing()
    {
        // TestReplicaCalcScaleUpUnreadyLessScale: never ready, so left out; then counted at 0 of its request.
        var pods = new[] { Pod("a", ready: "False", readySince: TimeSpan.FromMinutes(10)), Pod("b"), Pod("c") };
        var proposal = ReplicaCalculator.ResourceReplicas(3, 30, "cpu", pods, Metrics(("a", 300), ("b", 500), ("c", 700)), Now, null, Now);
        Assert.Equal((4, 60), (proposal.Replicas, proposal.Utilization!.Value));
        // Pending pods too; with them at 0 the ratio falls within the tolerance: no change (…UnreadyNoScale).
        var pending = new[] { Pod("a"), Pod("b", phase: "Pending"), Pod("c", phase: "Pending") };
        Assert.Equal(3, ReplicaCalculator.ResourceReplicas(3, 30, "cpu", pending, Metrics(("a", 900)), Now, null, Now).Replicas);
    }

    [Fact]
    public void A_pod_ready_for_less_than_one_metrics_window_in_its_initialization_period_is_unready()
    {
        var pods = new[] { Pod("a", startedAgo: TimeSpan.FromMinutes(1), readySince: TimeSpan.FromSeconds(10)), Pod("b") };
        var (ready, unready, missing, ignored) = ReplicaCalculator.GroupPods(pods, Metrics(("a", 100), ("b", 100)), "cpu", Now);
        Assert.Equal((1, 0, 0), (ready, missing.Count, ignored.Count));
        Assert.Equal(["a"], unready);
        // Memory is not subject to CPU's initialization rules.
        Assert.Equal(2, ReplicaCalculator.GroupPods(pods, Metrics(("a", 100), ("b", 100)), "memory", Now).ReadyPodCount);
    }

    [Fact]
    public void Deleted_and_finished_pods_are_ignored_and_pods_without_metrics_are_missing()
    {
        var pods = new[] { Pod("a", deleting: true), Pod("b", phase: "Succeeded"), Pod("c", phase: "Failed"), Pod("d"), Pod("e") };
        var (ready, unready, missing, ignored) = ReplicaCalculator.GroupPods(pods, Metrics(("a", 1), ("d", 1)), "cpu", Now);
        Assert.Equal((1, 0), (ready, unready.Count));
        Assert.Equal(["e"], missing);
        Assert.Equal(["a", "b", "c"], ignored.Order());
    }

    [Fact]
    public void On_a_scale_down_a_pod_without_metrics_counts_as_using_its_request()
    {
        // 2 pods at 10% and one missing: (100 + 100 + 1000) / 3000 = 40% against 50% → ceil(0.8 × 3) = 3: no change.
        var pods = new[] { Pod("a"), Pod("b"), Pod("c") };
        Assert.Equal(3, ReplicaCalculator.ResourceReplicas(3, 50, "cpu", pods, Metrics(("a", 100), ("b", 100)), Now, null, Now).Replicas);
        // On a scale up it counts as using nothing: (1500 + 1500 + 0) / 3000 = 100% against 50% → 6.
        Assert.Equal(6, ReplicaCalculator.ResourceReplicas(3, 50, "cpu", pods, Metrics(("a", 1500), ("b", 1500)), Now, null, Now).Replicas);
    }

    [Fact]
    public void An_average_value_target_divides_the_average_usage_by_the_target()
    {
        var pods = new[] { Pod("a"), Pod("b") };
        var proposal = ReplicaCalculator.RawResourceReplicas(2, 100, "cpu", pods, Metrics(("a", 250), ("b", 150)), Now, Now);
        Assert.Equal((4, 200L, (int?)null), (proposal.Replicas, proposal.RawAverage, proposal.Utilization));
    }

    [Fact]
    public void What_cannot_be_computed_says_why_in_kubernetes_words()
    {
        var error = Assert.Throws<ReplicaCalculationException>(() => ReplicaCalculator.ResourceReplicas(1, 50, "cpu", [], [], Now, null, Now));
        Assert.Equal("no pods returned by selector while calculating replica count", error.Message);
        error = Assert.Throws<ReplicaCalculationException>(() => ReplicaCalculator.ResourceReplicas(1, 50, "cpu", [Pod("a", phase: "Pending")], Metrics(("a", 1)), Now, null, Now));
        Assert.Equal("did not receive metrics for targeted pods (pods might be unready)", error.Message);
        var noRequest = Pod("a");
        ((JsonObject)noRequest.Document["spec"]!["containers"]![0]!["resources"]!["requests"]!).Remove("cpu");
        error = Assert.Throws<ReplicaCalculationException>(() => ReplicaCalculator.ResourceReplicas(1, 50, "cpu", [noRequest], Metrics(("a", 1)), Now, null, Now));
        Assert.Equal("missing request for cpu in container app of Pod a", error.Message);
        error = Assert.Throws<ReplicaCalculationException>(() => ReplicaCalculator.ResourceReplicas(1, 50, "cpu", [Pod("a")], Metrics(("a", 1)), Now, "web", Now));
        Assert.Equal("container web not found in Pod a", error.Message);
    }

    [Fact]
    public void Without_a_behavior_a_scale_down_waits_for_the_highest_recommendation_of_the_window()
    {
        var history = new ScalingHistory();
        var window = TimeSpan.FromMinutes(5);
        history.RecordInitial(4, Now);
        var first = history.Normalize(4, 1, 1, 10, window, Now + TimeSpan.FromSeconds(15));
        Assert.Equal((4, "ScaleDownStabilized"), (first.Desired, first.AbleToScaleReason));
        Assert.Equal(4, history.Normalize(4, 1, 1, 10, window, Now + TimeSpan.FromSeconds(300)).Desired);
        var after = history.Normalize(4, 1, 1, 10, window, Now + TimeSpan.FromSeconds(315));
        Assert.Equal((1, "ReadyForNewScale", false), (after.Desired, after.AbleToScaleReason, after.Limited));
    }

    [Fact]
    public void Without_a_behavior_a_scale_up_is_limited_to_twice_the_count_or_four_and_to_max()
    {
        var history = new ScalingHistory();
        history.RecordInitial(1, Now);
        var limited = history.Normalize(1, 9, 1, 10, TimeSpan.FromMinutes(5), Now);
        Assert.Equal((4, true, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"), (limited.Desired, limited.Limited, limited.LimitedReason, limited.LimitedMessage));
        var max = history.Normalize(8, 20, 1, 10, TimeSpan.FromMinutes(5), Now);
        Assert.Equal((10, "TooManyReplicas", "the desired replica count is more than the maximum replica count"), (max.Desired, max.LimitedReason, max.LimitedMessage));
        var min = history.Normalize(3, 0, 2, 10, TimeSpan.Zero, Now + TimeSpan.FromMinutes(10));
        Assert.Equal((2, "TooFewReplicas", "the desired replica count is less than the minimum replica count"), (min.Desired, min.LimitedReason, min.LimitedMessage));
    }

    [Fact]
    public void A_behavior_limits_the_rate_over_each_policy_period()
    {
        var behavior = ScalingBehavior.Parse(new JsonObject
        {
            ["scaleDown"] = new JsonObject
            {
                ["stabilizationWindowSeconds"] = 0,
                ["policies"] = new JsonArray(new JsonObject { ["type"] = "Pods", ["value"] = 1, ["periodSeconds"] = 60 }),
            },
        })!;
        var history = new ScalingHistory();
        history.RecordInitial(4, Now);
        var first = history.Normalize(behavior, 4, 1, 1, 10, TimeSpan.FromMinutes(5), Now);
        Assert.Equal((3, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"), (first.Desired, first.LimitedReason, first.LimitedMessage));
        history.StoreScaleEvent(behavior, 4, 3, Now);
        Assert.Equal(3, history.Normalize(behavior, 3, 1, 1, 10, TimeSpan.FromMinutes(5), Now + TimeSpan.FromSeconds(45)).Desired);
        Assert.Equal(2, history.Normalize(behavior, 3, 1, 1, 10, TimeSpan.FromMinutes(5), Now + TimeSpan.FromSeconds(60)).Desired);

        // The default scale-up rules: the larger of 4 pods and 100% per 15 s.
        var up = ScalingBehavior.Parse(new JsonObject())!;
        Assert.Equal(6, new ScalingHistory().Normalize(up, 2, 30, 1, 100, TimeSpan.FromMinutes(5), Now).Desired);
        Assert.Equal(20, new ScalingHistory().Normalize(up, 10, 30, 1, 100, TimeSpan.FromMinutes(5), Now).Desired);
    }
}
