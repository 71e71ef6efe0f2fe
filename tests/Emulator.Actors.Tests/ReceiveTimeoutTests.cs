using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>Receive timeout on virtual time: fires after inactivity, repeats, and is reset by influencing messages only.</summary>
public sealed class ReceiveTimeoutTests : TestKitBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    [Fact]
    public void Fires_after_the_timeout_of_inactivity()
    {
        ActorOf(() => new Idle(TestActor, Timeout), "idle");

        Advance(TimeSpan.FromMilliseconds(999));
        ExpectNoMsg();
        Advance(TimeSpan.FromMilliseconds(1));
        ExpectMsg(new TimedOut(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Fires_again_after_each_further_period_of_inactivity()
    {
        ActorOf(() => new Idle(TestActor, Timeout), "idle");

        Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(
            new object[] { new TimedOut(TimeSpan.FromSeconds(1)), new TimedOut(TimeSpan.FromSeconds(2)), new TimedOut(TimeSpan.FromSeconds(3)) },
            ReceiveN(3));
        ExpectNoMsg();
    }

    [Fact]
    public void Is_reset_by_a_message()
    {
        var idle = ActorOf(() => new Idle(TestActor, Timeout), "idle");

        Advance(TimeSpan.FromMilliseconds(600));
        idle.Tell("activity");
        Advance(TimeSpan.FromMilliseconds(600));
        ExpectNoMsg();
        Advance(TimeSpan.FromMilliseconds(400));
        ExpectMsg(new TimedOut(TimeSpan.FromMilliseconds(1600)));
    }

    [Fact]
    public void Is_not_reset_by_a_message_that_does_not_influence_the_receive_timeout()
    {
        var idle = ActorOf(() => new Idle(TestActor, Timeout), "idle");

        Advance(TimeSpan.FromMilliseconds(600));
        idle.Tell(new Quiet());
        Advance(TimeSpan.FromMilliseconds(400));
        ExpectMsg("quiet");
        ExpectMsg(new TimedOut(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void SetReceiveTimeout_null_switches_it_off()
    {
        var idle = ActorOf(() => new Idle(TestActor, Timeout), "idle");

        idle.Tell(new SwitchOff());
        Advance(TimeSpan.FromSeconds(10));
        ExpectNoMsg();
    }

    [Fact]
    public void Switching_it_off_while_handling_the_timeout_stops_the_repetition()
    {
        ActorOf(() => new Idle(TestActor, Timeout, offAfterFirst: true), "idle");

        Advance(TimeSpan.FromSeconds(10));
        ExpectMsg(new TimedOut(TimeSpan.FromSeconds(1)));
        ExpectNoMsg();
    }

    [Fact]
    public void A_timer_message_resets_it()
    {
        var idle = ActorOf(() => new Idle(TestActor, Timeout), "idle");

        idle.Tell(new StartTimer("ping", TimeSpan.FromMilliseconds(600)));
        Advance(TimeSpan.FromMilliseconds(600));
        ExpectMsg("ping");
        Advance(TimeSpan.FromMilliseconds(900));
        ExpectNoMsg();
        Advance(TimeSpan.FromMilliseconds(100));
        ExpectMsg(new TimedOut(TimeSpan.FromMilliseconds(1600)));
    }

    [Fact]
    public void A_timer_message_that_does_not_influence_the_receive_timeout_does_not_reset_it()
    {
        var idle = ActorOf(() => new Idle(TestActor, Timeout), "idle");

        idle.Tell(new StartTimer(new Quiet(), TimeSpan.FromMilliseconds(600)));
        Advance(TimeSpan.FromSeconds(1));
        ExpectMsg("quiet");
        ExpectMsg(new TimedOut(TimeSpan.FromSeconds(1)));
    }

    private sealed record TimedOut(TimeSpan At);

    private sealed record Quiet : INotInfluenceReceiveTimeout;

    private sealed record SwitchOff;

    private sealed record StartTimer(object Payload, TimeSpan Delay);

    /// <summary>Sets a receive timeout on start and reports each <see cref="ReceiveTimeout"/> with the virtual time.</summary>
    private sealed class Idle : ReceiveActor
    {
        private readonly TimeSpan _timeout;

        public Idle(IActorRef probe, TimeSpan timeout, bool offAfterFirst = false)
        {
            _timeout = timeout;
            Receive<ReceiveTimeout>(_ =>
            {
                probe.Tell(new TimedOut(Context.System.Clock.Elapsed));
                if (offAfterFirst)
                {
                    SetReceiveTimeout(null);
                }
            });
            Receive<SwitchOff>(_ => SetReceiveTimeout(null));
            Receive<Quiet>(_ => probe.Tell("quiet"));
            Receive<StartTimer>(t => Timers.StartSingleTimer("timer", t.Payload, t.Delay));
            Receive<string>(_ => probe.Tell("ping"), s => s == "ping");
            Receive<string>(_ => { });
        }

        protected override void PreStart() => SetReceiveTimeout(_timeout);
    }
}
