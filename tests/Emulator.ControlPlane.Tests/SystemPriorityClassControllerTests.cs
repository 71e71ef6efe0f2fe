using Akka.Actor;
using Emulator.ControlPlane.PriorityClass;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class SystemPriorityClassControllerTests : ClusterTestKit
{
    private static readonly ResourceType PriorityClasses = SystemPriorityClassController.PriorityClasses;

    [Fact]
    public void The_system_priority_classes_exist_from_the_start_and_come_back_when_deleted()
    {
        Sys.ActorOf(Props.Create(() => new SystemPriorityClassController(Store, Hub, null)), "system-priority-classes");
        Settle();
        var critical = Get(PriorityClasses, null, "system-cluster-critical");
        Assert.Equal(2_000_000_000, JsonTree.GetInt(critical.Document, "value"));
        Assert.Equal("PreemptLowerPriority", JsonTree.GetString(critical.Document, "preemptionPolicy"));
        Assert.Equal(2_000_001_000, JsonTree.GetInt(Get(PriorityClasses, null, "system-node-critical").Document, "value"));

        Ok(new DeleteObject(PriorityClasses, null, "system-node-critical", new DeleteOptions()));
        Settle();
        Assert.Equal(2_000_001_000, JsonTree.GetInt(Get(PriorityClasses, null, "system-node-critical").Document, "value"));
        Assert.Equal(2, Request<ListReply>(new ListObjects(PriorityClasses, null)).Items.Count);
    }
}
