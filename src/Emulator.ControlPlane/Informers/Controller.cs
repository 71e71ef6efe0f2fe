using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.Store;
using Emulator.Runtime.Actors;

namespace Emulator.ControlPlane.Informers;

/// <summary>
/// Base of level-triggered controllers, as Kubernetes builds them on informers and a work queue: the controller lists
/// and watches the types it needs into <see cref="ObjectCache"/>s, maps each change to the keys it must reconcile
/// (<see cref="OnChange"/>), and reconciles each queued key once per turn however many changes named it
/// (<see cref="Reconcile"/>). Writes go to the store with <c>Tell</c>; while a key's writes are in flight its reconcile
/// waits for their replies (Kubernetes' "expectations"), so a controller never acts twice on a view its own writes
/// already changed. A periodic resync re-queues everything, and a restart relists: killing a controller loses nothing.
/// </summary>
public abstract partial class Controller : EmulatedActor
{
    private readonly Dictionary<string, ObjectCache> _caches = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unsynced = new(StringComparer.Ordinal);
    private readonly HashSet<ObjectKey> _queue = [];
    private readonly HashSet<ObjectKey> _deferred = [];
    private readonly Dictionary<ObjectKey, int> _inFlight = [];
    private readonly Dictionary<ObjectKey, int> _writeFailures = [];
    private readonly HashSet<ObjectKey> _backingOff = [];
    private readonly TimeSpan? _resync;
    private const int MaxDeferrals = 16;

    /// <summary>First wait before a key whose write failed is reconciled again (client-go's rate limiter: 5 ms doubling to 1000 s).</summary>
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan MaxFailureBackoff = TimeSpan.FromSeconds(1000);
    private bool _processScheduled;
    private int _changesSinceScheduled;
    private int _deferrals;

    /// <summary>Creates a controller that watches <paramref name="watched"/> (the first is its primary type).</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="watched">The types to cache.</param>
    /// <param name="resync">How often every primary object is reconciled again (null: never).</param>
    protected Controller(IActorRef store, IActorRef watchHub, IReadOnlyList<ResourceType> watched, TimeSpan? resync = null)
    {
        Store = store;
        WatchHub = watchHub;
        _resync = resync;
        foreach (var type in watched)
        {
            _caches[type.Key] = new ObjectCache(type);
        }
        Primary = watched[0];
    }

    private sealed record Relist(ResourceType Type);

    private sealed record ProcessQueue;

    private sealed record ResyncAll;

    private sealed record Requeue(ObjectKey Key);

    private sealed record RetryFailedWrite(ObjectKey Key);

    /// <summary>Identifies a write of this controller: the key it was made for, and what the subclass attached.</summary>
    protected sealed record WriteTag(ObjectKey Key, ResourceType Type, object? State);

    /// <summary>The API store.</summary>
    protected IActorRef Store { get; }

    /// <summary>The watch hub.</summary>
    protected IActorRef WatchHub { get; }

    /// <summary>The primary type (whose objects resync re-queues).</summary>
    protected ResourceType Primary { get; }

    /// <summary>True once every cache has been listed.</summary>
    protected bool Synced => _unsynced.Count == 0;

    /// <summary>The emulated clock's time (virtual in tests).</summary>
    protected DateTimeOffset Now => Clock.UtcNow;

    /// <summary>The cache of a watched type.</summary>
    protected ObjectCache Cache(ResourceType type) => _caches[type.Key];

