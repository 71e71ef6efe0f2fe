using Emulator.Actors.Dispatch;
using Emulator.Actors.Event;

namespace Emulator.Actors;

/// <summary>A behaviour: handles a message and returns false when it did not.</summary>
public delegate bool Receive(object message);

/// <summary>What an actor sees of its own cell while it handles a message.</summary>
public interface IActorContext : IActorRefFactory
{
    /// <summary>This actor.</summary>
    IActorRef Self { get; }

    /// <summary>The sender of the current message (dead letters when there is none).</summary>
    IActorRef Sender { get; }

    /// <summary>The parent actor.</summary>
    IActorRef Parent { get; }

    /// <summary>The actor system.</summary>
    ActorSystem System { get; }

    /// <summary>The props this actor was created from.</summary>
    Props Props { get; }

    /// <summary>The dispatcher that runs this actor.</summary>
    MessageDispatcher Dispatcher { get; }

    /// <summary>The live children (stopping children included until they have stopped).</summary>
    IReadOnlyCollection<IActorRef> Children { get; }

    /// <summary>The child with that name, or null.</summary>
    IActorRef? Child(string name);

    /// <summary>Watches <paramref name="subject"/>: a <see cref="Terminated"/> arrives once when it stops.</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Watches <paramref name="subject"/>, delivering <paramref name="message"/> instead of <see cref="Terminated"/>.</summary>
    IActorRef WatchWith(IActorRef subject, object message);

    /// <summary>Stops watching; a <see cref="Terminated"/> not yet handled is dropped.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Stops this actor or one of its children (asynchronously).</summary>
    void Stop(IActorRef child);

    /// <summary>Replaces the current behaviour.</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behaviour; <see cref="UnbecomeStacked"/> pops it.</summary>
    void BecomeStacked(Receive receive);

    /// <summary>Returns to the previous behaviour.</summary>
    void UnbecomeStacked();

    /// <summary>Sends <see cref="ReceiveTimeout"/> after this much inactivity (repeatedly); null switches it off.</summary>
    void SetReceiveTimeout(TimeSpan? timeout);

    /// <summary>The current receive timeout, or null.</summary>
    TimeSpan? ReceiveTimeout { get; }

    /// <summary>A logger whose source is this actor's path.</summary>
    ILoggingAdapter GetLogger();
}
