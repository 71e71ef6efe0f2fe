namespace Emulator.Actors.Dispatch;

/// <summary>
/// Lifecycle, supervision and death-watch messages. They overtake user messages and are processed even
/// while the mailbox is suspended. Each instance is its own node in the mailbox's lock-free system queue,
/// so it must be enqueued at most once.
/// </summary>
internal abstract class SystemMessage
{
    internal SystemMessage? Next;

    public override string ToString() => GetType().Name;
}

/// <summary>First message of every actor: builds the instance and runs <c>PreStart</c>.</summary>
internal sealed class Create : SystemMessage;

/// <summary>Parent's Restart directive.</summary>
internal sealed class Recreate(Exception cause) : SystemMessage
{
    public Exception Cause { get; } = cause;
}

/// <summary>Stops processing user messages (used while a parent or this actor is failed).</summary>
internal sealed class Suspend : SystemMessage;

/// <summary>Parent's Resume directive, or the end of a suspension.</summary>
internal sealed class Resume(Exception? causedByFailure) : SystemMessage
{
    public Exception? CausedByFailure { get; } = causedByFailure;
}

/// <summary>Stops the actor (after its children).</summary>
internal sealed class Terminate : SystemMessage;

/// <summary><paramref name="watcher"/> wants a notification when <paramref name="watchee"/> stops.</summary>
internal sealed class Watch(InternalActorRef watchee, InternalActorRef watcher) : SystemMessage
{
    public InternalActorRef Watchee { get; } = watchee;

    public InternalActorRef Watcher { get; } = watcher;
}

/// <summary>Cancels a <see cref="Watch"/>.</summary>
internal sealed class Unwatch(InternalActorRef watchee, InternalActorRef watcher) : SystemMessage
{
    public InternalActorRef Watchee { get; } = watchee;

    public InternalActorRef Watcher { get; } = watcher;
}

/// <summary>Tells a watcher (or the parent) that <paramref name="actor"/> has stopped.</summary>
internal sealed class DeathWatchNotification(IActorRef actor, bool existenceConfirmed, bool addressTerminated) : SystemMessage
{
    public IActorRef Actor { get; } = actor;

    public bool ExistenceConfirmed { get; } = existenceConfirmed;

    public bool AddressTerminated { get; } = addressTerminated;
}

/// <summary>A child reports its failure to its parent, which applies its supervisor strategy.</summary>
internal sealed class Failed(IActorRef child, Exception cause, long uid) : SystemMessage
{
    public IActorRef Child { get; } = child;

    public Exception Cause { get; } = cause;

    public long Uid { get; } = uid;
}
