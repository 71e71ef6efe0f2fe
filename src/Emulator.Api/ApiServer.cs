using System.Net;
using Akka.Actor;
using Emulator.Api.Discovery;
using Emulator.Api.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Emulator.Api;

/// <summary>Settings of the API server.</summary>
public sealed record ApiServerOptions
{
    /// <summary>Loopback address to bind (the emulator never listens beyond loopback).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>Port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Largest request body accepted (the API server's limit is 3 MiB).</summary>
    public long MaxRequestBytes { get; init; } = 3 * 1024 * 1024;

    /// <summary>How long a request waits for the store.</summary>
    public TimeSpan StoreTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The actor hosting this process's emulated nodes (answers container logs and node stop/start); null when the
    /// process runs no nodes, and then logs are refused and the management endpoint answers 404.
    /// </summary>
    public IActorRef? Nodes { get; init; }
}

/// <summary>
/// The Kubernetes REST API on Kestrel: discovery, OpenAPI placeholders, and CRUD/watch for every catalogued resource,
/// backed by the API store actor and the watch hub.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address the server listens on (<c>http://127.0.0.1:PORT</c>).</summary>
    public Uri Address { get; }

    /// <summary>Starts the server.</summary>
    public static async Task<ApiServer> StartAsync(ActorSystem system, IActorRef store, IActorRef watchHub, ApiResourceCatalog catalog, ApiServerOptions options)
    {
        if (!IPAddress.IsLoopback(options.Address))
        {
            throw new ArgumentException($"The API binds to loopback only; {options.Address} is not a loopback address", nameof(options));
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(options.Address, options.Port);
            k.Limits.MaxRequestBodySize = options.MaxRequestBytes;
        });
        var app = builder.Build();
        var handler = new ResourceHandler(system, store, watchHub, options);
        var management = new NodeManagement(options);
        app.Run(context => Route(context, catalog, handler, management));
        await app.StartAsync().ConfigureAwait(false);
        var address = new Uri(app.Urls.First());
        return new ApiServer(app, address);
    }

    private static Task Route(HttpContext context, ApiResourceCatalog catalog, ResourceHandler handler, NodeManagement management)
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
                return ApiResponses.WriteJson(context, DiscoveryDocuments.Groups(catalog));
            case ["api", "v1"]:
                return ApiResponses.WriteJson(context, DiscoveryDocuments.ResourceList(catalog, "", "v1"));
            case ["apis", var group, var version] when catalog.InGroupVersion(group, version).Any():
                return ApiResponses.WriteJson(context, DiscoveryDocuments.ResourceList(catalog, group, version));
            case ["openapi", "v2"] or ["openapi", "v3"]:
                // An empty 200 is a valid "no schema": kubectl then skips client-side validation (see kubectl-compat).
                context.Response.ContentType = "application/octet-stream";
                return Task.CompletedTask;
            case ["healthz"] or ["readyz"] or ["livez"]:
                return ApiResponses.WriteText(context, "ok");
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
    }
}
