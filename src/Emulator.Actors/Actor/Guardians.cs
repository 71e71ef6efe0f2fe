using Emulator.Actors.Dispatch;

namespace Emulator.Actors;

/// <summary>
/// <c>/</c>: parent of <c>/user</c> and <c>/system</c>. When the user guardian has stopped it stops the system
/// guardian, then itself; its own stop completes the system's termination. Failing guardians are stopped.
/// </summary>
internal sealed class RootGuardian : UntypedActor
{
    protected override SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.StoppingStrategy;

    protected override void PreStart()
    {
        Context.Watch(Context.Child("user")!);
        Context.Watch(Context.Child("system")!);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Terminated t when t.ActorRef.Path.Name == "user":
                Context.Stop(Context.Child("system") ?? Self);
                break;
            case Terminated t when t.ActorRef.Path.Name == "system":
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    // The root keeps its children through restarts (there are none: failures stop it).
    protected override void PreRestart(Exception reason, object? message) { }
}

/// <summary><c>/user</c> and <c>/system</c>: parents of top-level actors, supervising them with the default strategy.</summary>
internal sealed class Guardian : UntypedActor
{
    protected override void OnReceive(object message)
    {
        if (message is not Terminated)
        {
            Unhandled(message);
        }
    }
}

/// <summary>
/// The parent of the root guardian ("the one who walks the bubbles of space-time" in Akka): it learns that the
/// root stopped, which completes the system's termination.
/// </summary>
internal sealed class BubbleWalker(ActorSystem system, ActorPath path) : InternalActorRef
{
    public override ActorPath Path { get; } = path;

    public override InternalActorRef Parent => this;

    public override bool IsTerminated => false;

    public override void Tell(object message, IActorRef? sender) =>
        system.DeadLetters.Tell(new DeadLetter(message, sender, this), sender);

    public override void SendSystemMessage(SystemMessage message)
    {
        switch (message)
        {
            case Failed failed:
                ((InternalActorRef)failed.Child).Stop();
                break;
            case DeathWatchNotification dwn when dwn.Actor.Equals(system.RootGuardianRef):
                system.OnRootTerminated();
                break;
        }
    }
}
