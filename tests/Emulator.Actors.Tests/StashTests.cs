using System.Runtime.CompilerServices;
using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>Stash: messages set aside and put back at the head of the mailbox, in their original order.</summary>
public sealed class StashTests : TestKitBase
{
    [Fact]
    public void UnstashAll_puts_the_messages_back_in_their_original_order_before_newer_ones()
    {
        var gate = ActorOf(() => new Gate(TestActor), "gate");

        gate.Tell("a");
        gate.Tell("b");
        gate.Tell("c");
        gate.Tell(new Open());
        gate.Tell("d");

        Assert.Equal(new object[] { "1:a", "1:b", "1:c", "1:d" }, ReceiveN(4));
        ExpectNoMsg();
    }

    [Fact]
    public void Stashed_messages_survive_a_restart_and_reach_the_fresh_instance_first()
    {
        var incarnations = new StrongBox<int>();
        var gate = ActorOf(() => new Gate(TestActor, incarnations, openAfterRestart: true), "gate");

        EventFilter.Exception<InvalidOperationException>().Expect(1, () =>
        {
            gate.Tell("a");
            gate.Tell("b");
            gate.Tell("c");
            gate.Tell(new Fail());
            gate.Tell("d");
        });
        gate.Tell("e");

        Assert.Equal(new object[] { "2:a", "2:b", "2:c", "2:d", "2:e" }, ReceiveN(5));
        ExpectNoMsg();
    }

    [Fact]
    public void Stashing_the_same_message_twice_throws()
    {
        var gate = ActorOf(() => new Gate(TestActor), "gate");

        gate.Tell(new StashTwice());
        ExpectMsg(nameof(IllegalActorStateException));
        gate.Tell(new CountQuery(), TestActor);
        ExpectMsg(1);
    }

    [Fact]
    public void Equal_messages_delivered_separately_can_both_be_stashed()
    {
        var gate = ActorOf(() => new Gate(TestActor), "gate");
        var tick = new Tick();

        // The same instance twice from the same sender: two deliveries, so two stash entries.
        gate.Tell(tick);
        gate.Tell(tick);
        gate.Tell("same");
        gate.Tell("same");
        gate.Tell(new Open());

        Assert.Equal(new object[] { "1:Tick { }", "1:Tick { }", "1:same", "1:same" }, ReceiveN(4));
    }

    [Fact]
    public void Unstash_puts_back_only_the_oldest_message()
    {
        var gate = ActorOf(() => new Gate(TestActor), "gate");

        gate.Tell("a");
        gate.Tell("b");
        gate.Tell("c");
        gate.Tell(new ReleaseOne());
        ExpectMsg("1:a");
        ExpectNoMsg();
        gate.Tell(new CountQuery(), TestActor);
        ExpectMsg(2);
        gate.Tell(new ReleaseOne());
        ExpectMsg("1:b");
        ExpectNoMsg();
    }

    [Fact]
    public void Stashed_messages_go_to_dead_letters_when_the_actor_stops()
    {
        var gate = ActorOf(() => new Gate(TestActor), "gate");
        Watch(gate);

        EventFilter.DeadLetter<string>(m => m is "a" or "b").Expect(2, () =>
        {
            gate.Tell("a");
            gate.Tell("b");
            gate.Tell(PoisonPill.Instance);
        });
        ExpectTerminated(gate);
    }

    [Fact]
    public void A_stashed_Terminated_is_delivered_again_after_unstash()
    {
        var gate = ActorOf(() => new Gate(TestActor), "gate");
        var watched = ActorOf(() => new Gate(TestActor), "watched");

        gate.Tell(new WatchIt(watched));
        RunUntilIdleIfDeterministic();
        Sys.Stop(watched);
        RunUntilIdleIfDeterministic();
        gate.Tell(new CountQuery(), TestActor);
        ExpectMsg(1);
        gate.Tell(new Open());

        ExpectMsg("1:terminated watched");
    }

    [Fact]
    public void Exceeding_the_stash_capacity_fails_the_actor_with_StashOverflowException()
    {
        using var kit = new SmallStashKit();
        var incarnations = new StrongBox<int>();
        var gate = kit.ActorOf(() => new Gate(kit.TestActor, incarnations, openAfterRestart: true), "gate");

        kit.EventFilter.Exception<StashOverflowException>().Expect(1, () =>
        {
            gate.Tell("a");
            gate.Tell("b");
            gate.Tell("c");
        });

        // The two stashed messages reach the restarted instance; the one that overflowed is not redelivered.
        Assert.Equal(new object[] { "2:a", "2:b" }, kit.ReceiveN(2));
        kit.ExpectNoMsg();
    }

    private sealed record Open;

    private sealed record Fail;

    private sealed record StashTwice;

    private sealed record CountQuery;

    private sealed record ReleaseOne;

    private sealed record Tick;

    private sealed record WatchIt(IActorRef Target);

    /// <summary>
    /// Closed: stashes everything. Open: unstashes all and forwards "incarnation:message" to the probe.
    /// With <c>openAfterRestart</c> the instances after the first start open; <c>incarnations</c> counts the instances.
    /// </summary>
    private sealed class Gate : ReceiveActor
    {
        private readonly IActorRef _probe;
        private readonly int _incarnation;

        public Gate(IActorRef probe, StrongBox<int>? incarnations = null, bool openAfterRestart = false)
        {
            _probe = probe;
            _incarnation = incarnations is null ? 1 : ++incarnations.Value;
            if (openAfterRestart && _incarnation > 1)
            {
                Opened();
            }
            else
            {
                Closed();
            }
        }

        private void Closed()
        {
            Receive<Open>(_ =>
            {
                Stash.UnstashAll();
                Become(Opened);
            });
            Receive<Fail>(FailOnPurpose);
            Receive<CountQuery>(_ => Sender.Tell(Stash.Count));
            Receive<WatchIt>(w => Context.Watch(w.Target));
            Receive<StashTwice>(_ =>
            {
                Stash.Stash();
                try
                {
                    Stash.Stash();
                }
                catch (IllegalActorStateException e)
                {
                    _probe.Tell(e.GetType().Name);
                }
            });
            Receive<ReleaseOne>(_ =>
            {
                Stash.Unstash();
                BecomeStacked(() => ReceiveAny(m =>
                {
                    Forward(m);
                    Context.UnbecomeStacked();
                }));
            });
            ReceiveAny(_ => Stash.Stash());
        }

        private void Opened() => ReceiveAny(Forward);

        private void Forward(object message) =>
            _probe.Tell(message is Terminated t ? $"{_incarnation}:terminated {t.ActorRef.Path.Name}" : $"{_incarnation}:{message}");

        private static void FailOnPurpose(Fail _) => throw new InvalidOperationException("fail on purpose");
    }

    private sealed class SmallStashKit() : TestKitBase(ActorSystemSettings.DeterministicWithSeed(0) with { StashCapacity = 2 });
}
