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

    private static InvolvedObject ReplicaSet(string name) => new("apps/v1", "ReplicaSet", "default", name, "uid-" + name);

    private static string Text(StoredObject ev, string field) => ev.ToJsonObject()[field]!.GetValue<string>();

    private static int Count(StoredObject ev) => ev.ToJsonObject()["count"]!.GetValue<int>();

    [Fact]
    public void More_than_ten_messages_of_one_reason_about_one_object_are_combined_into_one_event()
    {
        var recorder = Sys.ActorOf(Props.Create(() => new EventRecorder(Store)), "events");
        for (var i = 0; i < 14; i++)
        {
            recorder.Tell(new RecordEvent(ReplicaSet("web-1"), "Normal", "SuccessfulCreate", $"Created pod: web-1-{i}", "replicaset-controller"));
        }

        // Nine as they are; the tenth and later ones are one Event, counted, with the latest message.
        AwaitAssert(() => Assert.Contains(ListEvents(), e => Text(e, "message").StartsWith("(combined", StringComparison.Ordinal) && Count(e) == 5));
        var events = ListEvents();
        Assert.Equal(10, events.Count);
        Assert.Equal(9, events.Count(e => Text(e, "message").StartsWith("Created pod: web-1-", StringComparison.Ordinal)));
        Assert.Equal("(combined from similar events): Created pod: web-1-13", Text(events.Single(e => Count(e) == 5), "message"));

        // Another reason, or the same reason about another object, is its own group.
        recorder.Tell(new RecordEvent(ReplicaSet("web-2"), "Normal", "SuccessfulCreate", "Created pod: web-2-0", "replicaset-controller"));
        AwaitAssert(() => Assert.Equal(11, ListEvents().Count));

        // Ten minutes without a similar event start the group afresh.
        Advance(TimeSpan.FromMinutes(11));
        recorder.Tell(new RecordEvent(ReplicaSet("web-1"), "Normal", "SuccessfulCreate", "Created pod: web-1-99", "replicaset-controller"));
        AwaitAssert(() => Assert.Contains(ListEvents(), e => Text(e, "message") == "Created pod: web-1-99"));
    }

    [Fact]
    public void A_source_writes_25_events_about_one_object_then_one_every_five_minutes()
    {
        var recorder = Sys.ActorOf(Props.Create(() => new EventRecorder(Store)), "events");
        var backOff = new RecordEvent(Pod("web"), "Warning", "BackOff", "Back-off restarting failed container app", "kubelet", "node-1");
        for (var i = 0; i < 30; i++)
        {
            recorder.Tell(backOff);
        }
        // 25 writes (one create, 24 bumps); the 5 occurrences after them are counted but not written.
        AwaitAssert(() => Assert.Equal(25, Count(Assert.Single(ListEvents()))));
        recorder.Tell(new RecordEvent(Pod("web"), "Normal", "Pulled", "Container image \"nginx\" already present on machine", "kubelet", "node-1"));
        Advance(TimeSpan.FromMinutes(1));
        Assert.Single(ListEvents());

        // Five minutes refill one: the next occurrence writes the count of all of them.
        Advance(TimeSpan.FromMinutes(4));
        recorder.Tell(backOff);
        AwaitAssert(() => Assert.Equal(31, Count(Assert.Single(ListEvents()))));

        // Another source, or the same source about another object, has its own budget; the scheduler is not limited.
        recorder.Tell(backOff with { Object = Pod("api") });
        for (var i = 0; i < 30; i++)
        {
            recorder.Tell(new RecordEvent(Pod("web"), "Warning", "FailedScheduling", $"0/3 nodes are available: attempt {i}", "default-scheduler"));
        }
        AwaitAssert(() => Assert.Equal(32, ListEvents().Count));
    }
}
