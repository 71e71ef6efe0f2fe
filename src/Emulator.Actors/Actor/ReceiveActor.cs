namespace Emulator.Actors;

/// <summary>
/// An actor whose behaviour is a list of typed handlers registered with <c>Receive&lt;T&gt;</c> in its constructor
/// (or inside <see cref="Become(Action)"/>). The first handler whose type and predicate match wins; a message no
/// handler takes goes to <see cref="ActorBase.Unhandled"/>.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private Handlers _current = new();
    private Handlers? _building;

    /// <summary>Creates the actor; register handlers in the derived constructor.</summary>
    protected ReceiveActor() => _building = _current;

    /// <summary>Handles messages of type <typeparamref name="T"/>.</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(shouldHandle is null
            ? m =>
            {
                if (m is T t)
                {
                    handler(t);
                    return true;
                }
                return false;
            }
        : m =>
            {
                if (m is T t && shouldHandle(t))
                {
                    handler(t);
                    return true;
                }
                return false;
            });
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> for which <paramref name="handler"/> returns true.</summary>
    protected void Receive<T>(Func<T, bool> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(m => m is T t && handler(t));
    }

    /// <summary>Handles every message not taken by an earlier handler.</summary>
    protected void ReceiveAny(Action<object> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(m =>
        {
            handler(m);
            return true;
        });
    }

    private void Add(Receive handler)
    {
        var target = _building ?? throw new InvalidOperationException(
            "Receive handlers can be registered only in the constructor or inside Become(() => ...).");
        target.List.Add(handler);
    }

    /// <summary>Replaces the behaviour with the handlers <paramref name="configure"/> registers.</summary>
    protected void Become(Action configure) => Context.Become(Build(configure));

    /// <summary>Pushes the behaviour built by <paramref name="configure"/>; <c>UnbecomeStacked</c> pops it.</summary>
    protected void BecomeStacked(Action configure) => Context.BecomeStacked(Build(configure));

    private Receive Build(Action configure)
    {
        var previous = _building;
        var handlers = new Handlers();
        _building = handlers;
        try
        {
            configure();
        }
        finally
        {
            _building = previous;
        }
        return handlers.Invoke;
    }

    /// <inheritdoc />
    protected sealed override bool Receive(object message)
    {
        _building = null;
        return _current.Invoke(message);
    }

    private sealed class Handlers
    {
        public List<Receive> List { get; } = [];

        public bool Invoke(object message)
        {
            var list = List;
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i](message))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
