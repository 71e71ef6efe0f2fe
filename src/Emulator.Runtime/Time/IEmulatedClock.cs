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

/// <summary>Real time, optionally running <see cref="TimeScale"/> times faster (or slower) than the wall clock.</summary>
public sealed class ScaledClock : IEmulatedClock
{
    private readonly Stopwatch _stopwatch = Stopwatch.StartNew();
    private readonly DateTimeOffset _start;

    /// <summary>Creates a clock; <paramref name="timeScale"/> = 60 makes one real second one emulated minute.</summary>
    public ScaledClock(double timeScale = 1.0, DateTimeOffset? start = null)
    {
        if (!(timeScale > 0) || double.IsInfinity(timeScale))
        {
            throw new ArgumentOutOfRangeException(nameof(timeScale), timeScale, "time scale must be a positive finite number");
        }
        TimeScale = timeScale;
        _start = start ?? DateTimeOffset.UtcNow;
    }

    /// <inheritdoc />
    public double TimeScale { get; }

    /// <inheritdoc />
    public bool IsVirtual => false;

    /// <inheritdoc />
    public TimeSpan Elapsed => TimeScale == 1.0 ? _stopwatch.Elapsed : TimeSpan.FromTicks((long)(_stopwatch.Elapsed.Ticks * TimeScale));

    /// <inheritdoc />
    public DateTimeOffset UtcNow => _start + Elapsed;

    /// <summary>The real time left until emulated <paramref name="elapsed"/> is reached.</summary>
    public TimeSpan RealDelayUntil(TimeSpan elapsed)
    {
        var emulated = elapsed - Elapsed;
        return emulated <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(emulated.Ticks / TimeScale));
    }
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
