namespace Emulator.Actors.Persistence;

/// <summary>
/// A persistent actor with typed handlers: register <c>Recover&lt;T&gt;</c> and <c>Command&lt;T&gt;</c> in the constructor.
/// The first matching handler wins; unmatched commands go to <c>Unhandled</c>.
/// </summary>
public abstract class ReceivePersistentActor : PersistentActor
{
    private readonly List<Receive> _recover = [];
    private readonly List<Receive> _commands = [];

    /// <summary>Handles replayed events (and <see cref="SnapshotOffer"/>, <see cref="RecoveryCompleted"/>) of type <typeparamref name="T"/>.</summary>
    protected void Recover<T>(Action<T> handler) => _recover.Add(m =>
    {
        if (m is T t)
        {
            handler(t);
            return true;
        }
        return false;
    });

    /// <summary>Handles commands of type <typeparamref name="T"/>.</summary>
    protected void Command<T>(Action<T> handler, Predicate<T>? shouldHandle = null) => _commands.Add(m =>
    {
        if (m is T t && (shouldHandle is null || shouldHandle(t)))
        {
            handler(t);
            return true;
        }
        return false;
    });

    /// <summary>Handles every command no earlier handler took.</summary>
    protected void CommandAny(Action<object> handler) => _commands.Add(m =>
    {
        handler(m);
        return true;
    });

    /// <inheritdoc />
    protected sealed override bool ReceiveRecover(object message) => Dispatch(_recover, message);

    /// <inheritdoc />
    protected sealed override bool ReceiveCommand(object message) => Dispatch(_commands, message);

    private static bool Dispatch(List<Receive> handlers, object message)
    {
        foreach (var handler in handlers)
        {
            if (handler(message))
            {
                return true;
            }
        }
        return false;
    }
}
