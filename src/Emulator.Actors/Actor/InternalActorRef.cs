using Emulator.Actors.Dispatch;

namespace Emulator.Actors;

/// <summary>The kernel's side of a ref: system messages, lifecycle and tree navigation.</summary>
internal abstract class InternalActorRef : ActorRefBase
{
    /// <summary>The parent ref; the root guardian's parent is the bubble walker.</summary>
    public abstract InternalActorRef Parent { get; }

    /// <summary>True once the incarnation has stopped for good.</summary>
    public abstract bool IsTerminated { get; }

    /// <summary>True for refs that live in this process.</summary>
    public virtual bool IsLocal => true;

    /// <summary>Enqueues a system message (lifecycle, supervision, death watch).</summary>
    public abstract void SendSystemMessage(SystemMessage message);

    /// <summary>Looks a direct child up by name.</summary>
    public virtual InternalActorRef? GetSingleChild(string name) => null;

    /// <summary>The children of this actor, for selections; empty for leaf refs.</summary>
    public virtual IEnumerable<InternalActorRef> GetChildrenSnapshot() => [];

    public void Stop() => SendSystemMessage(new Terminate());

    public void Suspend() => SendSystemMessage(new Suspend());

    public void Resume(Exception? causedByFailure) => SendSystemMessage(new Resume(causedByFailure));

    public void Restart(Exception cause) => SendSystemMessage(new Recreate(cause));
}

/// <summary>A ref to an actor that lives in this process and owns an <see cref="ActorCell"/>.</summary>
internal sealed class LocalActorRef : InternalActorRef
{
    private readonly ActorPath _path;

    public LocalActorRef(ActorSystem system, Props props, MessageDispatcher dispatcher, InternalActorRef parent, ActorPath path)
    {
        _path = path;
        Cell = new ActorCell(system, this, props, dispatcher, parent);
    }

    public ActorCell Cell { get; }

    public override ActorPath Path => _path;

    public override InternalActorRef Parent => Cell.ParentRef;

    public override bool IsTerminated => Cell.IsTerminated;

    public override void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Mailbox.Post(new Envelope(message, sender));
    }

    public override void SendSystemMessage(SystemMessage message) => Cell.Mailbox.PostSystem(message);

    public override InternalActorRef? GetSingleChild(string name) => Cell.GetChildByName(name);

    public override IEnumerable<InternalActorRef> GetChildrenSnapshot() => Cell.ChildrenSnapshot();
}
