using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.GarbageCollection;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

public sealed class GarbageCollectorTests : ApiStoreTestKit
{
    private static readonly ResourceType ReplicaSets = new("apps", "v1", "replicasets", "ReplicaSet", Namespaced: true);

    public GarbageCollectorTests()
    {
        Sys.ActorOf(Props.Create(() => new GarbageCollector(Store, Hub, new[] { Pods, ConfigMaps, Deployments, ReplicaSets }, TimeSpan.FromSeconds(10))), "garbage-collector");
    }

    private StoredObject Owner(string name) => Ok(new CreateObject(Deployments, Object("Deployment", "default", name, new JsonObject { ["replicas"] = 1 })));

    private StoredObject Dependent(string name, bool block = false, params StoredObject[] owners)
    {
        var obj = Object("ReplicaSet", "default", name, new JsonObject { ["replicas"] = 1 });
        obj["metadata"]!["ownerReferences"] = new JsonArray(owners.Select(o => (JsonNode)new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["name"] = o.Name,
            ["uid"] = o.Uid,
            ["controller"] = true,
            ["blockOwnerDeletion"] = block,
        }).ToArray());
        return Ok(new CreateObject(ReplicaSets, obj));
    }

    private bool Exists(ResourceType type, string name) => Send(new GetObject(type, "default", name)).IsSuccess;

    [Fact]
    public void Background_deletion_removes_dependents_after_the_owner()
    {
        var owner = Owner("web");
        Dependent("web-1", false, owner);
        Ok(new DeleteObject(Deployments, "default", "web", new DeleteOptions(PropagationPolicy: "Background")));
        Assert.False(Exists(Deployments, "web"));
        AwaitCondition(() => !Exists(ReplicaSets, "web-1"));
    }

    [Fact]
    public void A_dependent_with_a_living_owner_only_loses_the_dangling_reference()
    {
        var first = Owner("a");
        var second = Owner("b");
        Dependent("shared", false, first, second);
        Ok(new DeleteObject(Deployments, "default", "a", new DeleteOptions()));
        AwaitAssert(() => Assert.Equal([second.Uid], Ok(new GetObject(ReplicaSets, "default", "shared")).OwnerUids));
    }

    [Fact]
    public void Orphan_deletion_strips_the_reference_and_keeps_the_dependent()
    {
        var owner = Owner("orphaning");
        Dependent("kept", false, owner);
        Assert.True(Ok(new DeleteObject(Deployments, "default", "orphaning", new DeleteOptions(PropagationPolicy: "Orphan"))).IsDeleting);
        AwaitCondition(() => !Exists(Deployments, "orphaning"));
        Assert.Empty(Ok(new GetObject(ReplicaSets, "default", "kept")).OwnerUids);
    }

    [Fact]
    public void Foreground_deletion_removes_blocking_dependents_before_the_owner()
    {
        var owner = Owner("fg");
        var dependent = Dependent("fg-1", true, owner);
        // A finalizer on the dependent keeps it (and so the owner) around until it is released.
        var held = dependent.ToJsonObject();
        held["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        Ok(new UpdateObject(ReplicaSets, held));
        Assert.True(Ok(new DeleteObject(Deployments, "default", "fg", new DeleteOptions(PropagationPolicy: "Foreground"))).IsDeleting);
        AwaitCondition(() => Send(new GetObject(ReplicaSets, "default", "fg-1")).Object?.IsDeleting == true);
        Assert.True(Exists(Deployments, "fg"));
        var release = Ok(new GetObject(ReplicaSets, "default", "fg-1")).ToJsonObject();
        release["metadata"]!["finalizers"] = new JsonArray();
        Ok(new UpdateObject(ReplicaSets, release));
        AwaitCondition(() => !Exists(Deployments, "fg"));
    }
}
