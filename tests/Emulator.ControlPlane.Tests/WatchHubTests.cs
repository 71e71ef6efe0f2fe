using System.Text;
using Akka.Actor;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

/// <summary>The watch hub's fan-out when store changes go missing on their way to it.</summary>
public sealed class WatchHubTests : ApiStoreTestKit
{
    private static WatchEvent Change(long resourceVersion, string name = "cm") =>
        new(WatchEventType.Modified, StoredObject.From(ConfigMaps.Key, Encoding.UTF8.GetBytes(
            $$$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{{name}}}}","namespace":"default","resourceVersion":"{{{{resourceVersion}}}}"}}""")));

    [Fact]
    public void A_hole_in_the_resource_versions_expires_every_watch_and_the_history_before_it()
    {
        var hub = Sys.ActorOf(Props.Create(() => new WatchHub(100)), "lossy-hub");
        var watcher = CreateTestProbe();
        var nodeWatcher = CreateTestProbe();
        hub.Tell(new StartWatch(ConfigMaps.Key, null, 0, null, watcher.Ref));
        hub.Tell(new StartWatch(Pods.Key, null, 0, null, nodeWatcher.Ref, NodeName: "node-1"));
        hub.Tell(Change(1));
        hub.Tell(Change(2));
        Assert.Equal([1L, 2L], [watcher.ExpectMsg<WatchEvent>().ResourceVersion, watcher.ExpectMsg<WatchEvent>().ResourceVersion]);

        // 3 and 4 never arrive: both watchers (the kubelet's kind included) hear their watch expired, then 5 comes.
        hub.Tell(Change(5));
        Assert.Equal("too old resource version: 2 (5)", watcher.ExpectMsg<WatchExpired>().Status.Message);
        Assert.Equal(5, watcher.ExpectMsg<WatchEvent>().ResourceVersion);
        nodeWatcher.ExpectMsg<WatchExpired>();

        // No watch resumes from before the hole; consecutive changes expire nothing.
        var late = CreateTestProbe();
        hub.Tell(new StartWatch(ConfigMaps.Key, null, 2, null, late.Ref));
        late.ExpectMsg<WatchExpired>();
        hub.Tell(Change(6));
        Assert.Equal(6, watcher.ExpectMsg<WatchEvent>().ResourceVersion);
        watcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private static WatchEvent Added(long resourceVersion, string kind, string resource, string name) =>
        new(WatchEventType.Added, StoredObject.From(resource, Encoding.UTF8.GetBytes(
            $$$$"""{"apiVersion":"v1","kind":"{{{{kind}}}}","metadata":{"name":"{{{{name}}}}","namespace":"default","resourceVersion":"{{{{resourceVersion}}}}"}}""")));

    [Fact]
    public void A_watch_sees_the_changes_of_its_resource_and_a_watch_of_every_resource_sees_them_all_until_its_subscriber_stops()
    {
        var hub = Sys.ActorOf(Props.Create(() => new WatchHub(100)), "resource-hub");
        var configMaps = CreateTestProbe();
        var secrets = CreateTestProbe();
        var everything = CreateTestProbe();
        hub.Tell(new StartWatch(ConfigMaps.Key, null, 0, null, configMaps.Ref));
        hub.Tell(new StartWatch("secrets", null, 0, null, secrets.Ref));
        hub.Tell(new StartWatch(null, null, 0, null, everything.Ref));
        hub.Tell(Added(1, "ConfigMap", ConfigMaps.Key, "a"));
        hub.Tell(Added(2, "Secret", "secrets", "b"));

        Assert.Equal("a", configMaps.ExpectMsg<WatchEvent>().Object.Name);
        Assert.Equal("b", secrets.ExpectMsg<WatchEvent>().Object.Name);
        Assert.Equal(["a", "b"], [everything.ExpectMsg<WatchEvent>().Object.Name, everything.ExpectMsg<WatchEvent>().Object.Name]);
        configMaps.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        secrets.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        // A stopped subscriber's watches end, whatever they watch; the others go on.
        hub.Tell(new StopWatch(configMaps.Ref));
        hub.Tell(new StopWatch(everything.Ref));
        hub.Tell(Added(3, "ConfigMap", ConfigMaps.Key, "c"));
        hub.Tell(Added(4, "Secret", "secrets", "d"));
        Assert.Equal("d", secrets.ExpectMsg<WatchEvent>().Object.Name);
        configMaps.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        everything.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }
}
