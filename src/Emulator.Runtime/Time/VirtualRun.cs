using Akka.Actor;
using Emulator.Runtime.Dispatch;

namespace Emulator.Runtime.Time;

/// <summary>
/// Drives a system that runs on virtual time and the seeded deterministic dispatcher: lets the actors settle (run until
/// nothing is queued) and moves time forward with the actors reacting to each timer before the next one fires. With one
/// seed, the same steps give the same run; tests, simulations and chaos replay share this one driver.
/// </summary>
public sealed class VirtualRun
{
    private readonly EmulatedTime _time;
    private bool _advancing;

    /// <summary>Takes over the stepping of <paramref name="system"/>'s emulated time.</summary>
    /// <param name="system">The system under control.</param>
    /// <param name="settleTimeout">How long (real time) the actors may take to settle before a wait gives up.</param>
    public VirtualRun(ActorSystem system, TimeSpan settleTimeout)
    {
        _time = EmulatedTime.Get(system);
        SettleTimeout = settleTimeout;
        Dispatcher = system.Dispatchers.Lookup("akka.actor.default-dispatcher") as DeterministicDispatcher;
        if (_time.Virtual is { } virtualTime)
        {
            // Actors react to each timer before the next one fires, as they would in real time.
            virtualTime.AfterEachTimer = WaitUntilQuiet;
        }
    }

    /// <summary>The deterministic dispatcher, when the system runs on one.</summary>
    public DeterministicDispatcher? Dispatcher { get; }

    /// <summary>How long (real time) the actors may take to settle before a wait gives up.</summary>
    public TimeSpan SettleTimeout { get; }

    /// <summary>Moves virtual time forward, firing due timers and letting the actors react after each.</summary>
    public void Advance(TimeSpan by)
    {
        Settle();
        AdvanceBy(by);
        Settle();
    }

    /// <summary>
    /// Lets the actors run until nothing is queued (deterministic dispatcher), or briefly (thread pool); on virtual time,
    /// timers already due (zero delays) fire too, as they would at once on a real clock.
    /// </summary>
    public void Settle()
    {
        WaitUntilQuiet();
        if (_time.Virtual is { } virtualTime && !_advancing)
        {
            while (virtualTime.NextDue == TimeSpan.Zero)
            {
                AdvanceBy(TimeSpan.Zero);
            }
        }
    }

    private void AdvanceBy(TimeSpan by)
    {
        _advancing = true;
        try
        {
            _time.Advance(by);
        }
        finally
        {
            _advancing = false;
        }
    }

    private void WaitUntilQuiet()
    {
        if (Dispatcher is not { } dispatcher)
        {
            Thread.Sleep(2);
            return;
        }
        // Work also arrives from outside the dispatcher (ask replies, journal I/O continuing on the thread pool): the
        // actors count as settled once they stay idle, with no run completed in between, across two short yields.
        var deadline = DateTime.UtcNow + SettleTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!dispatcher.WaitForIdle(SettleTimeout))
            {
                return;
            }
            var completed = dispatcher.Completed;
            Thread.Sleep(0);
            if (!dispatcher.IsIdle || dispatcher.Completed != completed)
            {
                continue;
            }
            Thread.Sleep(1);
            if (dispatcher.IsIdle && dispatcher.Completed == completed)
            {
                return;
            }
        }
    }
}
