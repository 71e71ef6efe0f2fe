using System.Text.Json.Nodes;
using Emulator.Processes;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// <c>emulator chaos run</c> against the four-member cluster of <see cref="MultiProcessTests"/> (its start-up, on the
/// PostgreSQL journal of EMULATOR_TEST_POSTGRES): the shipped attached experiments, pointed at the members' consoles,
/// cut a worker off with a network partition, make its links lossy, and SIGKILL a worker's process found through its console; the report
/// names each fault, and every invariant holds as the other worker takes the pods over.
/// </summary>
public sealed partial class MultiProcessTests
{
    [PostgresFact]
    public async Task The_chaos_runner_partitions_a_worker_off_a_multi_process_cluster_and_its_pods_move()
    {
        var (cp1, cp2, w1, w2, _) = await StartFourMembers();
        using var api = new HttpClient { BaseAddress = cp1.Api!, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually(async () => (await ReadyNodes(api)).Count == 4, TimeSpan.FromSeconds(60), "4 Ready nodes");

        var report = await RunAttachedExperiment("partition-worker.yaml", cp1, cp2, w1, w2);

        var faults = report["faults"]!.AsArray();
        Assert.Equal(3, faults.Count(f => f!["action"]!.GetValue<string>() == "partition" && f["target"]!.GetValue<string>() == w1.ClusterAddress));
        Assert.Equal(3, faults.Count(f => f!["action"]!.GetValue<string>() == "heal-partition"));
        // The majority downed the cut-off worker: its process left the cluster and exited.
        Assert.Equal(1, await w1.ExitCode.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.All(await RunningPodNodes(api), n => Assert.StartsWith("w2-", n, StringComparison.Ordinal));
    }

    [PostgresFact]
    public async Task The_chaos_runner_makes_a_workers_links_lossy_and_the_cluster_rides_it_out()
    {
        var (cp1, cp2, w1, w2, _) = await StartFourMembers();
        using var api = new HttpClient { BaseAddress = cp1.Api!, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually(async () => (await ReadyNodes(api)).Count == 4, TimeSpan.FromSeconds(60), "4 Ready nodes");

        var report = await RunAttachedExperiment("lossy-link-worker.yaml", cp1, cp2, w1, w2);

        var faults = report["faults"]!.AsArray();
        Assert.Equal(6, faults.Count(f => f!["action"]!.GetValue<string>() == "lossy-link" && f["target"]!.GetValue<string>().EndsWith(" (drop 0.1)", StringComparison.Ordinal)));
        Assert.Equal(3, faults.Count(f => f!["action"]!.GetValue<string>() == "lossy-link" && f["target"]!.GetValue<string>().StartsWith(w1.ClusterAddress + " ", StringComparison.Ordinal)));
        Assert.Equal(6, faults.Count(f => f!["action"]!.GetValue<string>() == "restore-link"));
        // Restored: every link is normal again, as w1's console shows it.
        var links = await EmulatorProcess.RunCliAsync("pbm", w1.ConsoleAddress, "remote", "connections");
        Assert.DoesNotContain("drop", links.Stdout, StringComparison.Ordinal);

        // A member told to kill itself (what the runner does to a member on another machine) dies without a word.
        var killed = await EmulatorProcess.RunCliAsync("pbm", w2.ConsoleAddress, "process", "kill");
        Assert.Equal(0, killed.ExitCode);
        Assert.StartsWith($"killing process {w2.ProcessId} on ", killed.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, await w2.ExitCode.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.DoesNotContain("this member was removed from the cluster", w2.Output, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task The_chaos_runner_kills_a_worker_process_of_a_multi_process_cluster_and_its_pods_are_replaced()
    {
        var (cp1, cp2, w1, w2, _) = await StartFourMembers();
        using var api = new HttpClient { BaseAddress = cp1.Api!, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually(async () => (await ReadyNodes(api)).Count == 4, TimeSpan.FromSeconds(60), "4 Ready nodes");

        var original = w1.ProcessId;
        try
        {
            var report = await RunAttachedExperiment("kill-worker-process-attached.yaml", cp1, cp2, w1, w2);

            var killed = Assert.Single(report["faults"]!.AsArray(), f => f!["action"]!.GetValue<string>() == "kill-process")!;
            Assert.Equal($"{w1.ClusterAddress} (nodes w1-node-1, w1-node-2)", killed["target"]!.GetValue<string>());
            // SIGKILL: the process ended without a word (no exit status of its own, no "leaving" in its output).
            Assert.NotEqual(0, await w1.ExitCode.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.DoesNotContain("this member was removed from the cluster", w1.Output, StringComparison.Ordinal);
            Assert.Contains(report["invariants"]!.AsArray(), i => i!["name"]!.GetValue<string>() == "killed-node-pods-replaced" && i["held"]!.GetValue<bool>());
            Assert.All(await RunningPodNodes(api), n => Assert.StartsWith("w2-", n, StringComparison.Ordinal));

            // Eight minutes later the runner started w1 again from the command line its console reported, at the same
            // console address (its --console-port 0 became the port it had): a new process, and its nodes Ready again.
            Assert.Single(report["faults"]!.AsArray(), f => f!["action"]!.GetValue<string>() == "restart-process");
            var info = JsonNode.Parse((await EmulatorProcess.RunCliAsync("pbm", w1.ConsoleAddress, "process", "info", "--output", "json")).Stdout)!.AsArray().Single()!;
            Assert.NotEqual(original.ToString(System.Globalization.CultureInfo.InvariantCulture), info["pid"]!.GetValue<string>());
            Assert.Contains("--name w1", info["command"]!.GetValue<string>(), StringComparison.Ordinal);
            await Eventually(async () => (await ReadyNodes(api)).Count == 4, TimeSpan.FromSeconds(60), "w1's nodes Ready again");
        }
        finally
        {
            // The restarted member belongs to no test process: whatever process answers at w1's console now is ended here.
            var answer = await EmulatorProcess.RunCliAsync("pbm", w1.ConsoleAddress, "process", "info", "--output", "json");
            if (answer.ExitCode == 0 && JsonNode.Parse(answer.Stdout)?.AsArray().SingleOrDefault()?["pid"]?.GetValue<string>() is { } pidText
                && int.TryParse(pidText, System.Globalization.CultureInfo.InvariantCulture, out var pid) && pid != original)
            {
                try
                {
                    using var process = System.Diagnostics.Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
            }
        }
    }

    /// <summary>Runs the shipped <paramref name="file"/> against the four members (their consoles, cp1's API, w1's address) and returns its JSON report.</summary>
    private async Task<JsonNode> RunAttachedExperiment(string file, EmulatorMember cp1, EmulatorMember cp2, EmulatorMember w1, EmulatorMember w2)
    {
        var directory = Path.Combine(EmulatorProcess.RepositoryRoot(), "config", "chaos");
        var text = (await File.ReadAllTextAsync(Path.Combine(directory, file)))
            .Replace("""["127.0.0.1:9110", "127.0.0.1:9111", "127.0.0.1:9112", "127.0.0.1:9113"]""", $"""["{cp1.ConsoleAddress}", "{cp2.ConsoleAddress}", "{w1.ConsoleAddress}", "{w2.ConsoleAddress}"]""", StringComparison.Ordinal)
            .Replace("http://127.0.0.1:6443", cp1.Api!.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace("127.0.0.1:25523", w1.ClusterAddress, StringComparison.Ordinal)
            .Replace("127.0.0.1:25520", cp1.ClusterAddress, StringComparison.Ordinal)
            .Replace("127.0.0.1:25521", cp2.ClusterAddress, StringComparison.Ordinal)
            .Replace("127.0.0.1:25524", w2.ClusterAddress, StringComparison.Ordinal)
            .Replace("- workloads/", $"- {directory}/workloads/", StringComparison.Ordinal);
        Directory.CreateDirectory(_root);
        var experiment = Path.Combine(_root, file);
        await File.WriteAllTextAsync(experiment, text);
        var run = await EmulatorProcess.RunCliAsync(TimeSpan.FromMinutes(4), "chaos", "run", experiment, "--seed", "1", "--output", "json");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}\n{string.Join("\n", _members.Select(m => $"--- {m.Name}\n{m.Output}"))}");
        var report = JsonNode.Parse(run.Stdout)!;
        Assert.True(report["passed"]!.GetValue<bool>());
        Assert.False(report["replayable"]!.GetValue<bool>());
        Assert.All(report["invariants"]!.AsArray(), i => Assert.True(i!["held"]!.GetValue<bool>(), i.ToJsonString()));
        Assert.NotNull(report["convergedAfterSeconds"]);
        return report;
    }
}
