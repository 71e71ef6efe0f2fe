using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>Keyed actor timers on virtual time: single, periodic, replacement, cancellation, restart and stop.</summary>
public sealed class TimerTests : TestKitBase
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_single_timer_fires_once_after_its_delay()
    {
        var actor = ActorOf(() => new TimerActor(TestActor), "timers");

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
        var actor = ActorOf(() => new TimerActor(TestActor), "timers");

        actor.Tell(new StartPeriodic("k", "tick", Second, Second));
        Advance(TimeSpan.FromSeconds(5));

        var fired = ReceiveN(5).Cast<Fired>().ToList();
        Assert.Equal(Enumerable.Range(1, 5).Select(i => TimeSpan.FromSeconds(i)), fired.Select(f => f.At));
        ExpectNoMsg();
        Advance(Second);
        ExpectMsg(new Fired("tick", TimeSpan.FromSeconds(6)));
    }

    [Fact]
    public void A_periodic_timer_with_an_initial_delay_first_fires_after_that_delay()
    {
        var actor = ActorOf(() => new TimerActor(TestActor), "timers");

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
        var actor = ActorOf(() => new TimerActor(TestActor), "timers");

        actor.Tell(new StartSingle("k", "old", Second));
        actor.Tell(new StartSingle("k", "new", TimeSpan.FromSeconds(2)));
        Advance(TimeSpan.FromSeconds(5));

        ExpectMsg(new Fired("new", TimeSpan.FromSeconds(2)));
        ExpectNoMsg();
    }

    [Fact]
    public void A_replaced_timer_whose_message_is_already_queued_never_delivers()
    {
        var actor = ActorOf(() => new TimerActor(TestActor), "timers");
        actor.Tell(new StartSingle("k", "old", Second));
        RunUntilIdleIfDeterministic();

        // The replacement is queued first; the old timer then fires without the actor running in between.
        actor.Tell(new StartSingle("k", "new", Second));
        Sys.VirtualTime!.Advance(Second);
        RunUntilIdleIfDeterministic();
        ExpectNoMsg();
        Advance(Second);

        ExpectMsg(new Fired("new", TimeSpan.FromSeconds(2)));
        ExpectNoMsg();
    }

    [Fact]
    public void A_cancelled_timer_never_delivers_even_if_its_message_is_already_queued()
    {
        var actor = ActorOf(() => new TimerActor(TestActor), "timers");
        actor.Tell(new StartPeriodic("k", "tick", Second, Second));
        actor.Tell(new StartSingle("other", "other", TimeSpan.FromSeconds(3)));
        RunUntilIdleIfDeterministic();

        actor.Tell(new CancelTimer("k"));
        Sys.VirtualTime!.Advance(Second);
        RunUntilIdleIfDeterministic();
        Advance(TimeSpan.FromSeconds(5));

        ExpectMsg(new Fired("other", TimeSpan.FromSeconds(3)));
        ExpectNoMsg();
    }

    [Fact]
    public void IsTimerActive_follows_start_delivery_and_cancel()
    {
        var actor = ActorOf(() => new TimerActor(TestActor), "timers");

        actor.Tell(new IsActive("single"), TestActor);
        ExpectMsg(false);
        actor.Tell(new StartSingle("single", "once", Second));
        actor.Tell(new StartPeriodic("periodic", "tick", Second, Second));
        actor.Tell(new IsActive("single"), TestActor);
        ExpectMsg(true);

        Advance(Second);
        ReceiveN(2);
        actor.Tell(new IsActive("single"), TestActor);
        ExpectMsg(false);
        actor.Tell(new IsActive("periodic"), TestActor);
        ExpectMsg(true);

        actor.Tell(new CancelTimer("periodic"));
        actor.Tell(new IsActive("periodic"), TestActor);
        ExpectMsg(false);
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_restarts()
    {
        var actor = ActorOf(() => new TimerActor(TestActor), "timers");

        actor.Tell(new StartPeriodic("k", "tick", Second, Second));
        actor.Tell(new StartSingle("s", "once", TimeSpan.FromSeconds(2)));
        EventFilter.Exception<InvalidOperationException>().Expect(1, () => actor.Tell(new Fail()));
        Advance(TimeSpan.FromSeconds(5));
        ExpectNoMsg();

        actor.Tell(new IsActive("k"), TestActor);
        ExpectMsg(false);
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_stops_and_nothing_reaches_dead_letters()
    {
        var deadLetters = new List<DeadLetter>();
        using var subscription = Sys.EventStream.Subscribe<DeadLetter>(deadLetters.Add);
        var actor = ActorOf(() => new TimerActor(TestActor), "timers");
        Watch(actor);

        actor.Tell(new StartPeriodic("k", "tick", Second, Second));
        actor.Tell(new StartSingle("s", "once", TimeSpan.FromSeconds(2)));
        RunUntilIdleIfDeterministic();
        Sys.Stop(actor);
        ExpectTerminated(actor);
        Advance(TimeSpan.FromSeconds(5));

        ExpectNoMsg();
        Assert.Empty(deadLetters);
        Assert.Equal(0, Sys.VirtualTime!.PendingCount);
    }

    private sealed record StartSingle(string Key, string Message, TimeSpan Delay);

    private sealed record StartPeriodic(string Key, string Message, TimeSpan InitialDelay, TimeSpan Interval);

    private sealed record CancelTimer(string Key);

    private sealed record IsActive(string Key);

    private sealed record Fail;

    private sealed record Payload(string Text);

    private sealed record Fired(string Message, TimeSpan At);

    /// <summary>Drives its timers from commands; reports each timer message with the virtual time it arrived at.</summary>
    private sealed class TimerActor : ReceiveActor
    {
        public TimerActor(IActorRef probe)
        {
            Receive<StartSingle>(s => Timers.StartSingleTimer(s.Key, new Payload(s.Message), s.Delay));
            Receive<StartPeriodic>(p => Timers.StartPeriodicTimer(p.Key, new Payload(p.Message), p.InitialDelay, p.Interval));
            Receive<CancelTimer>(c => Timers.Cancel(c.Key));
            Receive<IsActive>(q => Sender.Tell(Timers.IsTimerActive(q.Key)));
            Receive<Fail>(FailOnPurpose);
            Receive<Payload>(p => probe.Tell(new Fired(p.Text, Context.System.Clock.Elapsed)));
        }

        private static void FailOnPurpose(Fail _) => throw new InvalidOperationException("fail on purpose");
    }
}
