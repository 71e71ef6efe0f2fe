using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Emulator.Api.Discovery;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Store;
using Emulator.Fuzzing;
using Emulator.Runtime;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;
using Emulator.Runtime.Time;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Emulator.Api.Tests;

/// <summary>
/// The fuzzing suite: a few thousand seeded hostile requests (mutated manifests of every served kind, broken bodies,
/// mutated patches of every patch type) against the API server over the product's admission and a SQLite journal.
/// No answer is a 5xx or a hang, every error is a Status, the store never restarts, and afterwards its journal
/// recovers exactly the objects it held.
/// </summary>
public sealed class FuzzingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"emulator-fuzz-{Guid.NewGuid():N}.db");
    private ActorSystem _system = null!;
    private IActorRef _hub = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("fuzz-test", EmulatedTime.ScaledConfig(1.0)
            .WithFallback(JournalSettings.Sqlite(_database))
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = OFF"))
            .WithFallback(RuntimeConfig.Defaults));
        StoreSerialization.Register(EventSerialization.Get(_system).Manifests);
        _hub = _system.ActorOf(Props.Create(() => new WatchHub(10_000)), "watch-hub");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _system.Terminate();
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _database, _database + "-wal", _database + "-shm" })
        {
            File.Delete(file);
        }
    }

    private IActorRef StartStore(string name) =>
        _system.ActorOf(Props.Create(() => new ApiStore(KubernetesAdmission.Default, _hub, 10_000)), name);

    private static async Task<StoreInfo> Info(IActorRef store) => await store.Ask<StoreInfo>(new GetStoreInfo(), TimeSpan.FromSeconds(60));

    /// <summary>Every object the store holds, by resource and name, as JSON.</summary>
    private static async Task<SortedDictionary<string, string>> Objects(IActorRef store)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in ApiResourceCatalog.Default.Resources)
        {
            var listed = await store.Ask<ListReply>(new ListObjects(resource.StoreType, null), TimeSpan.FromSeconds(60));
            foreach (var item in listed.Items)
            {
                all[$"{resource.StoreType.Key}/{item.Namespace}/{item.Name}"] = item.ToJsonObject().ToJsonString();
            }
        }
        return all;
    }

    [Theory]
    [InlineData(1, 1500)]
    [InlineData(2, 1500)]
    public async Task Hostile_requests_never_get_a_5xx_never_hang_and_never_restart_or_corrupt_the_store(int seed, int cases)
    {
        var store = StartStore("api-store");
        // The first recovery creates the tables: give it its own allowance.
        var before = await Info(store);
        await using var server = await ApiServer.StartAsync(_system, store, _hub, ApiResourceCatalog.Default, new ApiServerOptions { Port = 0 });
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        await FuzzRun.SeedAsync(client);

        var report = await FuzzRun.RunAsync(client, seed, cases);
        output.WriteLine($"{report.Cases} cases: {report.Summary}");
        Assert.True(report.Failures.Count == 0, string.Join("\n", report.Failures.Take(20)));
        Assert.Equal(cases, report.Cases);
        // The hostile cases were refused, mostly, but valid ones among them were stored.
        Assert.True(report.ByStatus.Keys.Count(code => code >= 400) >= 3, report.Summary);

        // The store never restarted: same incarnation, no recovery since it started.
        var after = await Info(store);
        Assert.Equal(before.Incarnation, after.Incarnation);
        Assert.Equal(before.RecoveredEvents, after.RecoveredEvents);
        var held = await Objects(store);
        Assert.Equal(after.ObjectCount, held.Count);

        // Still serving: a plain create and read.
        var created = await client.PostAsync("/api/v1/namespaces/fuzz/configmaps", new StringContent(
            new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "after-fuzz" } }.ToJsonString(),
            System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        held = await Objects(store);

        // The journal is intact: a new store recovers exactly what the old one held.
        await store.GracefulStop(TimeSpan.FromSeconds(30));
        var recovered = StartStore("api-store-recovered");
        var recoveredInfo = await Info(recovered);
        Assert.True(recoveredInfo.RecoveredEvents > 0);
        Assert.Equal(held, await Objects(recovered));
    }
}
