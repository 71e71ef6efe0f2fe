namespace Emulator.Actors;

/// <summary>
/// A handle to an actor. Messages sent through it are delivered at most once and, between one sender
/// and one receiver, in the order they were sent. Two refs are equal when they name the same incarnation.
/// </summary>
public interface IActorRef : IEquatable<IActorRef>, IComparable<IActorRef>
{
    /// <summary>The path of the actor, including the uid of its incarnation.</summary>
    ActorPath Path { get; }

    /// <summary>Sends <paramref name="message"/>; <paramref name="sender"/> becomes the receiver's <c>Sender</c>.</summary>
    void Tell(object message, IActorRef? sender);
}

/// <summary>Creates actors: implemented by <see cref="ActorSystem"/> (top-level actors) and actor contexts (children).</summary>
public interface IActorRefFactory
{
    /// <summary>Creates an actor; <paramref name="name"/> must be unique among its siblings.</summary>
    /// <exception cref="InvalidActorNameException">The name is malformed or taken.</exception>
    /// <exception cref="InvalidOperationException">The parent (or the system) is stopping or has stopped.</exception>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>Selects actors by path, relative to this factory's anchor; elements may contain <c>*</c> and <c>?</c>.</summary>
    ActorSelection ActorSelection(string path);
}

/// <summary>Convenience for <see cref="IActorRef"/>.</summary>
public static class ActorRefExtensions
{
    /// <summary>Sends a message with the current actor (if any) as sender.</summary>
    public static void Tell(this IActorRef receiver, object message) =>
        receiver.Tell(message, ActorCell.CurrentSelfOrNull);

    /// <summary>Sends a message keeping the current message's original sender.</summary>
    public static void Forward(this IActorRef receiver, object message)
    {
        var cell = ActorCell.Current;
        receiver.Tell(message, cell?.SenderOrNull);
    }

    /// <summary>True when the ref points to nothing useful (null or dead letters).</summary>
    public static bool IsNobody(this IActorRef? actorRef) => actorRef is null or Nobody or DeadLetterActorRef;
}

/// <summary>Base class for refs: equality by path and uid, and a readable <see cref="ToString"/>.</summary>
public abstract class ActorRefBase : IActorRef
{
    /// <inheritdoc />
    public abstract ActorPath Path { get; }

    /// <inheritdoc />
    public abstract void Tell(object message, IActorRef? sender);

    /// <inheritdoc />
    public bool Equals(IActorRef? other) =>
        other is not null && (ReferenceEquals(this, other) || (Path.Uid == other.Path.Uid && Path.Equals(other.Path)));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is IActorRef other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Path.GetHashCode(), Path.Uid);

    /// <inheritdoc />
    public int CompareTo(IActorRef? other)
    {
        if (other is null)
        {
            return 1;
        }
        var byPath = Path.CompareTo(other.Path);
        return byPath != 0 ? byPath : Path.Uid.CompareTo(other.Path.Uid);
    }

    /// <inheritdoc />
    public override string ToString() => $"[{Path.ToSerializationFormat()}]";
}

/// <summary>The ref that points to no actor; messages to it are dropped.</summary>
public sealed class Nobody : ActorRefBase
{
    private static readonly ActorPath NobodyPath = new RootActorPath(new Address(Address.DefaultProtocol, "all-systems")) / "Nobody";

    private Nobody() { }

    /// <summary>The single instance.</summary>
    public static Nobody Instance { get; } = new();

    /// <inheritdoc />
    public override ActorPath Path => NobodyPath;

    /// <inheritdoc />
    public override void Tell(object message, IActorRef? sender) { }
}