    /// <summary>
    /// A change seen by the watch (or a relist): queue what must be reconciled. The default queues the key of a
    /// primary object.
    /// </summary>
    protected virtual void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == Primary.Key && (after ?? before) is { } obj)
        {
            Enqueue(KeyOf(type, obj));
        }
    }

    /// <summary>Brings one object to its desired state. Runs only once every cache is synced.</summary>
    protected abstract void Reconcile(ObjectKey key);

    /// <summary>Called once after the first full sync, before the first reconcile.</summary>
    protected virtual void OnSynced()
    {
    }

    /// <summary>A reply to one of this controller's writes. The default logs failures other than conflicts and not-found.</summary>
    protected virtual void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        if (reply.Error is { } error && error.Reason is not ("Conflict" or "NotFound" or "AlreadyExists"))
        {
            Log.Warning("{0} write for {1} failed: {2}", tag.Type.Kind, tag.Key, error.Message);
        }
    }

    /// <summary>
    /// Which objects of <paramref name="type"/> the controller caches (null: all), as an informer's list options narrow
    /// its list and watch: a controller that needs a few objects of a common type keeps only those.
    /// </summary>
    protected virtual ObjectSelector? Selects(ResourceType type) => null;

    /// <summary>Messages other than the controller machinery's.</summary>
    protected virtual void OnOtherMessage(object message) => Unhandled(message);

    /// <inheritdoc />
    protected override void PreStart()
    {
        _unsynced.UnionWith(_caches.Keys);
        ListAll();
        if (_resync is { } every)
        {
            Timers.StartPeriodicTimer("controller-resync", new ResyncAll(), every, every);
        }
    }

    /// <inheritdoc />
    protected override void PostStop() => WatchHub.Tell(new StopWatch(Self), Self);

    /// <inheritdoc />
    protected sealed override void OnReceive(object message)
    {
        switch (message)
        {
            case WatchEvent change when _caches.TryGetValue(change.Object.Resource, out var cache):
                _changesSinceScheduled++;
                if (cache.Apply(change) is { } applied)
                {
                    OnChange(cache.Type, applied.Before, applied.After);
                }
                break;
            case ListReply { Correlation: Relist relist } listed:
                Listed(relist.Type, listed);
                break;
            case StoreReply { Correlation: WriteTag tag } reply:
                WriteCompleted(reply, tag);
                break;
            case WatchExpired:
                // The watch fell behind the hub's window: relist everything (as an informer does on 410).
                WatchHub.Tell(new StopWatch(Self), Self);
                ListAll();
                break;
            case ProcessQueue when _changesSinceScheduled > 0 && _deferrals < MaxDeferrals:
                // Changes keep arriving: let the ones already in the mailbox in first, so one reconcile sees them all
                // (a work queue coalesces while its worker is busy). Bounded, so a steady stream still gets reconciled.
                _changesSinceScheduled = 0;
                _deferrals++;
                Self.Tell(new ProcessQueue(), Self);
                break;
            case ProcessQueue:
                _deferrals = 0;
                Process();
                break;
            case Requeue requeue:
                Enqueue(requeue.Key);
                break;
            case RetryFailedWrite retry:
                Enqueue(retry.Key);
                break;
            case ResyncAll:
                EnqueueAllPrimary();
                break;
            default:
                OnOtherMessage(message);
                break;
        }
    }

    /// <summary>Queues a key for reconciliation (coalesced: once per turn).</summary>
    protected void Enqueue(ObjectKey key)
    {
        _queue.Add(key);
        if (!_processScheduled)
        {
            _processScheduled = true;
            _changesSinceScheduled = 0;
            Self.Tell(new ProcessQueue(), Self);
        }
    }

    /// <summary>
    /// Queues a key for another pass once its last write in flight is answered — unless one of its writes failed since
    /// its last pass: the failure's back-off queues it then.
    /// </summary>
    protected void EnqueueWhenWritten(ObjectKey key)
    {
        if (WritesInFlight(key) == 0 && !_backingOff.Contains(key))
        {
            Enqueue(key);
        }
    }

    /// <summary>Queues a key after <paramref name="delay"/> of emulated time (one timer per key: the latest wins).</summary>
    protected void EnqueueAfter(ObjectKey key, TimeSpan delay) =>
        Timers.StartSingleTimer(("requeue", key), new Requeue(key), delay <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : delay);

    /// <summary>The key of an object of a type.</summary>
    protected static ObjectKey KeyOf(ResourceType type, CachedObject obj) => new(type.Key, obj.Namespace, obj.Name);

    private void Listed(ResourceType type, ListReply listed)
    {
        var cache = Cache(type);
        foreach (var (before, after) in cache.Replace(listed.Items))
        {
            OnChange(type, before, after);
        }
        WatchHub.Tell(new StartWatch(type.Key, null, listed.ResourceVersion, Selects(type)?.Compile(), Self), Self);
        if (_unsynced.Remove(type.Key) && _unsynced.Count == 0)
        {
            OnSynced();
            EnqueueAllPrimary();
        }
    }

    private void ListAll()
    {
        foreach (var cache in _caches.Values)
        {
            Store.Tell(new ListObjects(cache.Type, null, Selects(cache.Type)) { Correlation = new Relist(cache.Type) }, Self);
        }
    }

    private void EnqueueAllPrimary()
    {
        foreach (var obj in Cache(Primary).All)
        {
            Enqueue(KeyOf(Primary, obj));
        }
    }

    private void Process()
    {
        _processScheduled = false;
        if (!Synced)
        {
            // Reconciling before every cache is listed would act on a partial view; the sync queues everything.
            return;
        }
        var keys = _queue.ToArray();
        _queue.Clear();
        foreach (var key in keys)
        {
            if (_inFlight.ContainsKey(key))
            {
                _deferred.Add(key);
                continue;
            }
            try
            {
                _backingOff.Remove(key);
                Reconcile(key);
                if (!_inFlight.ContainsKey(key))
                {
                    // Nothing left to write: the key is in sync, its back-off starts over (the work queue's Forget).
                    _writeFailures.Remove(key);
                }
            }
            catch (Exception e) when (e is not ActorKilledException)
            {
                // One broken object must not stop the others: log and retry later, as a work queue's rate limiter does.
                Log.Error(e, "Reconciling {0} failed", key);
                EnqueueAfter(key, TimeSpan.FromSeconds(5));
            }
        }
    }

    private void WriteCompleted(StoreReply reply, WriteTag tag)
    {
        if (reply.Object is { } obj && _caches.TryGetValue(tag.Type.Key, out var cache))
        {
            // A controller's own writes change its view as the watch would: whichever of the reply and the watch event
            // comes first updates the cache and notifies OnChange, the other is then a no-op.
            if (tag.State is DeleteMarker && !obj.IsDeleting)
            {
                if (cache.Forget(obj.Namespace, obj.Name, obj.ResourceVersion) is { } removed)
                {
                    OnChange(cache.Type, removed, null);
                }
            }
            else if (reply.IsSuccess && cache.Observe(obj) is { } observed)
            {
                // Includes a delete that started a graceful deletion: the cache must see the object terminating at once,
                // or the next reconcile would still count it (and, say, delete another pod).
                OnChange(cache.Type, observed.Before, observed.After);
            }
        }
        if (_inFlight.TryGetValue(tag.Key, out var count))
        {
            if (count <= 1)
            {
                _inFlight.Remove(tag.Key);
                if (_deferred.Remove(tag.Key))
                {
                    Enqueue(tag.Key);
                }
            }
            else
            {
                _inFlight[tag.Key] = count - 1;
            }
        }
        if (reply.Error is { Reason: not ("NotFound" or "AlreadyExists") })
        {
            // Someone else wrote first (a conflict), or the write was refused: look again later, as a work queue's rate
            // limiter requeues a failed key. Not at once: the winning write may not be durable yet (its watch event
            // comes when it is), and retrying from the same stale cache would fail again and again — on virtual time
            // without ever letting the clock move.
            var failures = _writeFailures.GetValueOrDefault(tag.Key);
            _writeFailures[tag.Key] = failures + 1;
            _backingOff.Add(tag.Key);
            Timers.StartSingleTimer(("retry", tag.Key), new RetryFailedWrite(tag.Key),
                TimeSpan.FromTicks(Math.Min(MaxFailureBackoff.Ticks, FailureBackoff.Ticks << Math.Min(failures, 30))));
        }
        OnWriteReply(reply, tag.State is DeleteMarker marker ? tag with { State = marker.State } : tag);
    }
}
