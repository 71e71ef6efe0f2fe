using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

public sealed class ControllerDeleteReplyTests : ClusterTestKit
{
    /// <summary>Deletes every pod it sees once, and reports whether its cache shows the pod deleting when the reply arrives.</summary>
    private sealed class Deleter(IActorRef store, IActorRef hub, IActorRef probe) : Controller(store, hub, [ResourceTypes.Pods])
    {
        private readonly HashSet<string> _deleted = [];

        protected override void Reconcile(ObjectKey key)
        {
            if (Cache(ResourceTypes.Pods).Get(key.Namespace, key.Name) is not null && _deleted.Add(key.Name))
            {
                DeleteObject(key, ResourceTypes.Pods, key.Namespace, key.Name);
            }
        }

        protected override void OnWriteReply(StoreReply reply, WriteTag tag) =>
            probe.Tell(Cache(ResourceTypes.Pods).Get(tag.Key.Namespace, tag.Key.Name)?.Stored.IsDeleting == true, Self);
    }

    [Fact]
    public void A_graceful_delete_reply_shows_the_pod_deleting_in_the_cache()
    {
        // Bound pods wait for their kubelet: the delete only sets deletionTimestamp.
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("p", edit: spec => spec["nodeName"] = "n1")));
        var probe = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new Deleter(Store, Hub, probe.Ref)), "deleter");
        Assert.True(probe.ExpectMsg<bool>());
    }
}
