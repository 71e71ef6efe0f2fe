using Akka.Actor;

namespace Emulator.Runtime.Time;

/// <summary>
/// The common timer queue: entries ordered by due time, then by the order they were scheduled, so two timers
/// due at the same instant fire in scheduling order. Subclasses decide what moves time forward.
/// </summary>
public abstract class EmulatedScheduler : IDisposable
{
    private readonly PriorityQueue<Entry, (long Due, long Seq)> _queue = new();
    private long _sequence;

    /// <summary>Lock guarding the queue; subclasses wait on it.</summary>
    protected object Gate { get; } = new();

    /// <summary>The clock delays are measured on.</summary>
    public abstract IEmulatedClock Clock { get; }

    /// <summary>Raised when an action throws; the scheduler keeps running.</summary>
    public event Action<Exception>? ActionFailed;

    /// <summary>Runs <paramref name="action"/> once after emulated <paramref name="delay"/>.</summary>
    public ICancelable ScheduleOnce(TimeSpan delay, Action action) => Add(delay, TimeSpan.Zero, action);

    /// <summary>Sends <paramref name="message"/> to <paramref name="receiver"/> once after emulated <paramref name="delay"/>.</summary>
    public ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender) =>
        ScheduleOnce(delay, () => receiver.Tell(message, sender ?? ActorRefs.NoSender));

    /// <summary>Sends <paramref name="message"/> to <paramref name="receiver"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender) =>
        ScheduleRepeatedly(initialDelay, interval, () => receiver.Tell(message, sender ?? ActorRefs.NoSender));

    /// <summary>Runs <paramref name="action"/> after <paramref name="initialDelay"/> and then every <paramref name="interval"/>.</summary>
    public ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), "interval must be positive");
        }
        return Add(initialDelay, interval, action);
    }

    private Entry Add(TimeSpan delay, TimeSpan interval, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }
        var entry = new Entry(action, interval);
        lock (Gate)
        {
            entry.Due = (Clock.Elapsed + delay).Ticks;
            _queue.Enqueue(entry, (entry.Due, _sequence++));
            OnScheduled(entry.Due);
        }
        return entry;
    }

    /// <summary>Called under <see cref="Gate"/> when an entry was added.</summary>
    protected virtual void OnScheduled(long dueTicks) { }

    /// <summary>The due time of the next live entry, under <see cref="Gate"/>.</summary>
    protected bool TryPeekDue(out long dueTicks)
    {
        while (_queue.TryPeek(out var entry, out var priority))
        {
            if (entry.IsCancellationRequested)
            {
                _queue.Dequeue();
                continue;
            }
            dueTicks = priority.Due;
            return true;
        }
        dueTicks = 0;
        return false;
    }

    /// <summary>Takes the next entry due at or before <paramref name="nowTicks"/>, under <see cref="Gate"/>.</summary>
    protected Entry? TryTakeDue(long nowTicks)
    {
        while (TryPeekDue(out var due) && due <= nowTicks)
        {
            var entry = _queue.Dequeue();
            if (entry.Interval > TimeSpan.Zero)
            {
                entry.Due = due + entry.Interval.Ticks;
                _queue.Enqueue(entry, (entry.Due, _sequence++));
            }
            return entry;
        }
        return null;
    }

    /// <summary>Runs an entry's action outside the lock, reporting failures.</summary>
    protected void Fire(Entry entry)
    {
        if (entry.IsCancellationRequested)
        {
            return;
        }
        try
        {
            entry.Action();
        }
        catch (Exception e)
        {
            ActionFailed?.Invoke(e);
        }
    }

    /// <summary>Number of live entries (for diagnostics).</summary>
    public int PendingCount
    {
        get
        {
            lock (Gate)
            {
                var count = 0;
                foreach (var (entry, _) in _queue.UnorderedItems)
                {
                    if (!entry.IsCancellationRequested)
                    {
                        count++;
                    }
                }
                return count;
            }
        }
    }

    /// <inheritdoc />
    public virtual void Dispose()
    {
        lock (Gate)
        {
            _queue.Clear();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>One scheduled action.</summary>
    protected sealed class Entry(Action action, TimeSpan interval) : ICancelable
    {
        private volatile bool _cancelled;

        /// <inheritdoc />
        public bool IsCancellationRequested => _cancelled;

        /// <inheritdoc />
        public CancellationToken Token => CancellationToken.None;

        /// <inheritdoc />
        public void Cancel() => _cancelled = true;

        /// <inheritdoc />
        public void Cancel(bool throwOnFirstException) => _cancelled = true;

        /// <inheritdoc />
        public void CancelAfter(TimeSpan delay) => throw new NotSupportedException("cancel emulated timers directly");

        /// <inheritdoc />
        public void CancelAfter(int millisecondsDelay) => throw new NotSupportedException("cancel emulated timers directly");

        /// <summary>What to run.</summary>
        public Action Action { get; } = action;

        /// <summary>Zero for one-shot entries.</summary>
        public TimeSpan Interval { get; } = interval;

        /// <summary>Due time in clock ticks.</summary>
        public long Due { get; set; }
    }
}

/// <summary>Fires entries on a dedicated thread as the real (possibly scaled) clock reaches them.</summary>
public sealed class ScaledTimeScheduler : EmulatedScheduler
{
    private readonly ScaledClock _clock;
    private readonly Thread _thread;
    private volatile bool _disposed;

    /// <summary>Starts the timer thread.</summary>
    public ScaledTimeScheduler(ScaledClock clock)
    {
        _clock = clock;
        _clock.PaceChanged += () =>
        {
            lock (Gate)
            {
                Monitor.Pulse(Gate);
            }
        };
        _thread = new Thread(Loop) { IsBackground = true, Name = "emulated-time" };
        _thread.Start();
    }

    /// <inheritdoc />
    public override IEmulatedClock Clock => _clock;

    /// <inheritdoc />
    protected override void OnScheduled(long dueTicks) => Monitor.Pulse(Gate);

    private void Loop()
    {
        var batch = new List<Entry>();
        while (!_disposed)
        {
            lock (Gate)
            {
                var now = _clock.Elapsed.Ticks;
                while (TryTakeDue(now) is { } entry)
                {
                    batch.Add(entry);
                }
                if (batch.Count == 0)
                {
                    if (TryPeekDue(out var due))
                    {
                        // A change of pace pulses the gate, so a long wait (or a paused clock's endless one) is cut short.
                        var wait = _clock.RealDelayUntil(TimeSpan.FromTicks(due));
                        Monitor.Wait(Gate, wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait);
                    }
                    else
                    {
                        Monitor.Wait(Gate, 100);
                    }
                    continue;
                }
            }
            foreach (var entry in batch)
            {
                Fire(entry);
            }
            batch.Clear();
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _disposed = true;
        lock (Gate)
        {
            Monitor.PulseAll(Gate);
        }
        base.Dispose();
    }
}

/// <summary>
/// Fires entries only when <see cref="Advance"/> moves the virtual clock. Entries due at the same time fire in
/// scheduling order; entries scheduled by a firing action fire in the same advance if they fall inside it.
/// </summary>
public sealed class VirtualTimeScheduler(VirtualClock clock) : EmulatedScheduler
{
    /// <summary>Called after each fired entry so the caller can let actors react before time moves on.</summary>
    public Action? AfterEachTimer { get; set; }

    /// <inheritdoc />
    public override IEmulatedClock Clock => clock;

    /// <summary>The virtual clock.</summary>
    public VirtualClock VirtualClock => clock;

    /// <summary>Moves time forward by <paramref name="by"/>, firing every entry that falls due on the way.</summary>
    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(by), "time only moves forward");
        }
        var target = clock.Elapsed + by;
        AdvanceTo(target);
    }

    /// <summary>Moves time to <paramref name="elapsed"/> since start.</summary>
    public void AdvanceTo(TimeSpan elapsed)
    {
        var target = elapsed.Ticks;
        while (true)
        {
            Entry? entry;
            lock (Gate)
            {
                if (!TryPeekDue(out var due) || due > target)
                {
                    break;
                }
                clock.MoveTo(TimeSpan.FromTicks(due));
                entry = TryTakeDue(due);
            }
            if (entry is not null)
            {
                Fire(entry);
                AfterEachTimer?.Invoke();
            }
        }
        clock.MoveTo(TimeSpan.FromTicks(target));
    }

    /// <summary>Time until the next live entry, or null when nothing is scheduled.</summary>
    public TimeSpan? NextDue
    {
        get
        {
            lock (Gate)
            {
                return TryPeekDue(out var due) ? TimeSpan.FromTicks(Math.Max(0, due - clock.Elapsed.Ticks)) : null;
            }
        }
    }
}
