using System.Collections.Concurrent;

namespace Emulator.Actors.Dispatch;

/// <summary>The dispatchers of a system, by id. In deterministic mode every id resolves to the deterministic dispatcher.</summary>
public sealed class Dispatchers
{
    private readonly ConcurrentDictionary<string, MessageDispatcher> _byId = new(StringComparer.Ordinal);
    private readonly DeterministicDispatcher? _deterministic;

    internal Dispatchers(ActorSystemSettings settings)
    {
        if (settings.Mode == ExecutionMode.Deterministic)
        {
            _deterministic = new DeterministicDispatcher(Props.DefaultDispatcherId, settings.Seed, settings.DeterministicThroughput);
            DefaultDispatcher = _deterministic;
        }
        else
        {
            DefaultDispatcher = new ThreadPoolDispatcher(Props.DefaultDispatcherId, settings.Throughput);
        }
        _byId[Props.DefaultDispatcherId] = DefaultDispatcher;
    }

    /// <summary>The dispatcher used when props name none.</summary>
    public MessageDispatcher DefaultDispatcher { get; }

    /// <summary>The deterministic dispatcher, or null in thread-pool mode.</summary>
    public DeterministicDispatcher? Deterministic => _deterministic;

    /// <summary>Adds a dispatcher; ids are unique.</summary>
    public void Register(MessageDispatcher dispatcher)
    {
        if (!_byId.TryAdd(dispatcher.Id, dispatcher))
        {
            throw new ArgumentException($"Dispatcher [{dispatcher.Id}] is already registered", nameof(dispatcher));
        }
    }

    /// <summary>True when a dispatcher with this id is registered.</summary>
    public bool Contains(string id) => _byId.ContainsKey(id);

    /// <summary>Finds a dispatcher; throws <see cref="ActorNotCreatedException"/> for an unknown id.</summary>
    public MessageDispatcher Lookup(string id)
    {
        if (_deterministic is not null)
        {
            return _deterministic;
        }
        return _byId.TryGetValue(id, out var dispatcher)
            ? dispatcher
            : throw new ActorNotCreatedException($"Dispatcher [{id}] not configured");
    }
}
