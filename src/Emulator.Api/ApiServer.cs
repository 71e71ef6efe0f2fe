using System.Net;
using Akka.Actor;
using Emulator.Api.Admission;
using Emulator.Api.Authorization;
using Emulator.Api.Discovery;
using Emulator.Api.Metrics;
using Emulator.Api.OpenApi;
using Emulator.Api.Resources;
using Emulator.ControlPlane.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Emulator.Api;

/// <summary>Settings of the API server.</summary>
public sealed record ApiServerOptions
{
    /// <summary>
    /// Address to bind: loopback unless told otherwise (the API asks for no credentials). Only a container, whose
    /// network namespace is its own and whose port is published on the host's loopback, listens on 0.0.0.0.
    /// </summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>Port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Largest request body accepted (the API server's limit is 3 MiB).</summary>
    public long MaxRequestBytes { get; init; } = 3 * 1024 * 1024;

    /// <summary>How long a request waits for the store.</summary>
    public TimeSpan StoreTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The API server's <c>--request-timeout</c> (60 s): a request body not fully arrived by then (a slow or stalled
    /// client) is answered <c>504 Timeout</c>. Watches and followed logs are long-running and exempt.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The API server's <c>--max-requests-inflight</c> (400): read-only requests served at once; more get a 429.</summary>
    public int MaxRequestsInFlight { get; init; } = 400;

    /// <summary>The API server's <c>--max-mutating-requests-inflight</c> (200): writes served at once; more get a 429.</summary>
    public int MaxMutatingRequestsInFlight { get; init; } = 200;

    /// <summary>
    /// Watches open at once; more get the 429 of max-in-flight. (Kubernetes exempts long-running requests from
    /// max-in-flight; each watch here holds a relay actor and a buffer, so the emulator bounds them too.)
    /// </summary>
    public int MaxWatches { get; init; } = 10_000;

    /// <summary>
    /// The actor hosting this process's emulated nodes (answers container logs and node stop/start); null when the
    /// process runs no nodes, and then logs are refused and the management endpoint answers 404.
    /// </summary>
    public IActorRef? Nodes { get; init; }

    /// <summary>
    /// The metrics server the resource metrics API (<c>metrics.k8s.io</c>) reads; null when none runs, and then the group
    /// is not served (<c>kubectl top</c> says the Metrics API is not available, as on a cluster without metrics-server).
    /// </summary>
    public IActorRef? Metrics { get; init; }

    /// <summary>
    /// The service account token issuer (<c>serviceaccounts/token</c>, TokenReview): the cluster's kept key, so tokens
    /// survive restarts; null signs with a key of this process's own.
    /// </summary>
    public ControlPlane.ServiceAccount.ServiceAccountTokenIssuer? ServiceAccountTokens { get; init; }
}

