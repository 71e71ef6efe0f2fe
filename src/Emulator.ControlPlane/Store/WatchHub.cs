using Akka.Actor;
using Akka.Event;

namespace Emulator.ControlPlane.Store;

/// <summary>
/// Starts a watch: events of <paramref name="Resource"/> (null: every resource) in <paramref name="Namespace"/> (null: all)
/// after <paramref name="FromResourceVersion"/> (0: only new events) that pass <paramref name="Filter"/> go to
/// <paramref name="Subscriber"/> as <see cref="WatchEvent"/>s, in resourceVersion order. <paramref name="NodeName"/> is the
/// kubelet's <c>spec.nodeName=NODE</c> field selector: only pods bound to that node pass (and <paramref name="Filter"/>
/// too, when given); the hub looks such watches up by node instead of asking every one of them about every pod change.
/// </summary>
public sealed record StartWatch(string? Resource, string? Namespace, long FromResourceVersion, Func<StoredObject, bool>? Filter, IActorRef Subscriber, string? NodeName = null);

/// <summary>Ends a subscriber's watches.</summary>
public sealed record StopWatch(IActorRef Subscriber);

/// <summary>The watch could not start: the requested history is gone (410 Expired).</summary>
public sealed record WatchExpired(ApiStatus Status);

/// <summary>
/// Fans the store's durable changes out to watchers, and keeps a window of recent changes so that a watch can resume
/// from a resourceVersion (older than the window: 410 Expired, as the API server answers). With a filter, an object that
/// starts or stops matching is reported as ADDED or DELETED, as Kubernetes does for selector watches.
/// </summary>
public sealed class WatchHub : UntypedActor
{
    private readonly Queue<WatchEvent> _window = new();
    private readonly int _windowSize;
    // Watches without a node name, by resource (and those of every resource): a change is offered to the watches of its
    // resource only.
    private readonly Dictionary<string, List<StartWatch>> _byResource = new(StringComparer.Ordinal);
    private readonly List<StartWatch> _anyResource = [];
    // Watches with a node name, by that name: a pod change concerns at most the watches of its old and new node.
    private readonly Dictionary<string, List<StartWatch>> _byNode = new(StringComparer.Ordinal);
    private long _lastResourceVersion;

    /// <summary>Creates the hub keeping the last <paramref name="windowSize"/> changes.</summary>
    public WatchHub(int windowSize = 50_000) => _windowSize = windowSize;

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WatchEvent change:
                if (_lastResourceVersion > 0 && change.ResourceVersion > _lastResourceVersion + 1)
                {
                    ExpireAll(change.ResourceVersion);
                }
                _lastResourceVersion = change.ResourceVersion;
                _window.Enqueue(change);
                if (_window.Count > _windowSize)
                {
                    _window.Dequeue();
                }
                if (_byResource.TryGetValue(change.Object.Resource, out var watching))
                {
                    foreach (var watch in watching)
                    {
                        Deliver(watch, change);
                    }
                }
                foreach (var watch in _anyResource)
                {
                    Deliver(watch, change);
                }
                DeliverToNode(change.Object.NodeName, change);
                if (change.Previous?.NodeName is { } previousNode && previousNode != change.Object.NodeName)
                {
                    DeliverToNode(previousNode, change);
                }
                break;
            case StartWatch start:
                Begin(start);
                break;
            case StopWatch stop:
                Remove(stop.Subscriber);
                Context.Unwatch(stop.Subscriber);
                break;
            case Terminated terminated:
                Remove(terminated.ActorRef);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// Every store event gets the next resourceVersion, so a jump means changes never reached this hub: lost between
    /// processes (distributed pub-sub delivers at most once) or kept by a store that stopped before publishing them.
    /// Its history has a hole: every watcher is told its watch expired (the 410 an API server sends when it cannot
    /// continue a watch) and relists, and no watch resumes from before the hole.
    /// </summary>
    private void ExpireAll(long arrived)
    {
        Context.GetLogger().Warning("Store changes {0} to {1} never arrived; every watch expires and relists", _lastResourceVersion + 1, arrived - 1);
        _window.Clear();
        foreach (var watch in _anyResource.Concat(_byResource.Values.SelectMany(w => w)).Concat(_byNode.Values.SelectMany(w => w)))
        {
            watch.Subscriber.Tell(new WatchExpired(ApiStatus.Expired(_lastResourceVersion, arrived)), Self);
        }
    }

