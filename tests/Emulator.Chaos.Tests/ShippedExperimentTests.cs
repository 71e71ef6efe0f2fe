using Emulator.Chaos.Experiments;
using Emulator.Chaos.Targets;
using Xunit.Abstractions;

namespace Emulator.Chaos.Tests;

/// <summary>Every experiment shipped in <c>config/chaos</c> runs end to end on a virtual cluster and its invariants hold.</summary>
public sealed class ShippedExperimentTests(ITestOutputHelper output)
{
    /// <summary>The repository's <c>config/chaos</c> folder.</summary>
    public static string ChaosDirectory
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Emulator.sln")))
            {
                directory = directory.Parent;
            }
            return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Emulator.sln not found above the test binaries"), "config", "chaos");
        }
    }

    [Theory]
    [InlineData("kill-kubelets.yaml")]
    [InlineData("stop-node.yaml")]
    [InlineData("kill-deployment-controller.yaml")]
    [InlineData("statefulset-ordered-start.yaml")]
    [InlineData("job-parallelism.yaml")]
    [InlineData("kill-api-store.yaml")]
    [InlineData("kill-worker-process.yaml")]
    [InlineData("delay-journal.yaml")]
    [InlineData("rollout-slow-journal.yaml")]
    public async Task A_shipped_experiment_runs_and_its_invariants_hold(string file)
    {
        var experiment = ExperimentReader.ReadFile(Path.Combine(ChaosDirectory, file));
        await using var cluster = await VirtualCluster.StartAsync(experiment.Cluster, 1);
        var report = await new ExperimentRunner(experiment, cluster, 1, output.WriteLine).RunAsync();
        output.WriteLine(report.ToText());
        Assert.True(report.Passed, report.ToText());
        Assert.NotEmpty(report.Faults);
        Assert.NotNull(report.ConvergedAfter);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public async Task A_rollout_on_a_slow_journal_finishes_with_seeds_that_once_spun_forever(int seed)
    {
        // With these seeds a controller lost a write race while the winner's event waited for the journal, retried at
        // once from the same stale cache, and lost again: the actors never went idle, so virtual time never moved.
        var experiment = ExperimentReader.ReadFile(Path.Combine(ChaosDirectory, "rollout-slow-journal.yaml"));
        await using var cluster = await VirtualCluster.StartAsync(experiment.Cluster, seed);
        var report = await new ExperimentRunner(experiment, cluster, seed, output.WriteLine).RunAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(report.Passed, report.ToText());
    }

    [Fact]
    public void Every_shipped_experiment_reads_and_every_virtual_one_is_run_above()
    {
        var files = Directory.GetFiles(ChaosDirectory, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        var experiments = files.Select(f => (File: f!, Experiment: ExperimentReader.ReadFile(Path.Combine(ChaosDirectory, f!)))).ToArray();
        var run = typeof(ShippedExperimentTests).GetMethod(nameof(A_shipped_experiment_runs_and_its_invariants_hold))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>().Select(a => (string)a.GetData(null!).Single()[0]).ToHashSet();
        Assert.All(experiments.Where(e => e.Experiment.Cluster.Mode == ClusterMode.Virtual), e => Assert.Contains(e.File, run));
        Assert.Contains(experiments, e => e.Experiment.Faults.Any(f => f.Action == FaultAction.Partition));
        Assert.Contains(experiments, e => e.Experiment.Cluster.Mode == ClusterMode.Attach && e.Experiment.Faults.Any(f => f.Action == FaultAction.KillProcess));
    }
}
