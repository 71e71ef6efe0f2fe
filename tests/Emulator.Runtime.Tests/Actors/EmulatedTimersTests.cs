using Akka.Actor;
using Akka.Event;
using Emulator.Runtime.Actors;
using Emulator.TestKit;

namespace Emulator.Runtime.Tests.Actors;

/// <summary>Keyed actor timers on emulated (here virtual) time: single, periodic, replacement, cancellation, restart and stop.</summary>
public sealed class EmulatedTimersTests : EmulatorTestKit
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_single_timer_fires_once_after_its_delay()
    {
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");

        actor.Tell(new StartSingle("k", "once", Second));
        Advance(TimeSpan.FromMilliseconds(999));
        ExpectNoMsg();
        Advance(TimeSpan.FromMilliseconds(1));
        ExpectMsg(new Fired("once", Second));
        Advance(TimeSpan.FromSeconds(10));
        ExpectNoMsg();
    }

    [Fact]
    public void A_periodic_timer_fires_once_per_interval()
    {
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");

        actor.Tell(new StartPeriodic("k", "tick", Second, Second));
        Advance(TimeSpan.FromSeconds(5));

        var fired = ReceiveN(5).Cast<Fired>().ToList();
        Assert.Equal(Enumerable.Range(1, 5).Select(i => TimeSpan.FromSeconds(i)), fired.Select(f => f.At));
        ExpectNoMsg();
        Advance(Second);
        ExpectMsg(new Fired("tick", TimeSpan.FromSeconds(6)));
    }

    [Fact]
    public void A_periodic_timer_fires_once_per_period_over_a_long_advance()
    {
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");

        actor.Tell(new StartPeriodic("k", "tick", Second, Second));
        Advance(TimeSpan.FromSeconds(200));

        var fired = ReceiveN(200, TimeSpan.FromSeconds(20)).Cast<Fired>().ToList();
        Assert.Equal(Enumerable.Range(1, 200).Select(i => TimeSpan.FromSeconds(i)), fired.Select(f => f.At));
        ExpectNoMsg();
    }

    [Fact]
    public void A_periodic_timer_with_an_initial_delay_first_fires_after_that_delay()
    {
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");

        actor.Tell(new StartPeriodic("k", "tick", TimeSpan.FromMilliseconds(100), Second));
        Advance(TimeSpan.FromMilliseconds(2100));

        Assert.Equal(
            new object[] { new Fired("tick", TimeSpan.FromMilliseconds(100)), new Fired("tick", TimeSpan.FromMilliseconds(1100)), new Fired("tick", TimeSpan.FromMilliseconds(2100)) },
            ReceiveN(3));
        ExpectNoMsg();
    }

    [Fact]
    public void Starting_a_timer_with_a_key_in_use_replaces_the_old_one()
    {
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");

        actor.Tell(new StartSingle("k", "old", Second));
        actor.Tell(new StartSingle("k", "new", TimeSpan.FromSeconds(2)));
        Advance(TimeSpan.FromSeconds(5));

        ExpectMsg(new Fired("new", TimeSpan.FromSeconds(2)));
        ExpectNoMsg();
    }

    [Fact]
    public void A_replaced_timer_whose_message_is_already_queued_never_delivers()
    {
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");
        actor.Tell(new StartSingle("k", "old", Second));
        Settle();

        // The replacement is queued first; the old timer then fires while the actor is busy, so its message is in the
        // mailbox behind the replacement when the actor gets to it.
        WhileBusy(actor, () =>
        {
            actor.Tell(new StartSingle("k", "new", Second));
            Time.Advance(Second);
        });
        ExpectNoMsg();
        Advance(Second);

        ExpectMsg(new Fired("new", TimeSpan.FromSeconds(2)));
        ExpectNoMsg();
    }

    [Fact]
    public void A_cancelled_timer_never_delivers_even_if_its_message_is_already_queued()
    {
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");
        actor.Tell(new StartPeriodic("k", "tick", Second, Second));
        actor.Tell(new StartSingle("other", "other", TimeSpan.FromSeconds(3)));
        Settle();

        WhileBusy(actor, () =>
        {
            actor.Tell(new CancelTimer("k"));
            Time.Advance(Second);
        });
        Advance(TimeSpan.FromSeconds(5));

        ExpectMsg(new Fired("other", TimeSpan.FromSeconds(3)));
        ExpectNoMsg();
    }

    [Fact]
    public void IsTimerActive_follows_start_delivery_and_cancel()
    {
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");

        actor.Tell(new IsActive("single"), TestActor);
        ExpectMsg(false);
        actor.Tell(new StartSingle("single", "once", Second));
        actor.Tell(new StartPeriodic("periodic", "tick", Second, Second));
        actor.Tell(new IsActive("single"), TestActor);
        ExpectMsg(true);
        actor.Tell(new ActiveKeys(), TestActor);
        Assert.Equal(["periodic", "single"], ExpectMsg<string[]>().Order());

        Advance(Second);
        ReceiveN(2);
        actor.Tell(new IsActive("single"), TestActor);
        ExpectMsg(false);
        actor.Tell(new IsActive("periodic"), TestActor);
        ExpectMsg(true);

        actor.Tell(new CancelTimer("periodic"));
        actor.Tell(new IsActive("periodic"), TestActor);
        ExpectMsg(false);
        actor.Tell(new ActiveKeys(), TestActor);
        Assert.Empty(ExpectMsg<string[]>());
    }

    [Fact]
    public void CancelAll_cancels_every_timer()
    {
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");

        actor.Tell(new StartPeriodic("a", "a", Second, Second));
        actor.Tell(new StartSingle("b", "b", TimeSpan.FromSeconds(2)));
        actor.Tell(new CancelEverything());
        Advance(TimeSpan.FromSeconds(5));

        ExpectNoMsg();
        Assert.Equal(0, Time.Scheduler.PendingCount);
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_restarts()
    {
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");

        actor.Tell(new StartPeriodic("k", "tick", Second, Second));
        actor.Tell(new StartSingle("s", "once", TimeSpan.FromSeconds(2)));
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => actor.Tell(new Fail()));
        Advance(TimeSpan.FromSeconds(5));
        ExpectNoMsg();

        actor.Tell(new IsActive("k"), TestActor);
        ExpectMsg(false);
        Assert.Equal(0, Time.Scheduler.PendingCount);

        // The new incarnation has timers of its own.
        actor.Tell(new StartSingle("k", "again", Second));
        Advance(Second);
        ExpectMsg(new Fired("again", TimeSpan.FromSeconds(6)));
    }

    [Fact]
    public void A_timer_of_the_previous_incarnation_already_queued_is_not_delivered_after_a_restart()
    {
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");
        actor.Tell(new StartSingle("k", "old", Second));
        Settle();

        EventFilter.Exception<InvalidOperationException>().ExpectOne(() => WhileBusy(actor, () =>
        {
            actor.Tell(new Fail());
            Time.Advance(Second);
        }));
        Advance(TimeSpan.FromSeconds(5));

        ExpectNoMsg();
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_stops_and_nothing_reaches_dead_letters()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var actor = ActorOf(Props.Create(() => new TimerActor(TestActor)), "timers");
        Watch(actor);

        actor.Tell(new StartPeriodic("k", "tick", Second, Second));
        actor.Tell(new StartSingle("s", "once", TimeSpan.FromSeconds(2)));
        Settle();
        Sys.Stop(actor);
        ExpectTerminated(actor);
        Advance(TimeSpan.FromSeconds(5));

        ExpectNoMsg();
        deadLetters.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, Time.Scheduler.PendingCount);
    }

    /// <summary>
    /// Runs <paramref name="step"/> while the actor is stuck in a handler, so everything the step sends waits in its
    /// mailbox in order. Time is advanced without waiting for the actors to settle (they cannot while it is stuck).
    /// </summary>
    private void WhileBusy(IActorRef actor, Action step)
    {
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        actor.Tell(new Block(entered, release));
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)), "the actor did not start the blocking handler");
        var settle = Time.Virtual!.AfterEachTimer;
        Time.Virtual.AfterEachTimer = null;
        try
        {
            step();
        }
        finally
        {
            Time.Virtual.AfterEachTimer = settle;
            release.Set();
        }
        Settle();
    }

    private sealed record StartSingle(string Key, string Message, TimeSpan Delay);

    private sealed record StartPeriodic(string Key, string Message, TimeSpan InitialDelay, TimeSpan Interval);

    private sealed record CancelTimer(string Key);

    private sealed record CancelEverything;

    private sealed record IsActive(string Key);

    private sealed record ActiveKeys;

    private sealed record Fail;

    private sealed record Block(ManualResetEventSlim Entered, ManualResetEventSlim Release);

    private sealed record Payload(string Text);

    private sealed record Fired(string Message, TimeSpan At);

    /// <summary>Drives its timers from commands; reports each timer message with the emulated time it arrived at.</summary>
    private sealed class TimerActor(IActorRef probe) : EmulatedActor
    {
        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case StartSingle s:
                    Timers.StartSingleTimer(s.Key, new Payload(s.Message), s.Delay);
                    break;
                case StartPeriodic p:
                    Timers.StartPeriodicTimer(p.Key, new Payload(p.Message), p.InitialDelay, p.Interval);
                    break;
                case CancelTimer c:
                    Timers.Cancel(c.Key);
                    break;
                case CancelEverything:
                    Timers.CancelAll();
                    break;
                case IsActive q:
                    Sender.Tell(Timers.IsTimerActive(q.Key));
                    break;
                case ActiveKeys:
                    Sender.Tell(Timers.ActiveTimers.Cast<string>().ToArray());
                    break;
                case Fail:
                    throw new InvalidOperationException("fail on purpose");
                case Block b:
                    b.Entered.Set();
                    b.Release.Wait(TimeSpan.FromSeconds(10));
                    break;
                case Payload p:
                    probe.Tell(new Fired(p.Text, Clock.Elapsed));
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }
    }
}
