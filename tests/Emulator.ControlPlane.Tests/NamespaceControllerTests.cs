using Akka.Actor;
using Emulator.ControlPlane.Namespace;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

public sealed class NamespaceControllerTests : ApiStoreTestKit
{
    [Fact]
    public void Deleting_a_namespace_deletes_its_content_and_then_the_namespace()
    {
        Sys.ActorOf(Props.Create(() => new NamespaceController(Store, Hub, new[] { Pods, ConfigMaps, Namespaces }, TimeSpan.FromSeconds(5))), "namespace-controller");
        Ok(new CreateObject(Namespaces, Object("Namespace", null, "team")));
        Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "team", "cfg")));
        Ok(new CreateObject(Pods, Pod("p", "team")));
        Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "kept")));

        Assert.True(Ok(new DeleteObject(Namespaces, null, "team", new DeleteOptions())).IsDeleting);
        AwaitAssert(() => Assert.Equal(404, Send(new GetObject(Namespaces, null, "team")).Error?.Code));
        Assert.Equal(404, Send(new GetObject(ConfigMaps, "team", "cfg")).Error!.Code);
        Assert.Equal(404, Send(new GetObject(Pods, "team", "p")).Error!.Code);
        Ok(new GetObject(ConfigMaps, "default", "kept"));
    }

    [Fact]
    public void A_restarted_controller_finishes_a_pending_namespace_deletion()
    {
        Ok(new CreateObject(Namespaces, Object("Namespace", null, "later")));
        Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "later", "cfg")));
        Ok(new DeleteObject(Namespaces, null, "later", new DeleteOptions()));
        // No controller was running when the deletion started: the first resync finds it.
        Sys.ActorOf(Props.Create(() => new NamespaceController(Store, Hub, new[] { ConfigMaps }, TimeSpan.FromSeconds(5))), "namespace-controller");
        AwaitAssert(() => Assert.Equal(404, Send(new GetObject(Namespaces, null, "later")).Error?.Code));
    }
}
