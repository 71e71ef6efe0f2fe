using Emulator.Chaos.Experiments;
using Emulator.Chaos.Invariants;
using Emulator.Chaos.Targets;

namespace Emulator.Chaos.Tests;

/// <summary>
/// The process and journal faults on a virtual cluster: a killed worker loses every actor at once and its nodes go
/// NotReady, a restarted one recovers its container runtime from the journal and adopts its pods; a delayed journal
/// acknowledges the experiment's writes late without losing one, and replays exactly by seed.
/// </summary>
public sealed class ProcessAndJournalFaultTests
{
    private static async Task<IReadOnlyList<System.Text.Json.Nodes.JsonObject>> Pods(VirtualCluster cluster, string node) =>
        (await cluster.ListAsync("pods")).Where(p => ObjectState.NodeOf(p) == node && ObjectState.IsActive(p)).ToArray();

    [Fact]
    public async Task A_killed_worker_loses_every_actor_at_once_and_comes_back_from_its_journal_with_its_pods()
    {
        await using var cluster = await VirtualCluster.StartAsync(nodes: 1, seed: 2, workers: 2);
        Assert.Equal(["w1-node-1", "w2-node-1"], await cluster.NodesAsync(0));
        await cluster.ApplyAsync(await File.ReadAllTextAsync(Path.Combine(ShippedExperimentTests.ChaosDirectory, "workloads", "agent.yaml")));
        for (var i = 0; i < 60 && (await Pods(cluster, "w1-node-1")).All(p => !ObjectState.IsRunningAndReady(p)); i++)
        {
            await cluster.AdvanceAsync(TimeSpan.FromSeconds(1));
        }
        var before = Assert.Single(await Pods(cluster, "w1-node-1"));
        Assert.True(ObjectState.IsRunningAndReady(before));
        Assert.NotEmpty(await cluster.FindActorsAsync("/user/nodes-w1/*/kubelet", 0));

        await cluster.KillProcessAsync("w1", 0);
        Assert.Empty(await cluster.FindActorsAsync("/user/nodes-w1/**", 0));
        Assert.NotEmpty(await cluster.FindActorsAsync("/user/nodes-w2/*/kubelet", 0));
        Assert.Equal(["w2-node-1"], await cluster.NodesAsync(0));
        Assert.Contains(new ChaosProcess("w1", ["w1-node-1"], false), await cluster.ProcessesAsync(0), new ProcessComparer());

        // Nobody told the control plane: the node goes NotReady only when its lease runs out past the grace period.
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(70));
        var nodes = await cluster.ListAsync("nodes");
        Assert.False(ObjectState.IsNodeReady(nodes.Single(n => ObjectState.Name(n) == "w1-node-1")));
        Assert.True(ObjectState.IsNodeReady(nodes.Single(n => ObjectState.Name(n) == "w2-node-1")));

        await cluster.RestartProcessAsync("w1", 0);
        for (var i = 0; i < 60 && !ObjectState.IsNodeReady((await cluster.ListAsync("nodes")).Single(n => ObjectState.Name(n) == "w1-node-1")); i++)
        {
            await cluster.AdvanceAsync(TimeSpan.FromSeconds(1));
        }
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(20));
        Assert.NotEmpty(await cluster.FindActorsAsync("/user/nodes-w1/*/kubelet", 0));
        // Before the toleration ran out nothing was evicted: the restarted kubelet adopted the same pod, which its
        // container runtime recovered from the journal (same sandbox IP and start time).
        var after = Assert.Single(await Pods(cluster, "w1-node-1"));
        Assert.Equal(ObjectState.Uid(before), ObjectState.Uid(after));
        Assert.True(ObjectState.IsRunningAndReady(after));
        Assert.Equal(before["status"]!["podIP"]!.GetValue<string>(), after["status"]!["podIP"]!.GetValue<string>());
        Assert.Equal(before["status"]!["startTime"]!.GetValue<string>(), after["status"]!["startTime"]!.GetValue<string>());
    }

    private sealed class ProcessComparer : IEqualityComparer<ChaosProcess>
    {
        public bool Equals(ChaosProcess? x, ChaosProcess? y) => x is not null && y is not null && x.Name == y.Name && x.Running == y.Running && x.Nodes.SequenceEqual(y.Nodes);

        public int GetHashCode(ChaosProcess obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delayed_journal_acknowledges_a_write_only_after_its_delay_has_passed_on_emulated_time()
    {
        await using var cluster = await VirtualCluster.StartAsync(nodes: 1, seed: 3);
        var start = await cluster.NowAsync();
        Assert.NotNull(await cluster.WriteLedgerAsync(1));
        var fast = await cluster.NowAsync() - start;

        await cluster.SetJournalDelayAsync(TimeSpan.FromSeconds(2), 0);
        var before = await cluster.NowAsync();
        var version = await cluster.WriteLedgerAsync(2);
        var slow = await cluster.NowAsync() - before;
        Assert.NotNull(version);
        Assert.Equal(TimeSpan.Zero, fast);
        Assert.True(slow >= TimeSpan.FromSeconds(2), $"the write was acknowledged after {slow}");
        Assert.Equal((2L, version!.Value), await cluster.ReadLedgerAsync());

        await cluster.SetJournalDelayAsync(TimeSpan.Zero, 0);
        before = await cluster.NowAsync();
        Assert.NotNull(await cluster.WriteLedgerAsync(3));
        Assert.Equal(TimeSpan.Zero, await cluster.NowAsync() - before);
    }

    private static async Task<string> Digest(string file, int seed, ScheduleSpec schedule)
    {
        var experiment = ExperimentReader.ReadFile(Path.Combine(ShippedExperimentTests.ChaosDirectory, file)) with { Schedule = schedule };
        await using var cluster = await VirtualCluster.StartAsync(experiment.Cluster, seed);
        var report = await new ExperimentRunner(experiment, cluster, seed).RunAsync();
        Assert.True(report.Passed, report.ToText());
        return report.Digest;
    }

    [Fact]
    public async Task A_process_kill_experiment_replays_with_the_same_digest_by_seed()
    {
        // The killed worker comes back after eight minutes: its container runtime recovers from the journal and its
        // nodes start again, all inside the seeded order.
        var schedule = new ScheduleSpec(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(9), TimeSpan.FromSeconds(5));
        var first = await Digest("kill-worker-process.yaml", 3, schedule);
        Assert.Equal(first, await Digest("kill-worker-process.yaml", 3, schedule));
        Assert.NotEqual(first, await Digest("kill-worker-process.yaml", 4, schedule));
    }

    [Fact]
    public async Task A_journal_delay_experiment_replays_with_the_same_digest_by_seed()
    {
        var schedule = new ScheduleSpec(TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(1));
        var first = await Digest("delay-journal.yaml", 5, schedule);
        Assert.Equal(first, await Digest("delay-journal.yaml", 5, schedule));
        Assert.NotEqual(first, await Digest("delay-journal.yaml", 6, schedule));
    }
}
