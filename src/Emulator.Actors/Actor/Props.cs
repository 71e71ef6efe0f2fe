using System.Reflection;

namespace Emulator.Actors;

/// <summary>
/// The recipe for an actor: how to build an instance (again, on every restart), which dispatcher runs it,
/// which mailbox it gets and, optionally, the strategy with which it supervises its children.
/// Immutable; share one instance for many actors.
/// </summary>
public sealed class Props
{
    /// <summary>Id of the default dispatcher.</summary>
    public const string DefaultDispatcherId = "default";

    private readonly Func<ActorBase> _factory;

    private Props(Type actorType, Func<ActorBase> factory, string dispatcher, string mailbox, SupervisorStrategy? strategy)
    {
        ActorType = actorType;
        _factory = factory;
        Dispatcher = dispatcher;
        Mailbox = mailbox;
        SupervisorStrategy = strategy;
    }

    /// <summary>The actor's class.</summary>
    public Type ActorType { get; }

    /// <summary>Id of the dispatcher that runs the actor.</summary>
    public string Dispatcher { get; }

    /// <summary>Id of the mailbox kind (see <see cref="Dispatch.Mailboxes"/>).</summary>
    public string Mailbox { get; }

    /// <summary>Overrides the actor's own <c>SupervisorStrategy()</c> when set.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    /// <summary>Props for an actor built by its parameterless constructor.</summary>
    public static Props Create<TActor>() where TActor : ActorBase, new() =>
        new(typeof(TActor), static () => new TActor(), DefaultDispatcherId, Dispatch.Mailboxes.Unbounded, null);

    /// <summary>Props for an actor built by <paramref name="factory"/> (called again on each restart).</summary>
    public static Props Create<TActor>(Func<TActor> factory) where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new(typeof(TActor), factory, DefaultDispatcherId, Dispatch.Mailboxes.Unbounded, null);
    }

    /// <summary>Props for an actor of <paramref name="actorType"/> built with <paramref name="args"/>.</summary>
    public static Props Create(Type actorType, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(actorType);
        if (!typeof(ActorBase).IsAssignableFrom(actorType) || actorType.IsAbstract)
        {
            throw new ArgumentException($"[{actorType}] is not a concrete actor type", nameof(actorType));
        }
        var argTypes = args.Select(a => a?.GetType()).ToArray();
        var constructor = actorType.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(c => Matches(c.GetParameters(), argTypes))
            ?? throw new ArgumentException($"[{actorType}] has no public constructor for the {args.Length} given argument(s)", nameof(args));
        return new(actorType, () => (ActorBase)constructor.Invoke(args), DefaultDispatcherId, Dispatch.Mailboxes.Unbounded, null);
    }

    private static bool Matches(ParameterInfo[] parameters, Type?[] argTypes)
    {
        if (parameters.Length != argTypes.Length)
        {
            return false;
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            var p = parameters[i].ParameterType;
            var a = argTypes[i];
            if (a is null ? p.IsValueType && Nullable.GetUnderlyingType(p) is null : !p.IsAssignableFrom(a))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The same props on another dispatcher.</summary>
    public Props WithDispatcher(string dispatcherId) => new(ActorType, _factory, dispatcherId, Mailbox, SupervisorStrategy);

    /// <summary>The same props with another mailbox kind.</summary>
    public Props WithMailbox(string mailboxId) => new(ActorType, _factory, Dispatcher, mailboxId, SupervisorStrategy);

    /// <summary>The same props with a supervisor strategy for the actor's children.</summary>
    public Props WithSupervisorStrategy(SupervisorStrategy strategy) => new(ActorType, _factory, Dispatcher, Mailbox, strategy);

    internal ActorBase NewActor() => _factory();

    /// <inheritdoc />
    public override string ToString() => $"Props({ActorType.Name}, dispatcher={Dispatcher}, mailbox={Mailbox})";
}
