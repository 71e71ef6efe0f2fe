using Emulator.Actors.Dispatch;

namespace Emulator.Actors;

/// <summary>
/// Receives every message that could not be delivered and publishes it on the event stream as a
/// <see cref="DeadLetter"/> (or <see cref="SuppressedDeadLetter"/>).
/// </summary>
internal sealed class DeadLetterActorRef(ActorSystem system, ActorPath path) : InternalActorRef
{
    public override ActorPath Path { get; } = path;

    public override InternalActorRef Parent => system.RootGuardianRef;

    public override bool IsTerminated => false;

    public override void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message)
        {
            case DeadLetter d:
                system.EventStream.Publish(d.Message is IDeadLetterSuppression ? new SuppressedDeadLetter(d.Message, d.Sender, d.Recipient) : d);
                break;
            case IDeadLetterSuppression:
                system.EventStream.Publish(new SuppressedDeadLetter(message, sender, this));
                break;
            default:
                system.EventStream.Publish(new DeadLetter(message, sender, this));
                break;
        }
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch watch)
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(watch.Watchee, existenceConfirmed: false, addressTerminated: false));
        }
    }
}

/// <summary>
/// What a lookup of a path with no actor returns: messages become dead letters, a watch is answered with
/// <see cref="Terminated"/> at once, and <see cref="Identify"/> answers with an empty identity.
/// </summary>
internal sealed class EmptyLocalActorRef(ActorSystem system, ActorPath path) : InternalActorRef
{
    public override ActorPath Path { get; } = path;

    public override InternalActorRef Parent => system.RootGuardianRef;

    public override bool IsTerminated => true;

    public override void Tell(object message, IActorRef? sender)
    {
        if (message is Identify identify)
        {
            sender?.Tell(new ActorIdentity(identify.MessageId, null), this);
            return;
        }
        system.DeadLetters.Tell(new DeadLetter(message, sender, this), sender);
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch watch)
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed: false, addressTerminated: false));
        }
    }
}
