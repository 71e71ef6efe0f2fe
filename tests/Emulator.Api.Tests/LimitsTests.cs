using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Emulator.Api.Discovery;
using Emulator.ControlPlane.Store;
using Emulator.Runtime;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;
using Emulator.Runtime.Time;

namespace Emulator.Api.Tests;

/// <summary>
/// The API server's limits, as Kubernetes has them: body size (413), object size (etcd's 500), the request timeout on
/// a body that never finishes (504), max-in-flight (429) and a bound on open watches. Each test runs its own server
/// (real time: HTTP runs on it) with the limits it needs.
/// </summary>
[Collection(nameof(AloneCollection))]
public sealed class LimitsTests : IAsyncLifetime
{
    private ActorSystem _system = null!;
    private IActorRef _store = null!;
    private IActorRef _hub = null!;
    private ApiServer? _server;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("limits-test", EmulatedTime.ScaledConfig(1.0)
            .WithFallback(JournalSettings.InMemory())
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = ERROR"))
            .WithFallback(RuntimeConfig.Defaults));
        StoreSerialization.Register(EventSerialization.Get(_system).Manifests);
        _hub = _system.ActorOf(Props.Create(() => new WatchHub(1000)), "watch-hub");
        _store = _system.ActorOf(Props.Create(() => new ApiStore(AdmitAll.Instance, _hub, 1000)), "api-store");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        await _system.Terminate();
    }

    private async Task Start(ApiServerOptions? options = null)
    {
        _server = await ApiServer.StartAsync(_system, _store, _hub, ApiResourceCatalog.Default, (options ?? new ApiServerOptions()) with { Port = 0 });
        _client = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    private static JsonObject ConfigMap(string name, int dataBytes = 1) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject { ["k"] = new string('x', dataBytes) },
    };

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> Post(string path, HttpContent content)
    {
        var response = await _client.PostAsync(path, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_body_over_3_MiB_is_a_413_with_the_api_servers_status_whether_its_length_is_announced_or_not()
    {
        await Start();
        var limit = new ApiServerOptions().MaxRequestBytes;
        Assert.Equal(3145728, limit);
        var expected = """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","code":413}""";
        var body = Encoding.UTF8.GetBytes(ConfigMap("big", (int)limit).ToJsonString());

        // With a Content-Length (Kestrel refuses it on the first read). The client waits for 100-continue, as
        // kubectl's transport does not but a test must: a server that answers before reading a 3 MiB body closes
        // the connection under the client's feet otherwise, and the client sees a broken pipe instead of the 413.
        var announced = new ByteArrayContent(body);
        announced.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var announcedRequest = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces/default/configmaps") { Content = announced };
        announcedRequest.Headers.ExpectContinue = true;
        using var announcedResponse = await _client.SendAsync(announcedRequest);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, announcedResponse.StatusCode);
        Assert.Equal(expected, await announcedResponse.Content.ReadAsStringAsync());

        // Chunked, no length: counted while read.
        var chunked = new StreamContent(new MemoryStream(body));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces/default/configmaps") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/namespaces/default/configmaps/big")).StatusCode);
    }

    [Fact]
    public async Task An_object_over_etcds_limit_is_the_api_servers_500_and_one_under_it_is_stored()
    {
        await Start();
        var (status, text, _) = await Post("/api/v1/namespaces/default/configmaps", Json(ConfigMap("huge", 2 * 1024 * 1024)));
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"etcdserver: request is too large","code":500}""", text);

        var (fits, _, _) = await Post("/api/v1/namespaces/default/configmaps", Json(ConfigMap("fits", 1024 * 1024)));
        Assert.Equal(HttpStatusCode.Created, fits);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/namespaces/default/configmaps/huge")).StatusCode);
    }

    /// <summary>Opens a connection and sends a POST whose body stops after its first bytes.</summary>
    private async Task<TcpClient> StalledPost(string path)
    {
        var socket = new TcpClient();
        await socket.ConnectAsync(_server!.Address.Host, _server.Address.Port);
        var body = ConfigMap("slow").ToJsonString();
        var head = $"POST {path} HTTP/1.1\r\nHost: {_server.Address.Authority}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + body[..10]));
        await stream.FlushAsync();
        return socket;
    }

    private static async Task<string> ReadResponse(TcpClient socket, TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        var stream = socket.GetStream();
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var read = await stream.ReadAsync(buffer, deadline.Token);
            if (read == 0)
            {
                break;
            }
            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var text = received.ToString();
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 && text.Contains("\"code\":", StringComparison.Ordinal) && text.TrimEnd().EndsWith('}'))
            {
                break;
            }
        }
        return received.ToString();
    }

    [Fact]
    public async Task A_body_that_never_finishes_times_out_with_a_504_and_holds_no_store_slot()
    {
        await Start(new ApiServerOptions { RequestTimeout = TimeSpan.FromSeconds(1.5) });
        using var stalled = await StalledPost("/api/v1/namespaces/default/configmaps");

        // Meanwhile the store serves everyone else.
        var (created, _, _) = await Post("/api/v1/namespaces/default/configmaps", Json(ConfigMap("meanwhile")));
        Assert.Equal(HttpStatusCode.Created, created);

        var answer = await ReadResponse(stalled, TimeSpan.FromSeconds(15));
        Assert.StartsWith("HTTP/1.1 504", answer, StringComparison.Ordinal);
        // The body (chunked or not): the Status object.
        var status = answer[answer.IndexOf('{', StringComparison.Ordinal)..(answer.LastIndexOf('}') + 1)];
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Timeout: request did not complete within the allotted timeout","reason":"Timeout","details":{},"code":504}""", status.Trim());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/namespaces/default/configmaps/slow")).StatusCode);
    }

    [Fact]
    public async Task Writes_beyond_max_mutating_in_flight_get_the_api_servers_429_until_a_slot_frees()
    {
        await Start(new ApiServerOptions { MaxMutatingRequestsInFlight = 1, RequestTimeout = TimeSpan.FromSeconds(8) });
        using var stalled = await StalledPost("/api/v1/namespaces/default/configmaps");
        // The stalled write holds the only mutating slot once the server has its headers: the server's own gauge says
        // when (on a loaded machine that can take a while; its timeout leaves room for the refusal after that).
        await MutatingInFlight(1);
        var (status, text, refused) = await Post("/api/v1/namespaces/default/configmaps", Json(ConfigMap("refused")));
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("Too many requests, please try again later.\n", text);
        Assert.Equal("1", refused!.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Reads have their own limit.
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/v1/namespaces/default/configmaps")).StatusCode);

        Assert.StartsWith("HTTP/1.1 504", await ReadResponse(stalled, TimeSpan.FromSeconds(15)), StringComparison.Ordinal);
        await MutatingInFlight(0);
        var (after, _, _) = await Post("/api/v1/namespaces/default/configmaps", Json(ConfigMap("after")));
        Assert.Equal(HttpStatusCode.Created, after);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/namespaces/default/configmaps/refused")).StatusCode);
    }

    /// <summary>Waits until the server's <c>/metrics</c> shows <paramref name="expected"/> writes in flight.</summary>
    private async Task MutatingInFlight(int expected)
    {
        var line = $"apiserver_current_inflight_requests{{request_kind=\"mutating\"}} {expected}\n";
        var waited = System.Diagnostics.Stopwatch.StartNew();
        string metrics;
        do
        {
            metrics = await _client.GetStringAsync("/metrics");
            if (metrics.Contains(line, StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(10);
        }
        while (waited.Elapsed < TimeSpan.FromSeconds(60));
        Assert.Fail($"never {expected} writes in flight:\n{metrics}");
    }

    [Fact]
    public async Task Metrics_count_the_requests_in_flight_by_kind_including_the_one_reading_them()
    {
        await Start();
        var metrics = await _client.GetStringAsync("/metrics");
        Assert.Contains("# TYPE apiserver_current_inflight_requests gauge\n", metrics, StringComparison.Ordinal);
        Assert.Contains("apiserver_current_inflight_requests{request_kind=\"mutating\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("apiserver_current_inflight_requests{request_kind=\"readOnly\"} 1\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watches_beyond_the_bound_get_a_429_and_a_closed_watch_frees_its_slot()
    {
        await Start(new ApiServerOptions { MaxWatches = 2 });
        async Task<HttpResponseMessage> Watch() =>
            await _client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces/default/configmaps?watch=true"), HttpCompletionOption.ResponseHeadersRead);

        using var first = await Watch();
        using var second = await Watch();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        using (var third = await Watch())
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            Assert.Equal("Too many requests, please try again later.\n", await third.Content.ReadAsStringAsync());
        }
        // Watches are long-running: they do not count against the read-only limit.
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/v1/namespaces/default/configmaps")).StatusCode);

        first.Dispose();
        HttpStatusCode again = default;
        // The server learns of the closed connection when its socket does: on a busy machine that can take a while.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (again != HttpStatusCode.OK && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var retry = await Watch();
            again = retry.StatusCode;
            if (again != HttpStatusCode.OK)
            {
                await Task.Delay(20);
            }
        }
        Assert.Equal(HttpStatusCode.OK, again);
    }
}

/// <summary>
/// Tests that time a real server against stalled clients: run with no other test class beside them, whose load could
/// delay the stalled request past the time the test allows it.
/// </summary>
[CollectionDefinition(nameof(AloneCollection), DisableParallelization = true)]
public sealed class AloneCollection;
