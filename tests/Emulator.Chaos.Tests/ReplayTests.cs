using Emulator.Chaos.Experiments;
using Emulator.Chaos.Targets;

namespace Emulator.Chaos.Tests;

/// <summary>On virtual time, one seed is one run: the same experiment with the same seed gives the same digest, another seed another.</summary>
public sealed class ReplayTests
{
    private static async Task<string> Digest(int seed)
    {
        var experiment = ExperimentReader.ReadFile(Path.Combine(ShippedExperimentTests.ChaosDirectory, "kill-kubelets.yaml")) with
        {
            Schedule = new ScheduleSpec(TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1)),
        };
        await using var cluster = await VirtualCluster.StartAsync(experiment.Cluster, seed);
        var report = await new ExperimentRunner(experiment, cluster, seed).RunAsync();
        Assert.True(report.Passed, report.ToText());
        return report.Digest;
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_digest_and_another_seed_another()
    {
        var first = await Digest(3);
        Assert.Equal(first, await Digest(3));
        Assert.NotEqual(first, await Digest(4));
    }
}
