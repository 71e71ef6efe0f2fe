using Akka.Actor;
using Akka.Event;
using Emulator.Runtime.Time;

namespace Emulator.Runtime.Actors;

/// <summary>
/// An actor of the emulated world: an Akka <see cref="UntypedActor"/> whose <see cref="Timers"/> and <see cref="Clock"/>
/// run on emulated time (<see cref="EmulatedTime"/>), so probes, back-off and heartbeats follow <c>--time-scale</c> and
/// virtual time in tests.
/// </summary>
public abstract class EmulatedActor : UntypedActor
{
    private EmulatedTimers? _timers;
    private IEmulatedClock? _clock;
    private ILoggingAdapter? _log;

    /// <summary>This actor's keyed timers on emulated time.</summary>
    protected EmulatedTimers Timers => _timers ??= new EmulatedTimers(Context);

    /// <summary>The emulated clock.</summary>
    protected IEmulatedClock Clock => _clock ??= EmulatedTime.Get(Context.System).Clock;

    /// <summary>This actor's logger.</summary>
    protected ILoggingAdapter Log => _log ??= Context.GetLogger();

    /// <inheritdoc />
    protected override bool AroundReceive(Receive receive, object message)
    {
        if (message is EmulatedTimerMessage fired)
        {
            // A timer of a cancelled key, or of an earlier incarnation, is dropped as Akka drops stale timer messages.
            return _timers?.Accept(fired) is not { } payload || base.AroundReceive(receive, payload);
        }
        return base.AroundReceive(receive, message);
    }

    /// <inheritdoc />
    public override void AroundPreRestart(Exception cause, object message)
    {
        _timers?.CancelAll();
        base.AroundPreRestart(cause, message);
    }

    /// <inheritdoc />
    public override void AroundPostStop()
    {
        _timers?.CancelAll();
        base.AroundPostStop();
    }
}
