using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Emulator.Api.Discovery;
using Emulator.ControlPlane.Metrics;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Runtime;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;
using Emulator.Runtime.Time;

namespace Emulator.Api.Tests;

/// <summary>
/// An API server with a metrics server whose kubelets the fixture plays: node-1 runs web-1 (two containers) and web-2,
/// node-2 runs db-1 in namespace data, node-3 cannot be scraped; pod idle-1 exists but no kubelet reports it.
/// </summary>
public sealed class MetricsApiFixture : IAsyncLifetime
{
    private ActorSystem _system = null!;
    private ApiServer _server = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Plays the kubelets: fixed usage, containers running for ten minutes.</summary>
    private sealed class PlayedKubelets : UntypedActor
    {
        private readonly IEmulatedClock _clock = EmulatedTime.Get(Context.System).Clock;

        protected override void OnReceive(object message)
        {
            if (message is not ReadNodeUsage read)
            {
                return;
            }
            var started = _clock.UtcNow - TimeSpan.FromMinutes(10);
            var pods = read.NodeName switch
            {
                "node-1" => new List<PodUsage>
                {
                    new("default", "web-1", "u1", [new ContainerUsage("app", started, 250_000_000, 200 * 1024 * 1024), new ContainerUsage("sidecar", started, 5_000_000, 10 * 1024 * 1024)]),
                    new("default", "web-2", "u2", [new ContainerUsage("app", started, 1_500_000_000, 1024 * 1024 * 1024)]),
                },
                "node-2" => [new("data", "db-1", "u3", [new ContainerUsage("db", started, 123_456_789, 1_000_000)])],
                _ => null,
            };
            if (pods is null)
            {
                Sender.Tell(new NodeUsageUnavailable(read.NodeName, "node is stopped") { Correlation = read.Correlation });
                return;
            }
            Sender.Tell(new NodeUsage(read.NodeName, _clock.UtcNow, 100_000_000 + pods.Sum(p => p.Containers.Sum(c => c.CpuNanoCores)), 512L * 1024 * 1024, pods) { Correlation = read.Correlation });
        }
    }

    public async Task InitializeAsync()
    {
        _system = ActorSystem.Create("metrics-api-test", EmulatedTime.ScaledConfig(1.0)
            .WithFallback(JournalSettings.InMemory())
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING"))
            .WithFallback(RuntimeConfig.Defaults));
        StoreSerialization.Register(EventSerialization.Get(_system).Manifests);
        var hub = _system.ActorOf(Props.Create(() => new WatchHub(1000)), "watch-hub");
        var store = _system.ActorOf(Props.Create(() => new ApiStore(AdmitAll.Instance, hub, 1000)), "api-store");
        var kubelets = _system.ActorOf(Props.Create(() => new PlayedKubelets()), "kubelets");
        var metrics = _system.ActorOf(Props.Create(() => new MetricsServer(store, kubelets, null)), "metrics-server");
        _server = await ApiServer.StartAsync(_system, store, hub, ApiResourceCatalog.Default, new ApiServerOptions { Port = 0, Metrics = metrics });
        Client = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(30) };
        foreach (var (node, zone) in new[] { ("node-1", "a"), ("node-2", "b"), ("node-3", "b") })
        {
            await Create("/api/v1/nodes", $$$$"""{"apiVersion":"v1","kind":"Node","metadata":{"name":"{{{{node}}}}","labels":{"zone":"{{{{zone}}}}"}}}""");
        }
        await Create("/api/v1/namespaces", """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"data"}}""");
        foreach (var (ns, pod, app) in new[] { ("default", "web-1", "web"), ("default", "web-2", "web"), ("data", "db-1", "db"), ("default", "idle-1", "idle") })
        {
            await Create($"/api/v1/namespaces/{ns}/pods", $$$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{{pod}}}}","labels":{"app":"{{{{app}}}}"}},"spec":{"containers":[{"name":"app","image":"nginx"}]}}""");
        }
    }

    private async Task Create(string path, string json)
    {
        using var response = await Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await _server.DisposeAsync();
        await _system.Terminate();
    }

    public async Task<(int Status, JsonObject Body)> Get(string path, string? accept = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        }
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }
}

/// <summary>The resource metrics API as kubectl top reads it, and how metrics-server answers what it has no metrics for.</summary>
public sealed class MetricsApiTests(MetricsApiFixture api) : IClassFixture<MetricsApiFixture>
{
    private static string[] Names(JsonObject list) =>
        list["items"]!.AsArray().Select(i => $"{i!["metadata"]!["namespace"]?.GetValue<string>()}/{i["metadata"]!["name"]!.GetValue<string>()}".TrimStart('/')).ToArray();

    [Fact]
    public async Task Discovery_lists_the_group_and_its_two_read_only_resources()
    {
        var (_, groups) = await api.Get("/apis");
        var group = groups["groups"]!.AsArray().Single(g => g!["name"]!.GetValue<string>() == "metrics.k8s.io")!;
        Assert.Equal("""{"name":"metrics.k8s.io","versions":[{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}],"preferredVersion":{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}}""", group.ToJsonString());
        var (status, resources) = await api.Get("/apis/metrics.k8s.io/v1beta1");
        Assert.Equal(200, status);
        Assert.Equal(
            """{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"metrics.k8s.io/v1beta1","resources":[{"name":"nodes","singularName":"","namespaced":false,"kind":"NodeMetrics","verbs":["get","list"]},{"name":"pods","singularName":"","namespaced":true,"kind":"PodMetrics","verbs":["get","list"]}]}""",
            resources.ToJsonString());
    }

