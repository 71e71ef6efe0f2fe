using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Emulator.Cli;

namespace Emulator.Benchmarks;

public static partial class NetworkBenchmarks
{
    /// <summary>
    /// EndpointSlice propagation after a rollout, seen as a client sees it: a Service in front of a Deployment of
    /// <paramref name="replicas"/> pods on 10 nodes; each run patches the pod template, then watches pods and the
    /// Service's EndpointSlices through the API. Per pod, the lag from the watch showing it Ready to a slice listing it
    /// ready; per run, the time until the slices list exactly the new pods, all ready (the moment traffic no longer
    /// reaches an old pod).
    /// </summary>
    private static async Task MeasureEndpointSlicePropagation(string directory, int replicas, List<Row> rows)
    {
        await using var cluster = await ClusterHost.StartAsync(new ClusterHostOptions(directory, 0, Path.Combine(directory, "kubeconfig"), 10, 1.0, TimeSpan.Zero), CancellationToken.None);
        using var http = new HttpClient { BaseAddress = cluster.ApiAddress, Timeout = Timeout.InfiniteTimeSpan };
        await Post(http, "/api/v1/namespaces/default/services",
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80,"targetPort":5678}]}}""");
        await Post(http, "/apis/apps/v1/namespaces/default/deployments",
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":REPLICAS,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"echo","image":"hashicorp/http-echo:1.0","args":["-text=hello"],"ports":[{"containerPort":5678}]}]}}}}""".Replace("REPLICAS", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        using var watches = new CancellationTokenSource();
        var view = new EndpointView();
        var podWatch = Watch(http, "/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dweb", view.OnPod, watches.Token);
        var sliceWatch = Watch(http, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?watch=1&labelSelector=kubernetes.io%2Fservice-name%3Dweb", view.OnSlice, watches.Token);
        try
        {
            var settle = Stopwatch.StartNew();
            await view.WaitUntil(ready => ready.Count == replicas, TimeSpan.FromMinutes(5));
            Console.Error.WriteLine($"  {replicas} pods ready in the slices after {settle.Elapsed.TotalSeconds:0.0} s");
            var total = new double[Runs];
            var lagP50 = new double[Runs];
            var lagP99 = new double[Runs];
            for (var run = 0; run < Runs; run++)
            {
                var old = view.ReadyEndpoints();
                var clock = Stopwatch.StartNew();
                view.StartRun(clock);
                using (var patch = new StringContent("""{"spec":{"template":{"metadata":{"annotations":{"bench/rollout":"RUN"}}}}}""".Replace("RUN", $"{run}", StringComparison.Ordinal), Encoding.UTF8, "application/strategic-merge-patch+json"))
                using (var response = await http.PatchAsync("/apis/apps/v1/namespaces/default/deployments/web", patch))
                {
                    response.EnsureSuccessStatusCode();
                }
                await view.WaitUntil(ready => ready.Count == replicas && !ready.Overlaps(old), TimeSpan.FromMinutes(10));
                total[run] = clock.Elapsed.TotalSeconds;
                var lags = view.Lags(old).Order().ToArray();
                (lagP50[run], lagP99[run]) = (Stats.Percentile(lags, 0.5), Stats.Percentile(lags, 0.99));
                Console.Error.WriteLine($"  rollout {run + 1}: slices list only the {replicas} new pods after {total[run]:0.00} s; pod Ready → slice lag p50 {lagP50[run]:0.0} ms, p99 {lagP99[run]:0.0} ms ({lags.Length} pods)");
            }
            rows.Add(new Row($"rollout of {replicas:N0} pods: until the EndpointSlices list only new, ready pods", "s", total, "", false, null));
            rows.Add(new Row("EndpointSlice lag after a pod is Ready, p50", "ms", lagP50, "", false, null));
            rows.Add(new Row("EndpointSlice lag after a pod is Ready, p99", "ms", lagP99, "", false, null));
        }
        finally
        {
            await watches.CancelAsync();
            await Task.WhenAll(podWatch, sliceWatch).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Reads a watch stream, one JSON event per line, until cancelled.</summary>
    private static async Task Watch(HttpClient http, string path, Action<string, JsonNode> onEvent, CancellationToken cancel)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancel);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel));
        while (await reader.ReadLineAsync(cancel) is { } line)
        {
            var watchEvent = JsonNode.Parse(line)!;
            if ((string?)watchEvent["type"] is "ADDED" or "MODIFIED" or "DELETED")
            {
                onEvent((string)watchEvent["type"]!, watchEvent["object"]!);
            }
        }
    }

    /// <summary>What the two watches have seen: when each pod turned Ready and when a slice first listed it ready.</summary>
    private sealed class EndpointView
    {
        private readonly ConcurrentDictionary<string, HashSet<string>> _slices = new();
        private readonly ConcurrentDictionary<string, double> _podReady = new();
        private readonly ConcurrentDictionary<string, double> _endpointReady = new();
        private Stopwatch _clock = Stopwatch.StartNew();

        public void StartRun(Stopwatch clock)
        {
            _clock = clock;
            _podReady.Clear();
            _endpointReady.Clear();
        }

        public void OnPod(string type, JsonNode pod)
        {
            var ready = type != "DELETED" && pod["status"]?["conditions"]?.AsArray()
                .Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True") == true;
            if (ready)
            {
                _podReady.TryAdd((string)pod["metadata"]!["name"]!, _clock.Elapsed.TotalMilliseconds);
            }
        }

        public void OnSlice(string type, JsonNode slice)
        {
            if (type == "DELETED")
            {
                _slices.TryRemove((string)slice["metadata"]!["name"]!, out _);
                return;
            }
            var now = _clock.Elapsed.TotalMilliseconds;
            var ready = new HashSet<string>();
            foreach (var endpoint in slice["endpoints"]?.AsArray() ?? [])
            {
                if ((bool?)endpoint?["conditions"]?["ready"] == true && (string?)endpoint["targetRef"]?["name"] is { } pod)
                {
                    ready.Add(pod);
                    _endpointReady.TryAdd(pod, now);
                }
            }
            _slices[(string)slice["metadata"]!["name"]!] = ready;
        }

        public HashSet<string> ReadyEndpoints() => [.. _slices.Values.ToArray().SelectMany(s => s)];

        /// <summary>Milliseconds from a new pod's Ready to its ready endpoint, for the pods of this run.</summary>
        public IEnumerable<double> Lags(HashSet<string> old) =>
            _endpointReady.Where(e => !old.Contains(e.Key) && _podReady.ContainsKey(e.Key)).Select(e => Math.Max(0, e.Value - _podReady[e.Key]));

        public async Task WaitUntil(Func<HashSet<string>, bool> condition, TimeSpan timeout)
        {
            var limit = Stopwatch.StartNew();
            while (!condition(ReadyEndpoints()))
            {
                if (limit.Elapsed > timeout)
                {
                    throw new TimeoutException($"the EndpointSlices list {ReadyEndpoints().Count} ready pods after {timeout}");
                }
                await Task.Delay(10);
            }
        }
    }
}
