namespace Emulator.Actors;

/// <summary>Base class of the kernel's exceptions.</summary>
public class ActorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ActorException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>Thrown when a child name is malformed or already taken.</summary>
public sealed class InvalidActorNameException(string message) : ActorException(message);

/// <summary>Thrown by an actor that receives <see cref="Kill"/>.</summary>
public sealed class ActorKilledException(string message) : ActorException(message);

/// <summary>Thrown by an actor that receives a <see cref="Terminated"/> it does not handle.</summary>
public sealed class DeathPactException(IActorRef deadActor)
    : ActorException($"Monitored actor [{deadActor}] terminated")
{
    /// <summary>The watched actor that stopped.</summary>
    public IActorRef DeadActor { get; } = deadActor;
}

/// <summary>Wraps a failure of an actor's constructor or <c>PreStart</c>; the default strategy stops such an actor.</summary>
public sealed class ActorInitializationException(IActorRef? actor, string message, Exception? inner)
    : ActorException(message, inner)
{
    /// <summary>The actor that failed to start.</summary>
    public IActorRef? Actor { get; } = actor;
}

/// <summary>
/// Wraps a failure of the new instance (its constructor or <c>PostRestart</c>) during a restart, as Akka's
/// PostRestartException; the default strategy stops such an actor. Failures in <c>PreRestart</c> are only logged.
/// </summary>
public sealed class ActorRestartException(IActorRef actor, string message, Exception? inner)
    : ActorException(message, inner)
{
    /// <summary>The actor that failed while restarting.</summary>
    public IActorRef Actor { get; } = actor;
}

/// <summary>Thrown by <c>Props</c> and the <c>ActorOf</c> family when an actor cannot be created.</summary>
public sealed class ActorNotCreatedException(string message, Exception? inner = null) : ActorException(message, inner);

/// <summary>Fails an ask that got no answer in time, or whose target was already dead.</summary>
public sealed class AskTimeoutException(string message) : TimeoutException(message);

/// <summary>Raised when a stash holds more messages than its capacity.</summary>
public sealed class StashOverflowException(string message) : ActorException(message);

/// <summary>Raised when an actor calls <c>Stash</c> twice for the same message.</summary>
public sealed class IllegalActorStateException(string message) : ActorException(message);

/// <summary>Resolving a selection found no actor.</summary>
public sealed class ActorNotFoundException(string message) : ActorException(message);