    [Fact]
    public async Task Node_metrics_list_the_scraped_nodes_with_their_labels_and_usage()
    {
        var (status, list) = await api.Get("/apis/metrics.k8s.io/v1beta1/nodes");
        Assert.Equal(200, status);
        Assert.Equal(("NodeMetricsList", "metrics.k8s.io/v1beta1"), (list["kind"]!.GetValue<string>(), list["apiVersion"]!.GetValue<string>()));
        // node-3 could not be scraped: left out.
        Assert.Equal(["node-1", "node-2"], Names(list));
        var node = list["items"]![0]!.AsObject();
        Assert.Equal("""{"zone":"a"}""", node["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal("""{"cpu":"1855m","memory":"512Mi"}""", node["usage"]!.ToJsonString());
        Assert.Equal("15s", node["window"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", node["timestamp"]!.GetValue<string>());

        var (_, selected) = await api.Get("/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Db");
        Assert.Equal(["node-2"], Names(selected));
        var (ok, one) = await api.Get("/apis/metrics.k8s.io/v1beta1/nodes/node-2");
        Assert.Equal(200, ok);
        Assert.Equal(("NodeMetrics", "node-2", "223456789n"), (one["kind"]!.GetValue<string>(), one["metadata"]!["name"]!.GetValue<string>(), one["usage"]!["cpu"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_node_without_metrics_or_unknown_is_not_found_in_metrics_server_words()
    {
        var (status, missing) = await api.Get("/apis/metrics.k8s.io/v1beta1/nodes/node-3");
        Assert.Equal(404, status);
        Assert.Equal("nodemetrics.metrics.k8s.io \"node-3\" not found", missing["message"]!.GetValue<string>());
        var (_, unknown) = await api.Get("/apis/metrics.k8s.io/v1beta1/nodes/node-9");
        Assert.Equal("node \"node-9\" not found", unknown["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pod_metrics_list_by_namespace_every_namespace_and_selectors()
    {
        var (status, list) = await api.Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods");
        Assert.Equal(200, status);
        Assert.Equal("PodMetricsList", list["kind"]!.GetValue<string>());
        // idle-1 has no metrics.
        Assert.Equal(["default/web-1", "default/web-2"], Names(list));
        var web1 = list["items"]![0]!.AsObject();
        Assert.Equal("""[{"name":"app","usage":{"cpu":"250m","memory":"200Mi"}},{"name":"sidecar","usage":{"cpu":"5m","memory":"10Mi"}}]""", web1["containers"]!.ToJsonString());
        Assert.Equal("""{"app":"web"}""", web1["metadata"]!["labels"]!.ToJsonString());

        Assert.Equal(["data/db-1", "default/web-1", "default/web-2"], Names((await api.Get("/apis/metrics.k8s.io/v1beta1/pods")).Body));
        Assert.Equal(["data/db-1"], Names((await api.Get("/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Ddb")).Body));
        Assert.Equal(["default/web-2"], Names((await api.Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb-2")).Body));
        var (_, db) = await api.Get("/apis/metrics.k8s.io/v1beta1/namespaces/data/pods/db-1");
        Assert.Equal(("PodMetrics", "data"), (db["kind"]!.GetValue<string>(), db["metadata"]!["namespace"]!.GetValue<string>()));
        Assert.Equal("""{"cpu":"123456789n","memory":"1000000"}""", db["containers"]![0]!["usage"]!.ToJsonString());
    }

    [Fact]
    public async Task A_pod_without_metrics_or_unknown_is_not_found_in_metrics_server_words()
    {
        var (status, missing) = await api.Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/idle-1");
        Assert.Equal(404, status);
        Assert.Equal("podmetrics.metrics.k8s.io \"default/idle-1\" not found", missing["message"]!.GetValue<string>());
        var (_, unknown) = await api.Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope");
        Assert.Equal("pods \"nope\" not found", unknown["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_table_sums_a_pods_containers_as_metrics_server_prints_it()
    {
        var (_, table) = await api.Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", "application/json;as=Table;v=v1;g=meta.k8s.io");
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        Assert.Equal(["Name", "cpu", "memory", "Window"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("""["web-1","255m","210Mi","15s"]""", table["rows"]![0]!["cells"]!.ToJsonString());
    }

    [Fact]
    public async Task Nothing_is_written_or_watched()
    {
        var (watch, status) = await api.Get("/apis/metrics.k8s.io/v1beta1/pods?watch=true");
        Assert.Equal(405, watch);
        Assert.Equal(("MethodNotAllowed", "the server does not allow this method on the requested resource"), (status["reason"]!.GetValue<string>(), status["message"]!.GetValue<string>()));
        Assert.Equal(405, (await api.Get("/apis/metrics.k8s.io/v1beta1/nodes/node-1", method: HttpMethod.Delete)).Status);
        Assert.Equal(404, (await api.Get("/apis/metrics.k8s.io/v1beta1/services")).Status);
    }
}
