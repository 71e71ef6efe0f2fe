using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.Api.Admission;
using Emulator.ControlPlane.Store;
using Emulator.TestKit;

namespace Emulator.Api.Tests;

/// <summary>
/// The API server's webhook configuration informer (<see cref="WebhookConfigurationInformer"/>): lists both types,
/// watches from the list's resourceVersion, follows changes (older ones ignored), lists again when the watch expires,
/// and releases a writer waiting for its configuration once the snapshot reflects it.
/// </summary>
public sealed class WebhookConfigurationInformerTests : EmulatorTestKit
{
    private static readonly ResourceType Mutating = ResourceTypes.Of("admissionregistration.k8s.io", "mutatingwebhookconfigurations");
    private static readonly ResourceType Validating = ResourceTypes.Of("admissionregistration.k8s.io", "validatingwebhookconfigurations");

    private static StoredObject Configuration(ResourceType type, string name, long resourceVersion) => StoredObject.From(type.Key, new JsonObject
    {
        ["apiVersion"] = "admissionregistration.k8s.io/v1",
        ["kind"] = type.Kind,
        ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = "u-" + name, ["resourceVersion"] = resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        ["webhooks"] = new JsonArray(),
    });

    [Fact]
    public async Task Follows_the_configurations_by_list_and_watch_and_releases_writers_once_it_has_seen_their_write()
    {
        var store = CreateTestProbe();
        var hub = CreateTestProbe();
        var configurations = new WebhookConfigurations();
        var informer = Sys.ActorOf(Props.Create(() => new WebhookConfigurationInformer(store.Ref, hub.Ref, configurations)));

        // Not known until both lists are back: the admission plugins read the store meanwhile.
        var lists = new[] { store.ExpectMsg<ListObjects>(), store.ExpectMsg<ListObjects>() };
        Assert.Equal([Mutating.Key, Validating.Key], lists.Select(l => l.Type.Key).Order());
        var waiting = configurations.WaitFor(Validating.Key, 10, TimeSpan.FromSeconds(30));
        var mutatingList = lists.Single(l => l.Type.Key == Mutating.Key);
        store.Reply(new ListReply([Configuration(Mutating, "a", 4)], 10) { Correlation = mutatingList.Correlation });
        Assert.False(configurations.Synced);
        var validatingList = lists.Single(l => l.Type.Key == Validating.Key);
        store.Reply(new ListReply([], 10) { Correlation = validatingList.Correlation });
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(configurations.Synced);
        Assert.Equal(["a"], configurations.Current.Mutating.Select(c => c.Name));
        Assert.Empty(configurations.Current.Validating);
        hub.FishForMessage<StartWatch>(w => w.Resource == Mutating.Key && w.FromResourceVersion == 10);

        // A change: seen, and a writer waiting for it released.
        var written = configurations.WaitFor(Validating.Key, 12, TimeSpan.FromSeconds(30));
        Assert.False(written.IsCompleted);
        informer.Tell(new WatchEvent(WatchEventType.Added, Configuration(Validating, "v", 12)));
        await written.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["v"], configurations.Current.Validating.Select(c => c.Name));

        // An older change of an object (from a watch a relist replaced) does not undo a newer one; a deletion removes it.
        informer.Tell(new WatchEvent(WatchEventType.Modified, Configuration(Mutating, "a", 14)));
        informer.Tell(new WatchEvent(WatchEventType.Modified, Configuration(Mutating, "a", 13)));
        informer.Tell(new WatchEvent(WatchEventType.Deleted, Configuration(Validating, "v", 15)));
        await configurations.WaitFor(Mutating.Key, 14, TimeSpan.FromSeconds(10));
        await configurations.WaitFor(Validating.Key, 15, TimeSpan.FromSeconds(10));
        Assert.Equal(14, configurations.Current.Mutating.Single().ResourceVersion);
        Assert.Empty(configurations.Current.Validating);

        // The watch expires: both lists again, and their content replaces what was held.
        informer.Tell(new WatchExpired(new ApiStatus(410, "Expired", "too old resource version")));
        var relists = new[] { store.ExpectMsg<ListObjects>(), store.ExpectMsg<ListObjects>() };
        foreach (var relist in relists)
        {
            store.Reply(new ListReply(relist.Type.Key == Mutating.Key ? [] : [Configuration(Validating, "w", 20)], 21) { Correlation = relist.Correlation });
        }
        await configurations.WaitFor(Mutating.Key, 21, TimeSpan.FromSeconds(10));
        await configurations.WaitFor(Validating.Key, 21, TimeSpan.FromSeconds(10));
        Assert.Empty(configurations.Current.Mutating);
        Assert.Equal(["w"], configurations.Current.Validating.Select(c => c.Name));
    }
}
