using Emulator.Actors.Event;

namespace Emulator.Actors;

/// <summary>
/// Base of every actor. Instances are created by the kernel from <see cref="Props"/> (never with <c>new</c>
/// from user code), run one message at a time, and are replaced by a fresh instance on restart.
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;

    /// <summary>Binds the instance to the cell that is creating it.</summary>
    protected ActorBase()
    {
        _cell = ActorCell.Current ?? throw new ActorNotCreatedException(
            $"Actor [{GetType().Name}] must be created by the actor system (ActorOf with Props), not with 'new'.");
    }

    internal ActorCell Cell => _cell;

    /// <summary>The actor's context.</summary>
    protected IActorContext Context => _cell;

    /// <summary>This actor.</summary>
    protected IActorRef Self => _cell.Self;

    /// <summary>The sender of the current message (dead letters when there is none).</summary>
    protected IActorRef Sender => _cell.Sender;

    /// <summary>Stash for this actor; messages put back by unstash run before any newer message.</summary>
    protected IStash Stash => _cell.Stash;

    /// <summary>Keyed timers owned by this actor; cancelled on restart and stop.</summary>
    protected ITimerScheduler Timers => _cell.Timers;

    /// <summary>Handles a message with the initial behaviour; returns false when not handled.</summary>
    protected abstract bool Receive(object message);

    internal bool AroundReceive(object message) => Receive(message);

    /// <summary>Called when the actor did not handle a message: a <see cref="Terminated"/> becomes a <see cref="DeathPactException"/>, anything else is published as <see cref="UnhandledMessage"/>.</summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated terminated)
        {
            throw new DeathPactException(terminated.ActorRef);
        }
        _cell.System.EventStream.Publish(new UnhandledMessage(message, _cell.SenderOrNull, Self));
    }

    internal void CallUnhandled(object message) => Unhandled(message);

    internal SupervisorStrategy AroundSupervisorStrategy() => SupervisorStrategy();

    internal void AroundPreStart() => PreStart();

    internal void AroundPostStop() => PostStop();

    internal void AroundPreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void AroundPostRestart(Exception reason) => PostRestart(reason);

    /// <summary>The strategy used for this actor's children.</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.DefaultStrategy;

    /// <summary>Called once when the instance starts (also after a restart, through <see cref="PostRestart"/>).</summary>
    protected virtual void PreStart() { }

    /// <summary>Called once after the actor stopped (its children have stopped before).</summary>
    protected virtual void PostStop() { }

    /// <summary>Called on the failed instance before it is replaced. Default: stop all children, then <see cref="PostStop"/>.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.Children)
        {
            Context.Unwatch(child);
            Context.Stop(child);
        }
        PostStop();
    }

    /// <summary>Called on the fresh instance after a restart. Default: <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>Replaces the behaviour for the following messages.</summary>
    protected void Become(Receive receive) => Context.Become(receive);

    /// <summary>Sets the receive timeout (null switches it off).</summary>
    protected void SetReceiveTimeout(TimeSpan? timeout) => Context.SetReceiveTimeout(timeout);
}

/// <summary>An actor that handles every message in one method.</summary>
public abstract class UntypedActor : ActorBase
{
    /// <summary>Handles a message; call <see cref="ActorBase.Unhandled"/> for messages it does not understand.</summary>
    protected abstract void OnReceive(object message);

    /// <inheritdoc />
    protected sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }

    /// <summary>Switches to a behaviour written as an <see cref="OnReceive"/>-style method.</summary>
    protected void Become(Action<object> receive) => Context.Become(m =>
    {
        receive(m);
        return true;
    });

    /// <summary>Pushes a behaviour written as an <see cref="OnReceive"/>-style method.</summary>
    protected void BecomeStacked(Action<object> receive) => Context.BecomeStacked(m =>
    {
        receive(m);
        return true;
    });
}
