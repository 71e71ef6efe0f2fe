using System.CommandLine;
using System.Text.Json;
using Emulator.Chaos;
using Emulator.Chaos.Experiments;
using Emulator.Chaos.Targets;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator chaos run FILE [--seed N] [--output text|json]</c>: runs a chaos experiment — on a cluster started in this
/// process on virtual time (replayable: the same seed gives the same run and digest), or against a running cluster
/// through its consoles — and exits 0 only if every invariant held.
/// </summary>
public static class ChaosCommand
{
    /// <summary>Exit status when every invariant held.</summary>
    public const int Passed = 0;

    /// <summary>Exit status when an invariant was violated.</summary>
    public const int Violated = 1;

    /// <summary>Exit status when the experiment could not run (a bad file, an unreachable cluster).</summary>
    public const int CannotRun = 2;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The experiment (YAML), e.g. config/chaos/kill-kubelets.yaml" };
        var seed = new Option<int?>("--seed") { Description = "Seed of the fault choices and, on virtual time, of the whole run (default: a random one, printed)" };
        var output = new Option<string>("--output", "-o") { Description = "text or json", DefaultValueFactory = _ => "text" };
        output.AcceptOnlyFromAmong("text", "json");
        var trace = new Option<string?>("--trace") { Description = "Write the run's trace (what the digest hashes: every fault and observed object version) to this file" };
        var run = new Command("run", "Run an experiment and report each fault and invariant") { file, seed, output, trace };
        run.SetAction(async (result, _) => await RunAsync(result.GetValue(file)!, result.GetValue(seed), result.GetValue(output) == "json", result.GetValue(trace)));
        return new Command("chaos", "Chaos experiments: kill actors, nodes, processes and links, slow the journal, while invariants are checked") { run };
    }

    private static async Task<int> RunAsync(string path, int? seed, bool json, string? tracePath)
    {
        Experiment experiment;
        try
        {
            experiment = ExperimentReader.ReadFile(path);
        }
        catch (ExperimentException e)
        {
            Console.Error.WriteLine($"emulator chaos: {e.Message}");
            return CannotRun;
        }
        var chosen = seed ?? Random.Shared.Next(1, 1_000_000);
        if (!json)
        {
            Console.WriteLine($"experiment {experiment.Name}: {experiment.Description}");
            Console.WriteLine(seed is null ? $"seed {chosen} (pass --seed {chosen} to replay)" : $"seed {chosen}");
        }
        try
        {
            await using IChaosTarget target = experiment.Cluster.Mode == ClusterMode.Virtual
                ? await VirtualCluster.StartAsync(experiment.Cluster, chosen)
                : await AttachedCluster.ConnectAsync(experiment.Cluster);
            await using var trace = tracePath is null ? null : new StreamWriter(tracePath);
            var report = await new ExperimentRunner(experiment, target, chosen, json ? null : Console.WriteLine, trace).RunAsync();
            Console.WriteLine(json ? report.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : report.ToText());
            return report.Passed ? Passed : Violated;
        }
        catch (ChaosTargetException e)
        {
            Console.Error.WriteLine($"emulator chaos: {e.Message}");
            return CannotRun;
        }
    }
}
