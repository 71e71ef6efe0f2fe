using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Emulator.Cli;

namespace Emulator.Benchmarks;

/// <summary>
/// The network benchmark, through the real path: the cluster DNS answering UDP queries against a cluster of 1,000
/// Services (queries per second from one client, p50/p99 latency), and HTTP requests from the host through a NodePort
/// listener and the service proxy to an emulated pod's server, and how fast EndpointSlices follow a rollout of 1,000
/// pods (<see cref="MeasureEndpointSlicePropagation"/>).
/// </summary>
public static partial class NetworkBenchmarks
{
    private const int Runs = 3;

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var window = quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(5);
        Console.WriteLine($"Network benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {Runs} runs each{(quick ? " (quick mode)" : "")}");
        var rows = new List<Row>();
        var directory = Directory.CreateTempSubdirectory("emulator-network-bench-").FullName;
        try
        {
            Measure(Path.Combine(directory, "dns"), window, rows).GetAwaiter().GetResult();
            MeasureEndpointSlicePropagation(Path.Combine(directory, "slices"), quick ? 200 : 1000, rows).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        Table.Print("Network", rows);
        return 0;
    }

    private static async Task Measure(string directory, TimeSpan window, List<Row> rows)
    {
        await using var cluster = await ClusterHost.StartAsync(new ClusterHostOptions(directory, 0, Path.Combine(directory, "kubeconfig"), 1, 1.0, TimeSpan.Zero), CancellationToken.None);
        using var http = new HttpClient { BaseAddress = cluster.ApiAddress, Timeout = TimeSpan.FromMinutes(2) };
        for (var i = 0; i < 1000; i++)
        {
            await Post(http, "/api/v1/namespaces/default/services",
                $$$"""{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc-{{{i}}}"},"spec":{"selector":{"app":"svc-{{{i}}}"},"ports":[{"name":"http","port":80}]}}""");
        }
        await Post(http, "/api/v1/namespaces/default/pods",
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"containers":[{"name":"echo","image":"hashicorp/http-echo:1.0","args":["-text=hello"],"ports":[{"containerPort":5678}]}]}}""");
        await Post(http, "/api/v1/namespaces/default/services",
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"type":"NodePort","selector":{"app":"web"},"ports":[{"port":80,"targetPort":5678}]}}""");
        var dns = cluster.DnsAddress!;
        using var udp = new UdpClient();
        udp.Connect(dns);
        udp.Client.ReceiveTimeout = 2000;
        // The zone follows the Services: wait for the last one.
        var last = Query("svc-999.default.svc.cluster.local", 1);
        while (true)
        {
            udp.Send(last);
            var reply = udp.Receive(ref dns);
            if ((reply[3] & 0x0F) == 0 && reply[7] > 0)
            {
                break;
            }
            await Task.Delay(100);
        }
        var queries = Enumerable.Range(0, 1000).Select(i => Query($"svc-{i}.default.svc.cluster.local", (ushort)i)).ToArray();
        var qps = new double[Runs];
        var p50 = new double[Runs];
        var p99 = new double[Runs];
        for (var run = 0; run < Runs; run++)
        {
            var latencies = new List<double>();
            var clock = Stopwatch.StartNew();
            var n = 0;
            while (clock.Elapsed < window)
            {
                var started = clock.Elapsed;
                udp.Send(queries[n % queries.Length]);
                udp.Receive(ref dns);
                latencies.Add((clock.Elapsed - started).TotalMilliseconds);
                n++;
            }
            var sorted = latencies.Order().ToArray();
            (qps[run], p50[run], p99[run]) = (n / clock.Elapsed.TotalSeconds, Stats.Percentile(sorted, 0.5), Stats.Percentile(sorted, 0.99));
            Console.Error.WriteLine($"  DNS run {run + 1}: {Table.Format(qps[run])} queries/s, p50 {p50[run]:0.000} ms, p99 {p99[run]:0.000} ms");
        }
        rows.Add(new Row("DNS A queries/s over UDP, 1 client, 1,000 Services", "queries/s", qps, "CoreDNS: tens of thousands per core", true, null));
        rows.Add(new Row("DNS query latency p50", "ms", p50, "", false, null));
        rows.Add(new Row("DNS query latency p99", "ms", p99, "", false, null));

        var service = await http.GetStringAsync("/api/v1/namespaces/default/services/web");
        var nodePort = int.Parse(System.Text.RegularExpressions.Regex.Match(service, "\"nodePort\":(\\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{nodePort}/") };
        while (true)
        {
            try
            {
                if ((await client.GetStringAsync("/")) == "hello\n")
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        var rps = new double[Runs];
        for (var run = 0; run < Runs; run++)
        {
            var clock = Stopwatch.StartNew();
            var n = 0;
            while (clock.Elapsed < window)
            {
                await client.GetStringAsync("/");
                n++;
            }
            rps[run] = n / clock.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"  NodePort run {run + 1}: {Table.Format(rps[run])} requests/s");
        }
        rows.Add(new Row("NodePort HTTP requests/s from the host, 1 keep-alive client", "requests/s", rps, "", true, null));
    }

    private static async Task Post(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A DNS query message (RFC 1035): id, RD set, one question of type A (or <paramref name="type"/>), class IN.</summary>
    private static byte[] Query(string name, ushort id, ushort type = 1)
    {
        var bytes = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        return [.. bytes];
    }
}
