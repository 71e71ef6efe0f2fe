using Emulator.Actors.Dispatch;
using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>Mailbox kinds chosen through <see cref="Props.WithMailbox"/>.</summary>
public sealed class MailboxTests : TestKitBase
{
    [Fact]
    public void A_bounded_mailbox_sends_the_overflow_to_dead_letters()
    {
        var actor = ActorOf(Props.Create(() => new Relay(TestActor)).WithMailbox("bounded:2"), "bounded");
        RunUntilIdleIfDeterministic();
        var deadLetters = new List<DeadLetter>();
        using var subscription = Sys.EventStream.Subscribe<DeadLetter>(deadLetters.Add);

        // Nothing runs while the test thread sends, so the mailbox fills up after two messages.
        for (var i = 1; i <= 5; i++)
        {
            actor.Tell(i, TestActor);
        }

        Assert.Equal([3, 4, 5], deadLetters.Select(d => (int)d.Message));
        Assert.All(deadLetters, d => Assert.Equal(actor, d.Recipient));
        Assert.All(deadLetters, d => Assert.Equal(TestActor, d.Sender));
        Assert.Equal(new object[] { 1, 2 }, ReceiveN(2));
        ExpectNoMsg();
    }

    [Fact]
    public void A_bounded_mailbox_accepts_messages_again_once_it_has_room()
    {
        var actor = ActorOf(Props.Create(() => new Relay(TestActor)).WithMailbox("bounded:2"), "bounded");

        EventFilter.DeadLetter<int>().Expect(1, () =>
        {
            actor.Tell(1);
            actor.Tell(2);
            actor.Tell(3);
        });
        Assert.Equal(new object[] { 1, 2 }, ReceiveN(2));
        EventFilter.DeadLetter<int>().Expect(0, () =>
        {
            actor.Tell(4);
            actor.Tell(5);
        });
        Assert.Equal(new object[] { 4, 5 }, ReceiveN(2));
    }

    [Fact]
    public void The_default_mailbox_is_unbounded()
    {
        var actor = ActorOf(Props.Create(() => new Relay(TestActor)), "unbounded");

        EventFilter.DeadLetter<int>().Expect(0, () =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                actor.Tell(i);
            }
        });

        Assert.Equal(Enumerable.Range(0, 1_000).Cast<object>(), ReceiveN(1_000));
    }

    [Theory]
    [InlineData("no-such-mailbox")]
    [InlineData("bounded:0")]
    [InlineData("bounded:-1")]
    [InlineData("bounded:lots")]
    public void An_unknown_mailbox_id_fails_the_actor_creation(string mailbox)
    {
        var live = Sys.LiveActorCount;

        Assert.Throws<ArgumentException>(() => ActorOf(Props.Create(() => new Relay(TestActor)).WithMailbox(mailbox), "bad"));

        Assert.Equal(live, Sys.LiveActorCount);
        Assert.IsType<UnboundedMailbox>(Mailboxes.Create(Mailboxes.Unbounded));
        Assert.Equal(7, Assert.IsType<BoundedMailbox>(Mailboxes.Create("bounded:7")).Capacity);
    }

    private sealed class Relay : ReceiveActor
    {
        public Relay(IActorRef probe)
        {
            ReceiveAny(m => probe.Tell(m));
        }
    }
}
