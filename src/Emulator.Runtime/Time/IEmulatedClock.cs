using System.Diagnostics;

namespace Emulator.Runtime.Time;

/// <summary>
/// The emulated world's clock. Every emulated duration (probes, grace periods, back-off, heartbeats, leases, cron
/// schedules) is measured on it, so the emulated world can run in real time, scaled time or virtual time while Akka's own
/// machinery (remoting, failure detectors, gossip) keeps to the wall clock.
/// </summary>
public interface IEmulatedClock
{
    /// <summary>Emulated wall-clock time.</summary>
    DateTimeOffset UtcNow { get; }

    /// <summary>Emulated monotonic time since the clock started.</summary>
    TimeSpan Elapsed { get; }

    /// <summary>Emulated seconds per real second (1 for real time; 1 and meaningless for virtual time).</summary>
    double TimeScale { get; }

    /// <summary>True when time moves only when advanced explicitly.</summary>
    bool IsVirtual { get; }
}

/// <summary>
/// Real time, optionally running <see cref="TimeScale"/> times faster (or slower) than the wall clock. The pace can
/// change while the world runs (<see cref="SetScale"/>, <see cref="Pause"/>, <see cref="Resume"/>, <see cref="Advance"/>):
/// each change starts a new segment at the current emulated time, so emulated time never goes backwards.
/// </summary>
public sealed class ScaledClock : IEmulatedClock
{
    private readonly Stopwatch _stopwatch = Stopwatch.StartNew();
    private readonly DateTimeOffset _start;
    private readonly object _gate = new();
    private Pace _pace;

    /// <summary>Creates a clock; <paramref name="timeScale"/> = 60 makes one real second one emulated minute.</summary>
    public ScaledClock(double timeScale = 1.0, DateTimeOffset? start = null)
    {
        Check(timeScale);
        _pace = new Pace(0, 0, timeScale, Paused: false);
        _start = start ?? DateTimeOffset.UtcNow;
    }

    /// <summary>Raised after the pace changed (scale, pause, resume, a jump): timers must be looked at again.</summary>
    public event Action? PaceChanged;

    /// <inheritdoc />
    public double TimeScale => Volatile.Read(ref _pace).Scale;

    /// <summary>True while emulated time stands still.</summary>
    public bool IsPaused => Volatile.Read(ref _pace).Paused;

    /// <inheritdoc />
    public bool IsVirtual => false;

    /// <inheritdoc />
    public TimeSpan Elapsed => TimeSpan.FromTicks(ElapsedTicks(Volatile.Read(ref _pace), _stopwatch.Elapsed.Ticks));

    /// <inheritdoc />
    public DateTimeOffset UtcNow => _start + Elapsed;

    /// <summary>The real time left until emulated <paramref name="elapsed"/> is reached (<see cref="TimeSpan.MaxValue"/> while paused).</summary>
    public TimeSpan RealDelayUntil(TimeSpan elapsed)
    {
        var pace = Volatile.Read(ref _pace);
        var emulated = elapsed.Ticks - ElapsedTicks(pace, _stopwatch.Elapsed.Ticks);
        if (emulated <= 0)
        {
            return TimeSpan.Zero;
        }
        return pace.Paused ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)(emulated / pace.Scale));
    }

    /// <summary>From now on, <paramref name="timeScale"/> emulated seconds pass per real second.</summary>
    public void SetScale(double timeScale)
    {
        Check(timeScale);
        Change(pace => pace with { Scale = timeScale });
    }

    /// <summary>Stops emulated time (timers wait, the clock stands still) until <see cref="Resume"/>.</summary>
    public void Pause() => Change(pace => pace with { Paused = true });

    /// <summary>Lets emulated time run again at the current scale.</summary>
    public void Resume() => Change(pace => pace with { Paused = false });

    /// <summary>Jumps emulated time forward by <paramref name="by"/> (paused or not): every timer due meanwhile fires.</summary>
    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(by), by, "emulated time only moves forward");
        }
        Change(pace => pace with { BaseEmulatedTicks = pace.BaseEmulatedTicks + by.Ticks });
    }

    private void Change(Func<Pace, Pace> change)
    {
        lock (_gate)
        {
            var real = _stopwatch.Elapsed.Ticks;
            var current = _pace;
            // A new segment starts here: what has passed so far is fixed, the change applies from now on.
            var rebased = current with { BaseEmulatedTicks = ElapsedTicks(current, real), BaseRealTicks = real };
            Volatile.Write(ref _pace, change(rebased));
        }
        PaceChanged?.Invoke();
    }

    private static long ElapsedTicks(Pace pace, long realTicks) =>
        pace.Paused ? pace.BaseEmulatedTicks
        : pace.Scale == 1.0 ? pace.BaseEmulatedTicks + (realTicks - pace.BaseRealTicks)
        : pace.BaseEmulatedTicks + (long)((realTicks - pace.BaseRealTicks) * pace.Scale);

    private static void Check(double timeScale)
    {
        if (!(timeScale > 0) || double.IsInfinity(timeScale))
        {
            throw new ArgumentOutOfRangeException(nameof(timeScale), timeScale, "time scale must be a positive finite number");
        }
    }

    // One segment of emulated time: from BaseRealTicks on the wall clock (BaseEmulatedTicks emulated), at Scale.
    private sealed record Pace(long BaseEmulatedTicks, long BaseRealTicks, double Scale, bool Paused);
}

/// <summary>Time that stands still until <see cref="VirtualTimeScheduler.Advance"/> moves it.</summary>
public sealed class VirtualClock(DateTimeOffset? start = null) : IEmulatedClock
{
    /// <summary>Where virtual time starts unless told otherwise.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly DateTimeOffset _start = start ?? DefaultStart;
    private long _elapsedTicks;

    /// <inheritdoc />
    public DateTimeOffset UtcNow => _start + Elapsed;

    /// <inheritdoc />
    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _elapsedTicks));

    /// <inheritdoc />
    public double TimeScale => 1.0;

    /// <inheritdoc />
    public bool IsVirtual => true;

    internal void MoveTo(TimeSpan elapsed)
    {
        if (elapsed.Ticks > Interlocked.Read(ref _elapsedTicks))
        {
            Interlocked.Exchange(ref _elapsedTicks, elapsed.Ticks);
        }
    }
}