/// <summary>
/// The Kubernetes REST API on Kestrel: discovery, OpenAPI placeholders, and CRUD/watch for every catalogued resource,
/// backed by the API store actor and the watch hub.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private readonly Action _stopDiscovery;

    private ApiServer(WebApplication app, Uri address, Action stopDiscovery)
    {
        _app = app;
        Address = address;
        _stopDiscovery = stopDiscovery;
    }

    /// <summary>
    /// The address the server listens on (<c>http://127.0.0.1:PORT</c>); bound to every interface, its loopback
    /// address (where a client in the same network namespace reaches it).
    /// </summary>
    public Uri Address { get; }

    /// <summary>Starts the server.</summary>
    public static async Task<ApiServer> StartAsync(ActorSystem system, IActorRef store, IActorRef watchHub, ApiResourceCatalog catalog, ApiServerOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(options.Address, options.Port);
            k.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            // Kubernetes has no minimum body data rate: a slow body runs into the request timeout (a 504 Status)
            // rather than Kestrel's 408 after 5 s.
            k.Limits.MinRequestBodyDataRate = null;
            // Warnings quote field names from the request, which may be any text: sent as UTF-8, as Go's server does.
            k.ResponseHeaderEncodingSelector = _ => System.Text.Encoding.UTF8;
        });
        var app = builder.Build();
        // This server's own catalog: the built-in resources and what the stored CRDs define, listed before serving.
        catalog = catalog.WithoutCustomResources();
        var synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var discovery = system.ActorOf(Props.Create(() => new CustomResourceDiscovery(store, watchHub, catalog, synced)));
        await synced.Task.WaitAsync(options.StoreTimeout).ConfigureAwait(false);
        // The webhook configurations, kept by list and watch rather than read from the store on every write.
        var webhookConfigurations = new WebhookConfigurations();
        var webhookInformer = system.ActorOf(Props.Create(() => new WebhookConfigurationInformer(store, watchHub, webhookConfigurations)));
        var handler = new ResourceHandler(system, store, watchHub, catalog, options, webhookConfigurations);
        var openApi = new OpenApiV3(catalog, OpenApiSchemas.Default);
        var openApiV2 = new OpenApiV2(catalog, openApi, TimeProvider.System);
        var management = new NodeManagement(options);
        var inFlight = new InFlightLimits(options);
        var authorization = new RequestAuthorization(new RbacPolicyReader(store, options.StoreTimeout));
        var metrics = options.Metrics is { } metricsServer ? new MetricsApi(store, metricsServer, options) : null;
        // exec, attach and port-forward upgrade to WebSocket (kubectl 1.30+); kubectl pings, the server answers.
        app.UseWebSockets();
        app.Run(context => Limited(context, options, inFlight, async () =>
        {
            if (await handler.Authenticate(context).ConfigureAwait(false) && await authorization.Authorize(context).ConfigureAwait(false))
            {
                await Route(context, catalog, openApi, openApiV2, handler, management, metrics, inFlight).ConfigureAwait(false);
            }
        }));
        await app.StartAsync().ConfigureAwait(false);
        var address = new Uri(app.Urls.First());
        if (options.Address.Equals(IPAddress.Any) || options.Address.Equals(IPAddress.IPv6Any))
        {
            address = new UriBuilder(address) { Host = options.Address.Equals(IPAddress.Any) ? "127.0.0.1" : "[::1]" }.Uri;
        }
        return new ApiServer(app, address, () =>
        {
            system.Stop(discovery);
            system.Stop(webhookInformer);
        });
    }

    /// <summary>
    /// The API server's filters before a handler: max-in-flight (429, its plain-text answer and <c>Retry-After: 1</c>)
    /// and, for requests that are not long-running, the request deadline on the body (a body still arriving at the
    /// deadline fails the request with a 504; the store is only asked once the body is in, so a stalled client never
    /// holds a store slot).
    /// </summary>
    private static async Task Limited(HttpContext context, ApiServerOptions options, InFlightLimits inFlight, Func<Task> next)
    {
        var kind = InFlightLimits.Classify(context.Request);
        if (!inFlight.TryEnter(kind))
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "1";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("Too many requests, please try again later.\n").ConfigureAwait(false);
            return;
        }
        try
        {
            if (kind != RequestKind.LongRunning)
            {
                context.Request.Body = new DeadlineBody(context.Request.Body, options.RequestTimeout, options.MaxRequestBytes);
            }
            await next().ConfigureAwait(false);
        }
        finally
        {
            inFlight.Exit(kind);
        }
    }

    private static Task Route(HttpContext context, ApiResourceCatalog catalog, OpenApiV3 openApi, OpenApiV2 openApiV2, ResourceHandler handler, NodeManagement management, MetricsApi? metrics, InFlightLimits inFlight)
    {
        var path = context.Request.Path.Value ?? "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var serverAddress = $"{context.Request.Host}";
        switch (segments)
        {
            case ["version"]:
                return ApiResponses.WriteJson(context, DiscoveryDocuments.Version());
            case ["api"]:
                return ApiResponses.WriteJson(context, DiscoveryDocuments.CoreVersions(serverAddress));
            case ["apis"]:
                var groups = DiscoveryDocuments.Groups(catalog);
                if (metrics is not null)
                {
                    MetricsApi.AddGroup(groups);
                }
                return ApiResponses.WriteJson(context, groups);
            case ["apis", MetricsApi.Group, MetricsApi.Version, .. var metricsPath] when metrics is not null:
                return metrics.Handle(context, metricsPath);
            case ["api", "v1"]:
                return ApiResponses.WriteJson(context, DiscoveryDocuments.ResourceList(catalog, "", "v1"));
            case ["apis", var group, var version] when catalog.InGroupVersion(group, version).Any():
                return ApiResponses.WriteJson(context, DiscoveryDocuments.ResourceList(catalog, group, version));
            case ["openapi", "v2"]:
                return OpenApiV2Endpoint.Serve(context, openApiV2.Current());
            case ["openapi", "v3"]:
                return ApiResponses.WriteJson(context, openApi.Root());
            case ["openapi", "v3", .. var documentPath]:
                return OpenApiDocument(context, openApi, string.Join('/', documentPath));
            case [".well-known", "openid-configuration"]:
                return ServiceAccountIssuerDiscovery.ServeConfiguration(context, handler.TokenIssuer);
            case ["openid", "v1", "jwks"]:
                return ServiceAccountIssuerDiscovery.ServeKeys(context, handler.TokenIssuer);
            case ["healthz"] or ["readyz"] or ["livez"]:
                return ApiResponses.WriteText(context, "ok");
            case ["metrics"]:
                return inFlight.WriteMetrics(context);
            case ["emulator", "v1", "nodes", .. var nodePath]:
                return management.Handle(context, nodePath);
            case ["api", "v1", .. var rest]:
                return Resource(context, catalog, handler, "", "v1", rest);
            case ["apis", var group, var version, .. var rest]:
                return Resource(context, catalog, handler, group, version, rest);
            default:
                return NotFound(context);
        }
    }

    /// <summary>One group version's OpenAPI v3 document; a stale hash is redirected to the current one, as the API server does.</summary>
    private static async Task OpenApiDocument(HttpContext context, OpenApiV3 openApi, string path)
    {
        if (openApi.Document(path) is not { } document)
        {
            await NotFound(context).ConfigureAwait(false);
            return;
        }
        if (context.Request.Query["hash"].FirstOrDefault() is { Length: > 0 } hash && hash != document.Hash)
        {
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = $"/openapi/v3/{path}?hash={document.Hash}";
            return;
        }
        context.Response.ContentType = "application/json";
        context.Response.Headers.ETag = $"\"{document.Hash}\"";
        await context.Response.Body.WriteAsync(document.Json).ConfigureAwait(false);
    }

    private static Task Resource(HttpContext context, ApiResourceCatalog catalog, ResourceHandler handler, string group, string version, string[] rest)
    {
        var route = ResourceRoute.Parse(catalog, group, version, rest);
        return route is null ? NotFound(context) : handler.Handle(context, route);
    }

    private static Task NotFound(HttpContext context) =>
        ApiResponses.WriteStatus(context, new ControlPlane.Store.ApiStatus(404, "NotFound", "the server could not find the requested resource"));

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopDiscovery();
    }
}

