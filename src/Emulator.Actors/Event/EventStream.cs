namespace Emulator.Actors.Event;

/// <summary>
/// The system-wide publish/subscribe bus. A subscriber to a type receives every published event of that type
/// or of a subtype. Actor subscribers get events as messages; handler subscribers are called synchronously on
/// the publishing thread (they must be thread-safe and quick). Stopped actors are unsubscribed automatically.
/// </summary>
public sealed class EventStream
{
    private readonly object _gate = new();
    private Subscription[] _subscriptions = [];
    private Dictionary<Type, Subscription[]> _byEventType = [];

    /// <summary>Subscribes an actor to <paramref name="channel"/> and its subtypes; false if it already was.</summary>
    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_gate)
        {
            if (_subscriptions.Any(s => s.Actor is not null && s.Actor.Equals(subscriber) && s.Channel == channel))
            {
                return false;
            }
            Replace([.. _subscriptions, new Subscription(channel, subscriber, null)]);
            return true;
        }
    }

    /// <summary>Subscribes a synchronous handler; dispose the result to unsubscribe.</summary>
    public IDisposable Subscribe<T>(Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(typeof(T), null, e => handler((T)e));
        lock (_gate)
        {
            Replace([.. _subscriptions, subscription]);
        }
        return new Unsubscriber(this, subscription);
    }

    /// <summary>Removes an actor's subscription to one channel.</summary>
    public bool Unsubscribe(IActorRef subscriber, Type channel)
    {
        lock (_gate)
        {
            var kept = _subscriptions.Where(s => !(s.Actor is not null && s.Actor.Equals(subscriber) && s.Channel == channel)).ToArray();
            var removed = kept.Length != _subscriptions.Length;
            Replace(kept);
            return removed;
        }
    }

    /// <summary>Removes all of an actor's subscriptions.</summary>
    public bool Unsubscribe(IActorRef subscriber)
    {
        lock (_gate)
        {
            var kept = _subscriptions.Where(s => s.Actor is null || !s.Actor.Equals(subscriber)).ToArray();
            var removed = kept.Length != _subscriptions.Length;
            Replace(kept);
            return removed;
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            Replace(_subscriptions.Where(s => !ReferenceEquals(s, subscription)).ToArray());
        }
    }

    private void Replace(Subscription[] subscriptions)
    {
        _subscriptions = subscriptions;
        Volatile.Write(ref _byEventType, []);
    }

    /// <summary>Publishes an event to every matching subscriber.</summary>
    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        foreach (var s in SubscribersOf(@event.GetType()))
        {
            if (s.Actor is { } actor)
            {
                if (actor is InternalActorRef { IsTerminated: true })
                {
                    Unsubscribe(actor);
                    continue;
                }
                actor.Tell(@event, null);
            }
            else
            {
                s.Handler!(@event);
            }
        }
    }

    private Subscription[] SubscribersOf(Type eventType)
    {
        var cache = Volatile.Read(ref _byEventType);
        if (cache.TryGetValue(eventType, out var subscribers))
        {
            return subscribers;
        }
        lock (_gate)
        {
            subscribers = _subscriptions.Where(s => s.Channel.IsAssignableFrom(eventType)).ToArray();
            var next = new Dictionary<Type, Subscription[]>(_byEventType) { [eventType] = subscribers };
            Volatile.Write(ref _byEventType, next);
            return subscribers;
        }
    }

    private sealed record Subscription(Type Channel, IActorRef? Actor, Action<object>? Handler);

    private sealed class Unsubscriber(EventStream stream, Subscription subscription) : IDisposable
    {
        public void Dispose() => stream.Remove(subscription);
    }
}
