using Akka.Actor;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

public sealed class EventRecorderTests : ApiStoreTestKit
{
    private static readonly ResourceType Events = ResourceTypes.Events;

    private IReadOnlyList<StoredObject> ListEvents()
    {
        return Request<ListReply>(new ListObjects(Events, "default")).Items;
    }

    private static InvolvedObject Pod(string name) => new("v1", "Pod", "default", name, "uid-" + name);

    [Fact]
    public void An_event_is_written_with_kubernetes_fields()
    {
        var recorder = Sys.ActorOf(Props.Create(() => new EventRecorder(Store)), "events");
        recorder.Tell(new RecordEvent(Pod("web") with { FieldPath = "spec.containers{app}" }, "Normal", "Pulling", "Pulling image \"nginx\"", "kubelet", "node-1"));
        AwaitAssert(() => Assert.Single(ListEvents()));
        var ev = ListEvents()[0].ToJsonObject();
        Assert.StartsWith("web.", ev["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("Pod", ev["involvedObject"]!["kind"]!.GetValue<string>());
        Assert.Equal("spec.containers{app}", ev["involvedObject"]!["fieldPath"]!.GetValue<string>());
        Assert.Equal("Pulling", ev["reason"]!.GetValue<string>());
        Assert.Equal("kubelet", ev["source"]!["component"]!.GetValue<string>());
        Assert.Equal("node-1", ev["source"]!["host"]!.GetValue<string>());
        Assert.Equal(1, ev["count"]!.GetValue<int>());
        Assert.Equal("Normal", ev["type"]!.GetValue<string>());
    }

    [Fact]
    public void A_repeated_event_bumps_count_and_last_timestamp_instead_of_writing_another()
    {
        var recorder = Sys.ActorOf(Props.Create(() => new EventRecorder(Store)), "events");
        var backOff = new RecordEvent(Pod("web"), "Warning", "BackOff", "Back-off restarting failed container app", "kubelet", "node-1");
        recorder.Tell(backOff);
        AwaitAssert(() => Assert.Single(ListEvents()));
        var first = ListEvents()[0].ToJsonObject();
        Advance(TimeSpan.FromSeconds(10));
        recorder.Tell(backOff);
        Advance(TimeSpan.FromSeconds(20));
        recorder.Tell(backOff);
        AwaitAssert(() => Assert.Equal(3, ListEvents()[0].ToJsonObject()["count"]!.GetValue<int>()));
        var events = ListEvents();
        Assert.Single(events);
        var last = events[0].ToJsonObject();
        Assert.Equal(first["firstTimestamp"]!.GetValue<string>(), last["firstTimestamp"]!.GetValue<string>());
        Assert.NotEqual(last["firstTimestamp"]!.GetValue<string>(), last["lastTimestamp"]!.GetValue<string>());

        // A different message is a different event.
        recorder.Tell(backOff with { Message = "Back-off restarting failed container sidecar" });
        AwaitAssert(() => Assert.Equal(2, ListEvents().Count));
    }

    [Fact]
    public void Events_in_the_same_tick_get_distinct_names()
    {
        var recorder = Sys.ActorOf(Props.Create(() => new EventRecorder(Store)), "events");
        recorder.Tell(new RecordEvent(Pod("web"), "Normal", "Pulling", "Pulling image \"nginx\"", "kubelet"));
        recorder.Tell(new RecordEvent(Pod("web"), "Normal", "Pulled", "Container image \"nginx\" already present on machine", "kubelet"));
        recorder.Tell(new RecordEvent(Pod("web"), "Normal", "Created", "Created container: app", "kubelet"));
        AwaitAssert(() => Assert.Equal(3, ListEvents().Count));
    }

    [Fact]
    public void Events_expire_an_hour_after_their_last_occurrence()
    {
        var recorder = Sys.ActorOf(Props.Create(() => new EventRecorder(Store)), "events");
        recorder.Tell(new RecordEvent(Pod("web"), "Normal", "Scheduled", "Successfully assigned default/web to node-1", "default-scheduler"));
        AwaitAssert(() => Assert.Single(ListEvents()));
        Advance(TimeSpan.FromMinutes(59));
        Assert.Single(ListEvents());
        Advance(TimeSpan.FromMinutes(2));
        AwaitAssert(() => Assert.Empty(ListEvents()));
    }
}
