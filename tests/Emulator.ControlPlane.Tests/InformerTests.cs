using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

public sealed class InformerTests : ApiStoreTestKit
{
    /// <summary>A controller that labels every pod it sees with <c>seen=true</c> and reports each reconcile.</summary>
    private sealed class LabellingController(IActorRef store, IActorRef hub, IActorRef probe) : Controller(store, hub, [ResourceTypes.Pods])
    {
        protected override void Reconcile(ObjectKey key)
        {
            probe.Tell(key.Name);
            if (Cache(ResourceTypes.Pods).Get(key.Namespace, key.Name) is not { } pod || pod.Object.Labels.ContainsKey("seen"))
            {
                return;
            }
            var copy = pod.Object.DeepClone();
            copy.SetLabel("seen", "true");
            UpdateObject(key, ResourceTypes.Pods, copy.Document);
        }
    }

    [Fact]
    public void A_controller_lists_then_watches_and_reconciles_each_object_until_it_converges()
    {
        Ok(new CreateObject(Pods, Pod("before")));
        var probe = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new LabellingController(Store, Hub, probe.Ref)), "labeller");
        probe.ExpectMsg<string>(n => n == "before");
        Ok(new CreateObject(Pods, Pod("after")));
        AwaitAssert(() =>
        {
            foreach (var name in new[] { "before", "after" })
            {
                var pod = Ok(new GetObject(Pods, "default", name));
                Assert.Equal("true", pod.Labels["seen"]);
            }
        });
    }

    [Fact]
    public void A_restarted_controller_relists_and_loses_nothing()
    {
        var probe = CreateTestProbe();
        var first = Sys.ActorOf(Props.Create(() => new LabellingController(Store, Hub, probe.Ref)), "labeller");
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);
        Ok(new CreateObject(Pods, Pod("while-down")));
        Sys.ActorOf(Props.Create(() => new LabellingController(Store, Hub, probe.Ref)), "labeller-2");
        AwaitAssert(() => Assert.Equal("true", Ok(new GetObject(Pods, "default", "while-down")).Labels["seen"]));
    }

    [Fact]
    public void The_cache_ignores_changes_older_than_what_it_holds()
    {
        var cache = new ObjectCache(Pods);
        var v1 = Ok(new CreateObject(Pods, Pod("web")));
        var json = v1.ToJsonObject();
        json["metadata"]!["labels"] = new System.Text.Json.Nodes.JsonObject { ["v"] = "2" };
        var v2 = Ok(new UpdateObject(Pods, json));
        cache.Observe(v2);
        Assert.Null(cache.Apply(new WatchEvent(WatchEventType.Added, v1)));
        Assert.Equal("2", cache.Get("default", "web")!.Object.Labels["v"]);
        cache.Forget("default", "web", v2.ResourceVersion);
        Assert.Null(cache.Apply(new WatchEvent(WatchEventType.Modified, v2)));
        Assert.Null(cache.Get("default", "web"));
    }

    [Fact]
    public void An_index_holds_each_objects_latest_version_under_its_current_keys()
    {
        var cache = new ObjectCache(Pods);
        cache.AddIndex("by-tier", (CachedObject pod) => pod.Stored.Labels.TryGetValue("tier", out var tier) ? [tier] : []);
        var v1 = Ok(new CreateObject(Pods, Pod("web")));
        cache.Observe(v1);
        Assert.Empty(cache.ByIndex("by-tier", "front"));

        var labelled = v1.ToJsonObject();
        labelled["metadata"]!["labels"] = new System.Text.Json.Nodes.JsonObject { ["tier"] = "front" };
        var v2 = Ok(new UpdateObject(Pods, labelled));
        cache.Observe(v2);
        Assert.Equal(v2.ResourceVersion, Assert.Single(cache.ByIndex("by-tier", "front")).ResourceVersion);

        // Same keys: the entry takes the new version.
        var annotated = v2.ToJsonObject();
        annotated["metadata"]!["annotations"] = new System.Text.Json.Nodes.JsonObject { ["note"] = "x" };
        var v3 = Ok(new UpdateObject(Pods, annotated));
        cache.Observe(v3);
        Assert.Equal(v3.ResourceVersion, Assert.Single(cache.ByIndex("by-tier", "front")).ResourceVersion);

        // Other keys: it moves.
        var moved = v3.ToJsonObject();
        moved["metadata"]!["labels"]!["tier"] = "back";
        var v4 = Ok(new UpdateObject(Pods, moved));
        cache.Observe(v4);
        Assert.Empty(cache.ByIndex("by-tier", "front"));
        Assert.Equal(v4.ResourceVersion, Assert.Single(cache.ByIndex("by-tier", "back")).ResourceVersion);

        cache.Forget("default", "web", v4.ResourceVersion);
        Assert.Empty(cache.ByIndex("by-tier", "back"));
    }

    [Fact]
    public void Binding_sets_the_node_once_and_refuses_a_second_binding()
    {
        Ok(new CreateObject(Pods, Pod("web")));
        var bound = Ok(new BindPod("default", "web", "node-1")).ToJsonObject();
        Assert.Equal("node-1", bound["spec"]!["nodeName"]!.GetValue<string>());
        Assert.Contains(bound["status"]!["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "PodScheduled" && c["status"]!.GetValue<string>() == "True");
        var error = Send(new BindPod("default", "web", "node-2")).Error!;
        Assert.Equal("Conflict", error.Reason);
        Assert.Contains("pod web is already assigned to node \"node-1\"", error.Message);
    }
}