/// <summary>How max-in-flight counts a request.</summary>
internal enum RequestKind
{
    /// <summary>GET, HEAD, OPTIONS.</summary>
    ReadOnly,

    /// <summary>Every other verb.</summary>
    Mutating,

    /// <summary>Watches and followed logs.</summary>
    LongRunning,
}

/// <summary>Counts requests in flight against the API server's limits.</summary>
internal sealed class InFlightLimits(ApiServerOptions options)
{
    private int _readOnly;
    private int _mutating;
    private int _watches;

    /// <summary>Kubernetes' long-running check: watches (<c>?watch=true</c> or <c>/watch/</c> paths), <c>log?follow=true</c>, exec, attach and port-forward.</summary>
    public static RequestKind Classify(HttpRequest request)
    {
        var query = request.Query;
        if (query["watch"] is { Count: > 0 } watch && (watch[0] is "true" or "1")
            || request.Path.Value?.Contains("/watch/", StringComparison.Ordinal) == true
            || (request.Path.Value?.EndsWith("/log", StringComparison.Ordinal) == true && query["follow"] is { Count: > 0 } follow && follow[0] is "true" or "1")
            || request.Path.Value?.EndsWith("/exec", StringComparison.Ordinal) == true
            || request.Path.Value?.EndsWith("/attach", StringComparison.Ordinal) == true
            || request.Path.Value?.EndsWith("/portforward", StringComparison.Ordinal) == true)
        {
            return RequestKind.LongRunning;
        }
        return HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            ? RequestKind.ReadOnly
            : RequestKind.Mutating;
    }

    /// <summary>Takes a slot; false (and nothing taken) when the kind is at its limit.</summary>
    public bool TryEnter(RequestKind kind)
    {
        ref var count = ref Counter(kind);
        if (Interlocked.Increment(ref count) > Limit(kind))
        {
            Interlocked.Decrement(ref count);
            return false;
        }
        return true;
    }

    /// <summary>Gives a slot back.</summary>
    public void Exit(RequestKind kind) => Interlocked.Decrement(ref Counter(kind));

    /// <summary>
    /// The API server's <c>/metrics</c> gauges of the slots in use (Prometheus text format), so that an operator sees
    /// how close the server is to its 429s; the request reading them holds a read-only slot, as it does there.
    /// </summary>
    public Task WriteMetrics(HttpContext context)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        return context.Response.WriteAsync(
            "# HELP apiserver_current_inflight_requests [STABLE] Number of currently used inflight request limit of this apiserver per request kind.\n"
            + "# TYPE apiserver_current_inflight_requests gauge\n"
            + $"apiserver_current_inflight_requests{{request_kind=\"mutating\"}} {Volatile.Read(ref _mutating)}\n"
            + $"apiserver_current_inflight_requests{{request_kind=\"readOnly\"}} {Volatile.Read(ref _readOnly)}\n");
    }

    private int Limit(RequestKind kind) => kind switch
    {
        RequestKind.ReadOnly => options.MaxRequestsInFlight,
        RequestKind.Mutating => options.MaxMutatingRequestsInFlight,
        _ => options.MaxWatches,
    };

    private ref int Counter(RequestKind kind)
    {
        switch (kind)
        {
            case RequestKind.ReadOnly:
                return ref _readOnly;
            case RequestKind.Mutating:
                return ref _mutating;
            default:
                return ref _watches;
        }
    }
}

/// <summary>
/// A request body read against the request deadline (Kubernetes' timeout filter fails body reads once the deadline
/// passes), with Kestrel's own refusals in the API server's words.
/// </summary>
internal sealed class DeadlineBody(Stream inner, TimeSpan timeout, long maxBytes) : Stream
{
    private readonly CancellationTokenSource _deadline = new(timeout);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadline.Token);
        try
        {
            return await inner.ReadAsync(buffer, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ApiStatusException(ApiResponses.RequestTimeout());
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ApiStatusException(ApiResponses.RequestEntityTooLarge(maxBytes));
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _deadline.Dispose();
        }
        base.Dispose(disposing);
    }
}
