using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

public sealed class WatchHubTests : ApiStoreTestKit
{
    [Fact]
    public void A_watch_receives_durable_changes_in_order()
    {
        var watcher = CreateTestProbe();
        Hub.Tell(new StartWatch("pods", "default", 0, null, watcher.Ref), TestActor);
        RunUntilIdleIfDeterministic();
        var created = Ok(new CreateObject(Pods, Pod("web")));
        var json = created.ToJsonObject();
        json["metadata"]!["labels"] = new JsonObject { ["x"] = "1" };
        Ok(new UpdateObject(Pods, json));
        Ok(new DeleteObject(Pods, "default", "web", new DeleteOptions()));
        var events = watcher.ReceiveN(3).Cast<WatchEvent>().ToArray();
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.True(events[0].ResourceVersion < events[1].ResourceVersion && events[1].ResourceVersion < events[2].ResourceVersion);
    }

    [Fact]
    public void A_watch_resumes_from_a_resource_version_inside_the_window()
    {
        var first = Ok(new CreateObject(Pods, Pod("a")));
        Ok(new CreateObject(Pods, Pod("b")));
        Ok(new CreateObject(Pods, Pod("c")));
        var watcher = CreateTestProbe();
        Hub.Tell(new StartWatch("pods", null, first.ResourceVersion, null, watcher.Ref), TestActor);
        Assert.Equal(["b", "c"], watcher.ReceiveN(2).Cast<WatchEvent>().Select(e => e.Object.Name));
    }

    [Fact]
    public void A_watch_from_before_the_window_is_expired()
    {
        var first = Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "first")));
        for (var i = 0; i < 120; i++)
        {
            Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", $"c{i}")));
        }
        var watcher = CreateTestProbe();
        Hub.Tell(new StartWatch("configmaps", null, first.ResourceVersion, null, watcher.Ref), TestActor);
        var expired = watcher.ExpectMsg<WatchExpired>();
        Assert.Equal(410, expired.Status.Code);
        Assert.Equal("Expired", expired.Status.Reason);
    }

    [Fact]
    public void Objects_entering_or_leaving_a_selector_are_added_or_deleted_for_the_watcher()
    {
        var watcher = CreateTestProbe();
        Hub.Tell(new StartWatch("pods", null, 0, o => o.Labels.GetValueOrDefault("app") == "web", watcher.Ref), TestActor);
        RunUntilIdleIfDeterministic();
        var pod = Ok(new CreateObject(Pods, Pod("p", labels: new JsonObject { ["app"] = "db" })));
        // Settled first, a short window suffices (Akka's probe would otherwise wait its full default).
        Settle();
        watcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var json = pod.ToJsonObject();
        json["metadata"]!["labels"] = new JsonObject { ["app"] = "web" };
        pod = Ok(new UpdateObject(Pods, json));
        Assert.Equal(WatchEventType.Added, watcher.ExpectMsg<WatchEvent>().Type);
        json = pod.ToJsonObject();
        json["metadata"]!["labels"] = new JsonObject { ["app"] = "db" };
        Ok(new UpdateObject(Pods, json));
        Assert.Equal(WatchEventType.Deleted, watcher.ExpectMsg<WatchEvent>().Type);
    }

    [Fact]
    public void A_node_watch_sees_only_the_pods_bound_to_its_node()
    {
        var onA = CreateTestProbe();
        var onB = CreateTestProbe();
        Hub.Tell(new StartWatch("pods", null, 0, null, onA.Ref, NodeName: "node-a"), TestActor);
        Hub.Tell(new StartWatch("pods", null, 0, null, onB.Ref, NodeName: "node-b"), TestActor);
        RunUntilIdleIfDeterministic();
        var created = Ok(new CreateObject(Pods, Pod("web")));
        Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "node-a")));
        // Unbound: no node's watch sees it. Bound: it enters node-a's watch as ADDED, as for any field selector.
        var bound = Ok(new BindPod("default", "web", "node-a"));
        var added = onA.ExpectMsg<WatchEvent>();
        Assert.Equal((WatchEventType.Added, "web", bound.ResourceVersion), (added.Type, added.Object.Name, added.ResourceVersion));
        var json = bound.ToJsonObject();
        json["metadata"]!["labels"] = new JsonObject { ["x"] = "1" };
        var labelled = Ok(new UpdateObject(Pods, json));
        var modified = onA.ExpectMsg<WatchEvent>();
        Assert.Equal((WatchEventType.Modified, labelled.ResourceVersion), (modified.Type, modified.ResourceVersion));
        var onBPod = Ok(new CreateObject(Pods, Object("Pod", "default", "db", new JsonObject
        {
            ["nodeName"] = "node-b",
            ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx" }),
        })));
        var other = onB.ExpectMsg<WatchEvent>();
        Assert.Equal((WatchEventType.Added, "db", onBPod.ResourceVersion), (other.Type, other.Object.Name, other.ResourceVersion));
        Settle();
        onA.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        onB.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        // Resumed from before the pod was created, a node watch replays the window through the same selection.
        var resumed = CreateTestProbe();
        Hub.Tell(new StartWatch("pods", null, created.ResourceVersion - 1, null, resumed.Ref, NodeName: "node-a"), TestActor);
        Assert.Equal([(WatchEventType.Added, bound.ResourceVersion), (WatchEventType.Modified, labelled.ResourceVersion)],
            resumed.ReceiveN(2).Cast<WatchEvent>().Select(e => (e.Type, e.ResourceVersion)));
    }
}
