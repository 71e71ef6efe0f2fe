using System.Text.Json.Nodes;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// <c>emulator chaos run</c> as a user runs it: an experiment on virtual time (replayable, with its digest), one against
/// a running <c>emulator up</c> through its console and API, and a malformed experiment file.
/// </summary>
public sealed class ChaosEndToEndTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("emulator-chaos-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_shipped_experiment_on_virtual_time_replays_with_the_same_digest()
    {
        var file = Path.Combine(EmulatorProcess.RepositoryRoot(), "config", "chaos", "kill-deployment-controller.yaml");
        var first = await EmulatorProcess.RunCliAsync(TimeSpan.FromMinutes(3), "chaos", "run", file, "--seed", "11", "--output", "json");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var again = await EmulatorProcess.RunCliAsync(TimeSpan.FromMinutes(3), "chaos", "run", file, "--seed", "11", "--output", "json");
        var report = JsonNode.Parse(first.Stdout)!;
        Assert.True(report["passed"]!.GetValue<bool>());
        Assert.True(report["replayable"]!.GetValue<bool>());
        Assert.Equal(report["digest"]!.GetValue<string>(), JsonNode.Parse(again.Stdout)!["digest"]!.GetValue<string>());
        Assert.Contains(report["faults"]!.AsArray(), f => f!["action"]!.GetValue<string>() == "stop-actor");
    }

    [Fact]
    public async Task An_experiment_against_a_running_cluster_kills_kubelets_and_a_node_and_the_cluster_heals()
    {
        await using var emulator = await EmulatorProcess.StartAsync(Path.Combine(_root, "state"), "--nodes", "3", "--time-scale", "30");
        var experiment = Path.Combine(_root, "attached.yaml");
        var workload = Path.Combine(EmulatorProcess.RepositoryRoot(), "config", "chaos", "workloads", "web.yaml");
        await File.WriteAllTextAsync(experiment, $"""
            name: attached
            cluster:
              mode: attach
              consoles: ["{await emulator.ConsoleAddress}"]
              api: {emulator.ApiAddress}
            workload:
              - {workload}
            schedule:
              warmup: 60s
              duration: 30s
              settle: 10m
              step: 5s
            faults:
              - action: kill-actor
                target: /user/nodes/*/kubelet
                every: 10s
              - action: stop-node
                target: node-*
                at: 5s
            invariants:
              - killed-node-pods-replaced
              - no-acknowledged-write-lost
              - replicas-converge: deployment/web
            """);
        var run = await EmulatorProcess.RunCliAsync(TimeSpan.FromMinutes(3), "chaos", "run", experiment, "--seed", "5");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Matches(@"faults\[1\] stop-node node-\d", run.Stdout);
        Assert.Matches(@"held\s+killed-node-pods-replaced", run.Stdout);
        Assert.Contains("attached cluster (not replayable)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_experiment_is_refused_with_its_field_and_status_2()
    {
        var experiment = Path.Combine(_root, "bad.yaml");
        await File.WriteAllTextAsync(experiment, """
            name: bad
            faults:
              - action: kill-actor
                target: /user/nodes/*/kubelet
                every: soon
            invariants:
              - no-acknowledged-write-lost
            """);
        var run = await EmulatorProcess.RunCliAsync("chaos", "run", experiment);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("faults[0].every: a duration must look like 90s, 5m or 1h30m, got \"soon\"", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }
}
