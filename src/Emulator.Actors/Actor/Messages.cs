namespace Emulator.Actors;

/// <summary>Marker for messages whose arrival does not reset an actor's receive timeout.</summary>
public interface INotInfluenceReceiveTimeout;

/// <summary>Marker for messages the kernel handles itself instead of passing them to the actor.</summary>
public interface IAutoReceivedMessage;

/// <summary>Marker for messages that must not be logged as dead letters (e.g. a <see cref="PoisonPill"/> to a dead actor).</summary>
public interface IDeadLetterSuppression;

/// <summary>
/// Stops the receiving actor once it is processed: messages queued before it are handled first,
/// messages after it go to dead letters.
/// </summary>
public sealed class PoisonPill : IAutoReceivedMessage, IDeadLetterSuppression
{
    private PoisonPill() { }

    /// <summary>The single instance.</summary>
    public static PoisonPill Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<PoisonPill>";
}

/// <summary>
/// Makes the receiving actor fail with <see cref="ActorKilledException"/>; the parent's strategy decides
/// (the default strategy stops it).
/// </summary>
public sealed class Kill : IAutoReceivedMessage
{
    private Kill() { }

    /// <summary>The single instance.</summary>
    public static Kill Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<Kill>";
}

/// <summary>Delivered once to every watcher when a watched actor has stopped.</summary>
/// <param name="ActorRef">The actor that stopped.</param>
/// <param name="ExistenceConfirmed">False when the actor was already gone (or never existed) when watched.</param>
/// <param name="AddressTerminated">True when the whole remote system is considered gone.</param>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed, bool AddressTerminated)
    : IAutoReceivedMessage, IDeadLetterSuppression;

/// <summary>Sent to an actor when no message arrived within its receive timeout.</summary>
public sealed class ReceiveTimeout : INotInfluenceReceiveTimeout
{
    private ReceiveTimeout() { }

    /// <summary>The single instance.</summary>
    public static ReceiveTimeout Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<ReceiveTimeout>";
}

/// <summary>Every actor answers with <see cref="ActorIdentity"/>; used to resolve selections.</summary>
public sealed record Identify(object? MessageId) : IAutoReceivedMessage, INotInfluenceReceiveTimeout;

/// <summary>The answer to <see cref="Identify"/>; <see cref="Subject"/> is null when nothing was found.</summary>
public sealed record ActorIdentity(object? MessageId, IActorRef? Subject);

/// <summary>Status replies, used by <c>PipeTo</c> and asks.</summary>
public static class Status
{
    /// <summary>A successful completion.</summary>
    public sealed record Success(object? Status);

    /// <summary>A failure carrying its cause; an ask completes with this exception.</summary>
    public sealed record Failure(Exception Cause);
}

/// <summary>Published on the event stream when an actor did not handle a message.</summary>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>Published on the event stream for every message that could not be delivered.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>Published for dead letters whose message is an <see cref="IDeadLetterSuppression"/>.</summary>
public sealed record SuppressedDeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);
