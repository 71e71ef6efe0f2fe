using Emulator.Actors.Scheduling;

namespace Emulator.Actors;

/// <summary>
/// Timers owned by one actor, identified by key. Starting a timer with a key in use replaces it; a cancelled or
/// replaced timer never delivers, even if its message was already queued. All timers are cancelled when the actor
/// restarts or stops.
/// </summary>
public interface ITimerScheduler
{
    /// <summary>Sends <paramref name="message"/> to self once after <paramref name="delay"/>.</summary>
    void StartSingleTimer(object key, object message, TimeSpan delay);

    /// <summary>Sends <paramref name="message"/> to self every <paramref name="interval"/>.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    /// <summary>Sends <paramref name="message"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    /// <summary>True while the timer with <paramref name="key"/> may still deliver.</summary>
    bool IsTimerActive(object key);

    /// <summary>Cancels one timer.</summary>
    void Cancel(object key);

    /// <summary>Cancels every timer.</summary>
    void CancelAll();

    /// <summary>Keys of the active timers.</summary>
    IReadOnlyCollection<object> ActiveTimers { get; }
}

/// <summary>
/// The envelope a timer sends; the owner checks key and generation before delivering its message. Whether it resets
/// the receive timeout depends on <see cref="Message"/>, as if the message had been sent directly.
/// </summary>
internal sealed record TimerMessage(object Key, int Generation, object Message, ActorTimers Owner) : IAutoReceivedMessage;

internal sealed class ActorTimers(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, (int Generation, bool Repeating, ICancelable Task)> _timers = [];
    private int _generation;

    public IReadOnlyCollection<object> ActiveTimers => _timers.Keys.ToArray();

    public void StartSingleTimer(object key, object message, TimeSpan delay) => Start(key, message, delay, null);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) => Start(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval) => Start(key, message, initialDelay, interval);

    private void Start(object key, object message, TimeSpan delay, TimeSpan? interval)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        Cancel(key);
        var generation = ++_generation;
        var envelope = new TimerMessage(key, generation, message, this);
        var self = cell.Self;
        var scheduler = cell.System.Scheduler;
        var task = interval is { } every
            ? scheduler.ScheduleRepeatedly(delay, every, () => self.Tell(envelope, self))
            : scheduler.ScheduleOnce(delay, () => self.Tell(envelope, self));
        _timers[key] = (generation, interval is not null, task);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var timer))
        {
            timer.Task.Cancel();
        }
    }

    public void CancelAll()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Task.Cancel();
        }
        _timers.Clear();
    }

    /// <summary>Returns the message to deliver, or null when the timer was cancelled or replaced meanwhile.</summary>
    public object? Accept(TimerMessage message)
    {
        if (!ReferenceEquals(message.Owner, this) || !_timers.TryGetValue(message.Key, out var timer) || timer.Generation != message.Generation)
        {
            return null;
        }
        if (!timer.Repeating)
        {
            _timers.Remove(message.Key);
        }
        return message.Message;
    }
}
