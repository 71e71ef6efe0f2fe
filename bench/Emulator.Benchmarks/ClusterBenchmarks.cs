using System.Diagnostics;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.Cli;
using Emulator.ControlPlane.Store;

namespace Emulator.Benchmarks;

/// <summary>
/// The cluster benchmark, on the real path (all-in-one cluster on SQLite, every node an agent + kubelet actor, the
/// scheduler and the workload controllers): time until N nodes are Ready, and until a Deployment of M replicas (zero
/// image pull delay) has M pods Running and available, with the process's memory at the end. The workload scenarios
/// (issue 10; <c>--workloads</c> runs only these): a DaemonSet until every node's pod is Ready, a StatefulSet under
/// OrderedReady with one volumeClaimTemplate until all replicas are Ready, and one-pod Jobs until all are Complete.
/// One run per size: the large sizes take minutes.
/// </summary>
public static partial class ClusterBenchmarks
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    /// <summary>Emulated seconds per real second for every cluster of the run (null: the cluster's default, 1).</summary>
    private static double? TimeScale { get; set; }

    /// <summary><c>--progress</c>: the workload scenarios print their counts at every poll (to see where time goes).</summary>
    private static bool Progress { get; set; }

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        int[] nodeSizes = quick ? [100, 1_000] : [100, 1_000, 5_000];
        int[] podSizes = quick ? [1_000] : [1_000, 10_000, 50_000];
        var workloads = Workloads.ForRun(quick);
        Progress = args.Contains("--progress");
        // `--workloads`: only the DaemonSet, StatefulSet and Job scenarios.
        if (args.Contains("--workloads"))
        {
            nodeSizes = [];
            podSizes = [];
        }
        // `--time-scale X`: emulated seconds per real second (default: the cluster's own, 1).
        TimeScale = Array.IndexOf(args, "--time-scale") is >= 0 and var scaleAt && scaleAt + 1 < args.Length
            && double.TryParse(args[scaleAt + 1], System.Globalization.CultureInfo.InvariantCulture, out var scale) ? scale : null;
        // `--pods N`: only the pods scenario of that size (for profiling one size).
        if (Array.IndexOf(args, "--pods") is >= 0 and var at && at + 1 < args.Length && int.TryParse(args[at + 1], out var only))
        {
            nodeSizes = [];
            podSizes = [only];
            workloads = null;
        }
        // `--nodes N`: only the nodes scenario of that size.
        if (Array.IndexOf(args, "--nodes") is >= 0 and var nodesAt && nodesAt + 1 < args.Length && int.TryParse(args[nodesAt + 1], out var onlyNodes))
        {
            nodeSizes = [onlyNodes];
            podSizes = [];
            workloads = null;
        }
        Console.WriteLine($"Cluster benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}, time scale {TimeScale ?? 1}, one run per size{(quick ? " (quick mode)" : "")}");
        var rows = new List<(string Scenario, string Result, string Target)>();
        foreach (var n in nodeSizes)
        {
            var (seconds, memory) = NodesReady(n).GetAwaiter().GetResult();
            Console.Error.WriteLine($"  {n} nodes Ready: {Describe(seconds)}, {memory / 1048576.0:0} MiB");
            rows.Add(($"{n:N0} nodes Ready", $"{Describe(seconds)}, {memory / 1048576.0:0} MiB", n == 5_000 ? "<= 10 s" : ""));
        }
        foreach (var m in podSizes)
        {
            // `--on-nodes N`: the pods scenario on N nodes (to compare a Deployment with the DaemonSet on as many nodes).
            var nodes = Array.IndexOf(args, "--on-nodes") is >= 0 and var onAt && onAt + 1 < args.Length && int.TryParse(args[onAt + 1], out var on)
                ? on : Math.Max(10, (m + 99) / 100);
            var (seconds, memory) = PodsRunning(m, nodes).GetAwaiter().GetResult();
            Console.Error.WriteLine($"  {m} pods Running on {nodes} nodes: {Describe(seconds)}, {memory / 1048576.0:0} MiB");
            rows.Add(($"{m:N0} pods Running ({nodes} nodes, one Deployment)", $"{Describe(seconds)}, {memory / 1048576.0:0} MiB", m == 10_000 ? "<= 10 s" : ""));
        }
        if (workloads is not null)
        {
            rows.AddRange(RunWorkloads(workloads));
        }
        Console.WriteLine();
        Console.WriteLine("### Cluster");
        Console.WriteLine();
        Console.WriteLine("| scenario | time, process memory | target |");
        Console.WriteLine("|---|---|---|");
        foreach (var (scenario, result, target) in rows)
        {
            Console.WriteLine($"| {scenario} | {result} | {target} |");
        }
        Console.WriteLine();
        return 0;
    }

    private static string Describe(double? seconds) => seconds is { } s ? $"{s:0.00} s" : $"not reached in {Limit.TotalMinutes:0} min";

    private static async Task<(double? Seconds, long Memory)> NodesReady(int nodes)
    {
        var directory = Directory.CreateTempSubdirectory("emulator-cluster-bench-").FullName;
        try
        {
            var clock = Stopwatch.StartNew();
            await using var cluster = await ClusterHost.StartAsync(new ClusterHostOptions(directory, 0, Path.Combine(directory, "kubeconfig"), nodes, TimeScale, ImagePullDelay: TimeSpan.Zero), CancellationToken.None);
            var reached = await Until(async () => (await cluster.CountReadyNodesAsync()).Ready >= nodes);
            var elapsed = clock.Elapsed.TotalSeconds;
            return (reached ? elapsed : null, Process.GetCurrentProcess().WorkingSet64);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(double? Seconds, long Memory)> PodsRunning(int pods, int nodes)
    {
        // Available replicas as the Deployment controller reports them: pods Running, Ready, counted by the controllers.
        var run = await TimeWorkload(nodes, pods,
            cluster => Create(cluster, ResourceTypes.Deployments, Deployment(pods)),
            async cluster =>
            {
                var reply = await cluster.Store.Ask<StoreReply>(new GetObject(ResourceTypes.Deployments, "default", "bench"), TimeSpan.FromMinutes(1));
                return reply.Object?.ToJsonObject()["status"]?["availableReplicas"]?.GetValue<int>() ?? 0;
            });
        return (run.Seconds, run.Memory);
    }

    private static JsonObject Deployment(int replicas) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = "bench", ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "bench" } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "bench" } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx:1.25" }) },
            },
        },
    };

    private static async Task<bool> Until(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Limit)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return false;
    }
}