    private void Begin(StartWatch start)
    {
        if (start.FromResourceVersion > 0 && start.FromResourceVersion < _lastResourceVersion)
        {
            var oldest = _window.Count > 0 ? _window.Peek().ResourceVersion : _lastResourceVersion + 1;
            if (start.FromResourceVersion < oldest - 1)
            {
                start.Subscriber.Tell(new WatchExpired(ApiStatus.Expired(start.FromResourceVersion, oldest)), Self);
                return;
            }
            foreach (var change in _window)
            {
                if (change.ResourceVersion > start.FromResourceVersion)
                {
                    Deliver(start, change);
                }
            }
        }
        if (start.NodeName is { } node)
        {
            AddTo(_byNode, node, start);
        }
        else
        {
            if (start.Resource is { } resource)
            {
                AddTo(_byResource, resource, start);
            }
            else
            {
                _anyResource.Add(start);
            }
        }
        Context.Watch(start.Subscriber);
    }

    private void DeliverToNode(string? node, WatchEvent change)
    {
        if (node is not null && _byNode.TryGetValue(node, out var watches))
        {
            foreach (var watch in watches)
            {
                Deliver(watch, change);
            }
        }
    }

    private void Remove(IActorRef subscriber)
    {
        _anyResource.RemoveAll(w => w.Subscriber.Equals(subscriber));
        RemoveFrom(_byResource, subscriber);
        RemoveFrom(_byNode, subscriber);
    }

    private static void AddTo(Dictionary<string, List<StartWatch>> map, string key, StartWatch watch)
    {
        if (!map.TryGetValue(key, out var watches))
        {
            map[key] = watches = [];
        }
        watches.Add(watch);
    }

    private static void RemoveFrom(Dictionary<string, List<StartWatch>> map, IActorRef subscriber)
    {
        foreach (var (key, watches) in map.ToArray())
        {
            if (watches.RemoveAll(w => w.Subscriber.Equals(subscriber)) > 0 && watches.Count == 0)
            {
                map.Remove(key);
            }
        }
    }

    // Whether an object passes a watch's node name and filter.
    private static bool Passes(StartWatch watch, StoredObject obj) =>
        (watch.NodeName is null || watch.NodeName == obj.NodeName) && (watch.Filter is not { } filter || filter(obj));

    private static void Deliver(StartWatch watch, WatchEvent change)
    {
        var obj = change.Object;
        // A watch started from a list's resourceVersion must not see the changes the list already held: the store
        // applies a write before it is durable, so a list can be ahead of the hub.
        if (change.ResourceVersion <= watch.FromResourceVersion)
        {
            return;
        }
        if ((watch.Resource is not null && watch.Resource != obj.Resource) || (watch.Namespace is not null && watch.Namespace != obj.Namespace))
        {
            return;
        }
        if (watch.Filter is null && watch.NodeName is null)
        {
            watch.Subscriber.Tell(change, null);
            return;
        }
        var matches = change.Type != WatchEventType.Deleted && Passes(watch, obj);
        var matched = change.Previous is { } previous && Passes(watch, previous);
        if (change.Type == WatchEventType.Deleted)
        {
            if (matched || Passes(watch, obj))
            {
                watch.Subscriber.Tell(change, null);
            }
            return;
        }
        if (matches)
        {
            watch.Subscriber.Tell(matched || change.Type == WatchEventType.Added ? change : change with { Type = WatchEventType.Added }, null);
        }
        else if (matched)
        {
            watch.Subscriber.Tell(change with { Type = WatchEventType.Deleted }, null);
        }
    }
}
