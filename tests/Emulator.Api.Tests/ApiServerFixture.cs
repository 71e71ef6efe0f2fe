using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Emulator.Api.Discovery;
using Emulator.ControlPlane.RbacBootstrap;
using Emulator.ControlPlane.Store;
using Emulator.Runtime;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;
using Emulator.Runtime.Time;

namespace Emulator.Api.Tests;

/// <summary>An API server on a free loopback port over a store on Akka's in-memory journal, one per test class.</summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    private ActorSystem _system = null!;
    private ApiServer _server = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Real (unscaled) emulated time and the thread pool: the HTTP requests run on real time too.
        _system = ActorSystem.Create("api-test", EmulatedTime.ScaledConfig(1.0)
            .WithFallback(JournalSettings.InMemory())
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING"))
            .WithFallback(RuntimeConfig.Defaults));
        // Before the store starts: its events and snapshots are journalled under these manifests.
        StoreSerialization.Register(EventSerialization.Get(_system).Manifests);
        var hub = _system.ActorOf(Props.Create(() => new WatchHub(1000)), "watch-hub");
        var store = _system.ActorOf(Props.Create(() => new ApiStore(AdmitAll.Instance, hub, 1000)), "api-store");
        _server = await ApiServer.StartAsync(_system, store, hub, ApiResourceCatalog.Default, new ApiServerOptions { Port = 0 });
        Client = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(30) };
        // The RBAC objects an API server creates at start (its bootstrap hook runs in the control plane, not started here).
        foreach (var (resource, objects) in new[]
        {
            ("clusterroles", BootstrapPolicy.ClusterRoles.Values),
            ("clusterrolebindings", BootstrapPolicy.ClusterRoleBindings.Values),
        })
        {
            foreach (var obj in objects)
            {
                var (status, _) = await Send(HttpMethod.Post, "/apis/rbac.authorization.k8s.io/v1/" + resource, obj.DeepClone());
                Assert.Equal(201, status);
            }
        }
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await _server.DisposeAsync();
        await _system.Terminate();
    }

    public async Task<(int Status, JsonObject Body)> Send(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json", string? accept = null, IEnumerable<(string Name, string Value)>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject());
    }
}
