using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Emulator.Cli;

namespace Emulator.Benchmarks;

/// <summary>
/// The API benchmark, through the real path (HTTP → REST layer → API store → SQLite journal): creates per second and
/// their latency with 1 and 16 concurrent clients, <c>kubectl get pods</c> with 10,000 pods, watch delivery latency,
/// and the time a restarted cluster needs to recover 150,000 objects.
/// </summary>
public static class ApiBenchmarks
{
    private const int Runs = 3;

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var window = quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(5);
        var recoveryObjects = quick ? 30_000 : 150_000;
        Console.WriteLine($"API benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {Runs} runs each{(quick ? " (quick mode)" : "")}");
        var rows = new List<Row>();
        foreach (var clients in new[] { 1, 16 })
        {
            var rates = new double[Runs];
            var p50 = new double[Runs];
            var p99 = new double[Runs];
            for (var i = 0; i < Runs; i++)
            {
                (rates[i], p50[i], p99[i]) = WithCluster(c => Creates(c, clients, window)).GetAwaiter().GetResult();
                Console.Error.WriteLine($"  creates with {clients} client(s) run {i + 1}: {Table.Format(rates[i])}/s, p50 {p50[i]:0.00} ms, p99 {p99[i]:0.00} ms");
            }
            rows.Add(new Row($"creates/s, {clients} client(s)", "creates/s", rates, "", true, null));
            rows.Add(new Row($"create latency p50, {clients} client(s)", "ms", p50, "", false, null));
            rows.Add(new Row($"create latency p99, {clients} client(s)", "ms", p99, "<= 10", false, 10));
        }
        var kubectl = new double[Runs];
        var kubectlOneRequest = new double[Runs];
        var watch = new double[Runs];
        WithCluster(async c =>
        {
            await CreatePods(c, 10_000);
            for (var i = 0; i < Runs; i++)
            {
                kubectl[i] = await KubectlGetPods(c);
                kubectlOneRequest[i] = await KubectlGetPods(c, oneRequest: true);
                watch[i] = await WatchLatencyP99(c);
                Console.Error.WriteLine($"  kubectl get pods (10,000) run {i + 1}: {kubectl[i]:0.00} s, with --chunk-size=0 {kubectlOneRequest[i]:0.00} s; watch delivery p99 {watch[i]:0.00} ms");
            }
            return 0;
        }).GetAwaiter().GetResult();
        rows.Add(new Row("kubectl get pods, 10,000 pods in a namespace (20 pages, kubectl throttles)", "s", kubectl, "<= 1", false, 1));
        rows.Add(new Row("kubectl get pods --chunk-size=0, 10,000 pods", "s", kubectlOneRequest, "<= 1", false, 1));
        rows.Add(new Row("watch delivery latency p99", "ms", watch, "", false, null));
        var recovery = new double[Runs];
        for (var i = 0; i < Runs; i++)
        {
            recovery[i] = Recovery(recoveryObjects).GetAwaiter().GetResult();
            Console.Error.WriteLine($"  recovery of {recoveryObjects} objects run {i + 1}: {recovery[i]:0.00} s");
        }
        rows.Add(new Row($"recovery of {recoveryObjects / 1000}k objects", "s", recovery, "<= 5", false, 5));
        Table.Print("Kubernetes API", rows);
        return 0;
    }

    private static async Task<T> WithCluster<T>(Func<Client, Task<T>> body, string? state = null)
    {
        var directory = state ?? Directory.CreateTempSubdirectory("emulator-api-bench-").FullName;
        try
        {
            await using var cluster = await ClusterHost.StartAsync(new ClusterHostOptions(directory, 0, Path.Combine(directory, "kubeconfig"), Nodes: 0), CancellationToken.None);
            using var http = new HttpClient { BaseAddress = cluster.ApiAddress, Timeout = TimeSpan.FromMinutes(2) };
            return await body(new Client(http, Path.Combine(directory, "kubeconfig")));
        }
        finally
        {
            if (state is null)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private sealed record Client(HttpClient Http, string Kubeconfig)
    {
        public async Task Post(string path, JsonObject body)
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await Http.PostAsync(path, content);
            if ((int)response.StatusCode != 201)
            {
                throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    private static JsonObject ConfigMap(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject { ["key"] = "value" },
    };

    private static JsonObject Pod(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = "bench" } },
        // No scheduler picks these pods: the API benchmark measures the API and the store, not the cluster.
        ["spec"] = new JsonObject { ["schedulerName"] = "api-bench", ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx:1.25" }) },
    };

    private static async Task<(double Rate, double P50, double P99)> Creates(Client client, int clients, TimeSpan window)
    {
        var until = DateTime.UtcNow + window;
        var latencies = new List<double>[clients];
        var runtime = RuntimeCosts.Start();
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            latencies[c] = [];
            for (var n = 0; DateTime.UtcNow < until; n++)
            {
                var started = Stopwatch.GetTimestamp();
                await client.Post("/api/v1/namespaces/default/configmaps", ConfigMap($"c{c}-{n}"));
                latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        Console.Error.WriteLine($"    {runtime.Describe()}");
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return (all.Length / sw.Elapsed.TotalSeconds, all[all.Length / 2], all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))]);
    }

    private static async Task CreatePods(Client client, int count)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) <= count)
            {
                await client.Post("/api/v1/namespaces/default/pods", Pod($"pod-{n}"));
            }
        }));
    }

    /// <summary>
    /// Wall time of <c>kubectl get pods</c>. By default kubectl reads 500 items per request and its client throttles
    /// itself to 5 requests/s after a burst of 10, so 20 pages wait ~2 s in kubectl whatever the server does;
    /// <c>--chunk-size=0</c> reads the list in one request.
    /// </summary>
    private static async Task<double> KubectlGetPods(Client client, bool oneRequest = false)
    {
        var kubectl = Path.Combine(Path.GetDirectoryName(new FileInfo(Environment.GetEnvironmentVariable("PATH")!.Split(':')
            .Select(p => Path.Combine(p, "kubectl")).First(File.Exists)).ResolveLinkTarget(true)?.FullName ?? "kubectl")!, "kubectl.1.33");
        var home = Directory.CreateTempSubdirectory("emulator-kubectl-home-").FullName;
        try
        {
            var info = new ProcessStartInfo(kubectl, oneRequest
                ? ["--kubeconfig", client.Kubeconfig, "get", "pods", "-n", "default", "--chunk-size=0"]
                : ["--kubeconfig", client.Kubeconfig, "get", "pods", "-n", "default"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            info.Environment["HOME"] = home;
            // Warm the discovery cache first, as a user's second command would.
            using (var warm = Process.Start(new ProcessStartInfo(kubectl, ["--kubeconfig", client.Kubeconfig, "get", "ns"]) { RedirectStandardOutput = true, Environment = { ["HOME"] = home } })!)
            {
                await warm.StandardOutput.ReadToEndAsync();
                await warm.WaitForExitAsync();
            }
            var sw = Stopwatch.StartNew();
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            var elapsed = sw.Elapsed.TotalSeconds;
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            if (process.ExitCode != 0 || lines != 10_001)
            {
                throw new InvalidOperationException($"kubectl get pods printed {lines} lines (exit {process.ExitCode}): {await process.StandardError.ReadToEndAsync()}");
            }
            return elapsed;
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static async Task<double> WatchLatencyP99(Client client)
    {
        var list = JsonNode.Parse(await client.Http.GetStringAsync("/api/v1/namespaces/default/configmaps?limit=1"))!;
        var rv = list["metadata"]!["resourceVersion"]!.GetValue<string>();
        using var cancel = new CancellationTokenSource();
        await using var stream = await client.Http.GetStreamAsync($"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}", cancel.Token);
        using var reader = new StreamReader(stream);
        var latencies = new List<double>();
        var prefix = "w" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 200; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var post = client.Post("/api/v1/namespaces/default/configmaps", ConfigMap($"{prefix}-{i}"));
            string? line;
            do
            {
                line = await reader.ReadLineAsync(cancel.Token);
            }
            while (line is not null && !line.Contains($"\"{prefix}-{i}\"", StringComparison.Ordinal));
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await post;
        }
        cancel.Cancel();
        var sorted = latencies.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))];
    }

    private static async Task<double> Recovery(int objects)
    {
        var state = Directory.CreateTempSubdirectory("emulator-recovery-bench-").FullName;
        try
        {
            await WithCluster(async client =>
            {
                var next = 0;
                await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
                {
                    int n;
                    while ((n = Interlocked.Increment(ref next)) <= objects)
                    {
                        await client.Post("/api/v1/namespaces/default/configmaps", ConfigMap($"r-{n}"));
                    }
                }));
                return 0;
            }, state);
            var sw = Stopwatch.StartNew();
            return await WithCluster(async client =>
            {
                // The first answer comes once the store has recovered (commands wait for recovery).
                var list = JsonNode.Parse(await client.Http.GetStringAsync("/api/v1/namespaces/default/configmaps?limit=1"))!;
                var elapsed = sw.Elapsed.TotalSeconds;
                if (list["items"]!.AsArray().Count != 1)
                {
                    throw new InvalidOperationException("recovered store is empty");
                }
                return elapsed;
            }, state);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
