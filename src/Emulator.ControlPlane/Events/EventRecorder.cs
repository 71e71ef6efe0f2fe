using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Runtime.Actors;

namespace Emulator.ControlPlane.Events;

/// <summary>The object an event is about (<c>involvedObject</c>).</summary>
public sealed record InvolvedObject(string ApiVersion, string Kind, string? Namespace, string Name, string Uid, string? FieldPath = null)
{
    /// <summary>The reference to an object.</summary>
    public static InvolvedObject Of(KubeObject obj, string? fieldPath = null) =>
        new(obj.ApiVersion, obj.Kind, obj.Namespace, obj.Name ?? "", obj.Uid ?? "", fieldPath);
}

/// <summary>Records a Kubernetes <c>Event</c> (fire and forget).</summary>
/// <param name="Object">What the event is about.</param>
/// <param name="Type"><c>Normal</c> or <c>Warning</c>.</param>
/// <param name="Reason">Short CamelCase reason (<c>Scheduled</c>, <c>SuccessfulCreate</c>).</param>
/// <param name="Message">Human-readable message.</param>
/// <param name="Component"><c>source.component</c> (<c>default-scheduler</c>, <c>kubelet</c>).</param>
/// <param name="Host"><c>source.host</c> (the node, for kubelets).</param>
public sealed record RecordEvent(InvolvedObject Object, string Type, string Reason, string Message, string Component, string? Host = null);

/// <summary>
/// Writes <c>Event</c> objects for the components of a process, as client-go's event recorder does: a repeat of the same
/// event (same object, type, reason, message and source) within the TTL bumps <c>count</c> and <c>lastTimestamp</c> of
/// the existing Event instead of writing a new one, similar events are combined and a source's events about one object
/// are rate limited (<see cref="EventCorrelator"/>); events are removed one hour after their last occurrence (the API
/// server's event TTL).
/// </summary>
public sealed class EventRecorder : EmulatedActor
{
    /// <summary>How long an event lives after its last occurrence.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    private const int MaxRemembered = 4096;
    private readonly IActorRef _store;
    private readonly RecentlyUsed<Recorded> _recorded = new(MaxRemembered);

    /// <summary>Creates the recorder writing to <paramref name="store"/>.</summary>
    public EventRecorder(IActorRef store) => _store = store;

    private readonly EventCorrelator _correlator = new();

    private sealed class Recorded(JsonObject ev, bool written)
    {
        public JsonObject Event { get; } = ev;

        /// <summary>False while the spam filter has kept every occurrence from the store.</summary>
        public bool Written { get; set; } = written;
    }

    private sealed record Expire;

    /// <inheritdoc />
    protected override void PreStart() => Timers.StartPeriodicTimer("expire", new Expire(), TimeSpan.FromMinutes(1));

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RecordEvent record:
                Record(record);
                break;
            case StoreReply:
                // Writes are best effort, as in Kubernetes: a lost event is not retried.
                break;
            case Expire:
                ExpireOld();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Record(RecordEvent incoming)
    {
        var now = Clock.UtcNow;
        var stamp = ApiStore.Timestamp(now);
        // The scheduler records through the events.k8s.io API, whose recorder has no correlator.
        var correlated = incoming.Component != Scheduling.Scheduler.Name;
        var (record, key) = correlated ? _correlator.Aggregate(incoming, now) : (incoming, EventCorrelator.EventKey(incoming));
        var allowed = !correlated || _correlator.Allows(record, now);
        if (_recorded.Get(key) is { } seen)
        {
            // Counted even when the spam filter then drops it (client-go observes before it filters).
            var ev = seen.Event;
            ev["count"] = (ev["count"]?.GetValue<int>() ?? 1) + 1;
            ev["lastTimestamp"] = stamp;
            ev["message"] = record.Message;
            ev["metadata"]!.AsObject().Remove("resourceVersion");
            if (allowed)
            {
                _store.Tell(seen.Written ? new UpdateObject(ResourceTypes.Events, (JsonObject)ev.DeepClone()) : new CreateObject(ResourceTypes.Events, (JsonObject)ev.DeepClone()), Self);
                seen.Written = true;
            }
            return;
        }
        var involved = new JsonObject
        {
            ["kind"] = record.Object.Kind,
            ["name"] = record.Object.Name,
            ["uid"] = record.Object.Uid,
            ["apiVersion"] = record.Object.ApiVersion,
        };
        if (record.Object.Namespace is { } objectNamespace)
        {
            involved["namespace"] = objectNamespace;
        }
        if (record.Object.FieldPath is { } fieldPath)
        {
            involved["fieldPath"] = fieldPath;
        }
        var source = new JsonObject { ["component"] = record.Component };
        if (record.Host is { } host)
        {
            source["host"] = host;
        }
        var eventNamespace = record.Object.Namespace ?? "default";
        var created = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject
            {
                ["name"] = UniqueName(record.Object.Name, now),
                ["namespace"] = eventNamespace,
            },
            ["involvedObject"] = involved,
            ["reason"] = record.Reason,
            ["message"] = record.Message,
            ["source"] = source,
            ["firstTimestamp"] = stamp,
            ["lastTimestamp"] = stamp,
            ["count"] = 1,
            ["type"] = record.Type,
            ["reportingComponent"] = record.Component,
            ["reportingInstance"] = record.Host ?? "",
        };
        _recorded.Put(key, new Recorded(created, allowed));
        if (allowed)
        {
            _store.Tell(new CreateObject(ResourceTypes.Events, (JsonObject)created.DeepClone()), Self);
        }
    }

    private readonly HashSet<string> _namesThisTick = new(StringComparer.Ordinal);
    private DateTimeOffset _tick;

    /// <summary>
    /// Event names carry the time in hex nanoseconds; on a virtual clock several events of one object share a tick,
    /// so a later one takes the next free nanosecond.
    /// </summary>
    private string UniqueName(string objectName, DateTimeOffset now)
    {
        if (now != _tick)
        {
            _tick = now;
            _namesThisTick.Clear();
        }
        var name = ObjectNames.EventName(objectName, now);
        for (var offset = 1; !_namesThisTick.Add(name); offset++)
        {
            name = ObjectNames.EventName(objectName, now.AddTicks(offset));
        }
        return name;
    }

    private void ExpireOld()
    {
        var cutoff = Clock.UtcNow - Ttl;
        while (_recorded.Oldest is { } recorded && Rfc3339Time.Parse(recorded.Event["lastTimestamp"]!.GetValue<string>()) < cutoff)
        {
            var metadata = recorded.Event["metadata"]!;
            if (recorded.Written)
            {
                _store.Tell(new DeleteObject(ResourceTypes.Events, metadata["namespace"]!.GetValue<string>(), metadata["name"]!.GetValue<string>(), new DeleteOptions()), Self);
            }
            _recorded.RemoveOldest();
        }
    }
}
