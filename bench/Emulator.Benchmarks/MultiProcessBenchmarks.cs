using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Emulator.Processes;
using Npgsql;

namespace Emulator.Benchmarks;

/// <summary>
/// The multi-process benchmark: real <c>emulator control-plane</c> and <c>emulator worker</c> processes on loopback
/// ports chosen at run time, sharing a fresh PostgreSQL database. Measures how long the members take to start and the
/// nodes to be Ready, how long a Deployment's pods take to run spread over the workers, API creates per second through
/// each control-plane member (the store holder, and the other one with its extra hop), and the store's fail-over after
/// the holder is SIGKILLed (first write acknowledged through the survivor). Every process it starts is killed at the
/// end, on failure too, and the database dropped.
/// </summary>
public static class MultiProcessBenchmarks
{
    public static int Run(string[] args)
    {
        string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Number(string name, int fallback) => Option(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
        SinceStart.Restart();
        var postgres = Option("--postgres") ?? Environment.GetEnvironmentVariable("EMULATOR_POSTGRES") ?? Environment.GetEnvironmentVariable("EMULATOR_TEST_POSTGRES");
        if (postgres is null)
        {
            Console.Error.WriteLine("multiprocess: give a PostgreSQL server with --postgres CONNECTION (a database is created on it and dropped afterwards)");
            return 2;
        }
        var settings = new Settings(
            Workers: Number("--workers", 3),
            NodesPerWorker: Number("--nodes", 10),
            Pods: Number("--pods", 1000),
            Creates: Number("--creates", 500),
            Concurrency: Number("--concurrency", 8),
            TimeScale: Number("--time-scale", 20),
            Timeout: TimeSpan.FromMinutes(Number("--timeout-minutes", 10)));
        Console.WriteLine($"Multi-process benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}; 2 control-plane members, "
            + $"{settings.Workers} workers x {settings.NodesPerWorker} nodes, a Deployment of {settings.Pods} pods, {settings.Creates} creates per member "
            + $"({settings.Concurrency} at a time), --time-scale {settings.TimeScale}");
        using var bench = new Topology(postgres);
        // Whatever ends the benchmark (Ctrl-C, SIGTERM, SIGHUP, a normal exit) kills the members first.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => bench.Dispose());
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => bench.Dispose());
        using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => bench.Dispose());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => bench.Dispose();
        try
        {
            var rows = bench.Measure(settings).GetAwaiter().GetResult();
            Table.Print("Multi-process", rows);
            return 0;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"multiprocess: {e.Message}");
            return 1;
        }
    }

    private sealed record Settings(int Workers, int NodesPerWorker, int Pods, int Creates, int Concurrency, int TimeScale, TimeSpan Timeout);

    private static readonly Stopwatch SinceStart = Stopwatch.StartNew();

    /// <summary>
    /// A progress line with the time since the benchmark started: large runs take minutes, and a run that times out
    /// still shows how far each phase got.
    /// </summary>
    private static void Progress(string message) =>
        Console.WriteLine($"[{SinceStart.Elapsed.TotalSeconds,7:0.0} s] {message}");

    /// <summary>The processes of one run, their database and state; disposing kills and removes them all.</summary>
    private sealed class Topology(string admin) : IDisposable
    {
        private readonly List<EmulatorMember> _members = [];
        private readonly string _root = Directory.CreateTempSubdirectory("emulator-mp-bench-").FullName;
        private readonly string _database = "emulator_bench_" + Guid.NewGuid().ToString("N")[..12];
        private bool _created;
        private int _disposed;

        public async Task<List<Row>> Measure(Settings settings)
        {
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {_database}", connection);
                await create.ExecuteNonQueryAsync();
                _created = true;
            }
            var postgres = new NpgsqlConnectionStringBuilder(admin) { Database = _database }.ConnectionString;
            string[] shared = ["--postgres", postgres, "--time-scale", settings.TimeScale.ToString(CultureInfo.InvariantCulture), "--console-port", "0"];
            var nodeCount = settings.Workers * settings.NodesPerWorker;
            if (nodeCount > 256)
            {
                // kind's 10.244.0.0/16 has a /24 for 256 nodes only; a /12 (clear of the 10.96.0.0/12 Services) has 4,096.
                var config = Path.Combine(_root, "large-cluster.conf");
                await File.WriteAllTextAsync(config, "emulator.node-ipam { cluster-cidr = \"10.240.0.0/12\", node-cidr-mask-size = 24 }\n");
                shared = [.. shared, "--config", config];
            }
            var rows = new List<Row>();

            // Formation: cp1 first (on a fresh database it alone creates the journal's tables), then the rest together.
            var clock = Stopwatch.StartNew();
            var cp1 = await Start("cp1", ["control-plane", "--api-port", "0", "--cluster-port", FreePort().ToString(CultureInfo.InvariantCulture), .. shared]);
            var seed = cp1.ClusterAddress;
            var cp2 = Start("cp2", ["control-plane", "--api-port", "0", "--seed", seed, .. shared]);
            var workers = Enumerable.Range(1, settings.Workers)
                .Select(i => Start($"w{i}", ["worker", "--join", seed, "--nodes", settings.NodesPerWorker.ToString(CultureInfo.InvariantCulture), "--name", $"w{i}", .. shared]))
                .ToList();
            var survivor = await cp2;
            await Task.WhenAll(workers);
            var started = clock.Elapsed;
            Progress($"{2 + settings.Workers} processes up");
            rows.Add(new Row($"{2 + settings.Workers} processes started (cp1 first)", "s", [started.TotalSeconds], "", false, null));
            using var api = new HttpClient { BaseAddress = survivor.Api!, Timeout = TimeSpan.FromSeconds(30) };
            var nodes = settings.Workers * settings.NodesPerWorker;
            var ready = 0;
            await Until(async () => (ready = await ReadyNodes(api)) >= nodes, settings.Timeout, $"{nodes} Ready nodes",
                progress: () => $"nodes Ready: {ready} of {nodes}");
            Progress($"{nodes} nodes Ready");
            rows.Add(new Row($"{nodes} nodes Ready (from the first start)", "s", [clock.Elapsed.TotalSeconds], "", false, null));

            // A Deployment spread over the workers' nodes, created through cp2.
            clock.Restart();
            var deployment = JsonNode.Parse("""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
                 "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
                         "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}
                """)!;
            deployment["spec"]!["replicas"] = settings.Pods;
            await Post(api, "/apis/apps/v1/namespaces/default/deployments", deployment.ToJsonString());
            // Watched through the Deployment's status (what `kubectl rollout status` reads): listing every pod at each poll
            // would load the cluster being measured. Pods without probes are ready once Running.
            var readyPods = 0;
            await Until(async () => (readyPods = await ReadyReplicas(api)) >= settings.Pods, settings.Timeout, $"{settings.Pods} ready pods",
                poll: TimeSpan.FromSeconds(1), progress: () => $"pods ready: {readyPods} of {settings.Pods}");
            rows.Add(new Row($"Deployment of {settings.Pods} pods ready (status.readyReplicas)", "s", [clock.Elapsed.TotalSeconds], "", false, null));
            Progress($"{settings.Pods} pods ready");
            var perWorker = await RunningPodsPerWorker(api);
            Console.WriteLine($"pods per worker: {string.Join(", ", perWorker.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"))}");

            // Creates through each member: cp1 holds the store; cp2 forwards to it (one more hop between processes).
            foreach (var member in new[] { cp1, survivor })
            {
                Progress($"{settings.Creates} creates through {member.Name}");
                var (rate, p50, p99) = await Creates(member, settings.Creates, settings.Concurrency);
                var role = member == cp1 ? "holds the store" : "forwards to the store";
                rows.Add(new Row($"ConfigMap creates through {member.Name} ({role})", "creates/s", [rate], "", true, null));
                rows.Add(new Row($"create latency through {member.Name}, p50", "ms", [p50], "", false, null));
                rows.Add(new Row($"create latency through {member.Name}, p99", "ms", [p99], "", false, null));
            }

            // Fail-over: SIGKILL the holder, then the first write acknowledged through the survivor.
            using var quick = new HttpClient { BaseAddress = survivor.Api!, Timeout = TimeSpan.FromSeconds(2) };
            Progress("SIGKILL cp1, the store's holder");
            cp1.Kill();
            clock.Restart();
            await Until(async () =>
            {
                using var response = await quick.PostAsync("/api/v1/namespaces/default/configmaps", Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"after-fail-over"}}"""));
                return response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict;
            }, TimeSpan.FromMinutes(2), "a write through cp2 after the store holder's SIGKILL", poll: TimeSpan.FromMilliseconds(100));
            rows.Add(new Row("store fail-over after SIGKILL of the holder (first write acknowledged)", "s", [clock.Elapsed.TotalSeconds], "", false, null));
            return rows;
        }

        private static async Task<(double Rate, double P50, double P99)> Creates(EmulatorMember member, int count, int concurrency)
        {
            using var http = new HttpClient { BaseAddress = member.Api!, Timeout = TimeSpan.FromSeconds(30) };
            var latencies = new double[count];
            var next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) is var i && i < count)
                {
                    var started = clock.Elapsed;
                    await Post(http, "/api/v1/namespaces/default/configmaps",
                        $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{member.Name}}}-{{{i}}}"},"data":{"k":"v"}}""");
                    latencies[i] = (clock.Elapsed - started).TotalMilliseconds;
                }
            }));
            var elapsed = clock.Elapsed.TotalSeconds;
            Array.Sort(latencies);
            return (count / elapsed, Stats.Percentile(latencies, 0.5), Stats.Percentile(latencies, 0.99));
        }

        private async Task<EmulatorMember> Start(string name, string[] arguments)
        {
            var member = EmulatorMember.Launch(name, [.. arguments, "--state", Path.Combine(_root, name)]);
            lock (_members)
            {
                _members.Add(member);
            }
            await member.StartedWithin(TimeSpan.FromMinutes(3));
            Progress($"{name} up (pid {member.ProcessId}, console {member.ConsoleAddress})");
            return member;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            lock (_members)
            {
                foreach (var member in _members)
                {
                    member.Kill();
                }
            }
            if (_created)
            {
                try
                {
                    using var connection = new NpgsqlConnection(admin);
                    connection.Open();
                    using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
                    drop.ExecuteNonQuery();
                }
                catch (NpgsqlException e)
                {
                    Console.Error.WriteLine($"multiprocess: could not drop database {_database}: {e.Message}");
                }
            }
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task Post(HttpClient http, string path, string body)
    {
        using var response = await http.PostAsync(path, Json(body));
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<int> ReadyNodes(HttpClient api) =>
        JsonNode.Parse(await api.GetStringAsync("/api/v1/nodes"))!["items"]!.AsArray()
            .Count(n => n!["status"]?["conditions"]?.AsArray().Any(c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "True") == true);

    private static async Task<int> ReadyReplicas(HttpClient api) =>
        JsonNode.Parse(await api.GetStringAsync("/apis/apps/v1/namespaces/default/deployments/web"))!["status"]?["readyReplicas"]?.GetValue<int>() ?? 0;

    private static async Task<Dictionary<string, int>> RunningPodsPerWorker(HttpClient api) =>
        JsonNode.Parse(await api.GetStringAsync("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&fieldSelector=status.phase%3DRunning"))!["items"]!.AsArray()
            .Where(p => p!["metadata"]!["deletionTimestamp"] is null)
            .GroupBy(p => p!["spec"]!["nodeName"]!.GetValue<string>().Split("-node-")[0])
            .ToDictionary(g => g.Key, g => g.Count());

    private static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? poll = null, Func<string>? progress = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var report = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // 5xx or a timeout while the store moves.
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds:0} s: {what}{(progress is null ? "" : $" ({progress()})")}");
            }
            if (progress is not null && DateTime.UtcNow > report)
            {
                Progress(progress());
                report = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            }
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(500));
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
