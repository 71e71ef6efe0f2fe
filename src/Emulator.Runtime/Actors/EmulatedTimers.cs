using Akka.Actor;
using Emulator.Runtime.Time;

namespace Emulator.Runtime.Actors;

/// <summary>
/// Keyed timers of one actor on emulated time (Akka's <see cref="ITimerScheduler"/> runs on the system scheduler, which
/// stays on the wall clock). As with Akka's timers, starting a timer with a key in use replaces it, and a cancelled or
/// replaced timer never delivers, even if its message was already queued; all timers are cancelled when the actor
/// restarts or stops. Only the owning actor may use it.
/// </summary>
public sealed class EmulatedTimers
{
    private readonly Dictionary<object, (int Generation, bool Repeating, ICancelable Task)> _timers = [];
    private readonly IActorRef _self;
    private readonly EmulatedScheduler _scheduler;
    private int _generation;

    /// <summary>Timers for the actor whose context is <paramref name="context"/>.</summary>
    public EmulatedTimers(IActorContext context)
    {
        _self = context.Self;
        _scheduler = EmulatedTime.Get(context.System).Scheduler;
    }

    /// <summary>Keys of the active timers.</summary>
    public IReadOnlyCollection<object> ActiveTimers => _timers.Keys.ToArray();

    /// <summary>Sends <paramref name="message"/> to self once after emulated <paramref name="delay"/>.</summary>
    public void StartSingleTimer(object key, object message, TimeSpan delay) => Start(key, message, delay, null);

    /// <summary>Sends <paramref name="message"/> to self every emulated <paramref name="interval"/>.</summary>
    public void StartPeriodicTimer(object key, object message, TimeSpan interval) => Start(key, message, interval, interval);

    /// <summary>Sends <paramref name="message"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval) => Start(key, message, initialDelay, interval);

    /// <summary>True while the timer with <paramref name="key"/> may still deliver.</summary>
    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    /// <summary>Cancels one timer.</summary>
    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var timer))
        {
            timer.Task.Cancel();
        }
    }

    /// <summary>Cancels every timer.</summary>
    public void CancelAll()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Task.Cancel();
        }
        _timers.Clear();
    }

    private void Start(object key, object message, TimeSpan delay, TimeSpan? interval)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        Cancel(key);
        var generation = ++_generation;
        var envelope = new EmulatedTimerMessage(key, generation, message, this);
        var task = interval is { } every
            ? _scheduler.ScheduleTellRepeatedly(delay, every, _self, envelope, _self)
            : _scheduler.ScheduleTellOnce(delay, _self, envelope, _self);
        _timers[key] = (generation, interval is not null, task);
    }

    /// <summary>
    /// The message to deliver for <paramref name="fired"/>, or null when the timer was cancelled or replaced since (or
    /// belongs to another incarnation of the actor).
    /// </summary>
    public object? Accept(EmulatedTimerMessage fired)
    {
        if (!ReferenceEquals(fired.Owner, this)
            || !_timers.TryGetValue(fired.Key, out var timer)
            || timer.Generation != fired.Generation)
        {
            return null;
        }
        if (!timer.Repeating)
        {
            _timers.Remove(fired.Key);
        }
        return fired.Message;
    }
}

/// <summary>The envelope an emulated timer sends; its owner checks key and generation before handling the message.</summary>
/// <param name="Key">The timer's key.</param>
/// <param name="Generation">Which start of the key this is.</param>
/// <param name="Message">What the actor receives.</param>
/// <param name="Owner">The timers of the actor incarnation that started it.</param>
public sealed record EmulatedTimerMessage(object Key, int Generation, object Message, EmulatedTimers Owner) : INotInfluenceReceiveTimeout;
