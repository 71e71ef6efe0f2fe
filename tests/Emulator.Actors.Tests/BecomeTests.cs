using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>Behaviour switching: Become replaces the top behaviour, BecomeStacked/UnbecomeStacked push and pop.</summary>
public sealed class BecomeTests : TestKitBase
{
    [Fact]
    public void ReceiveActor_Become_replaces_the_behaviour()
    {
        var actor = ActorOf(() => new Switcher(TestActor), "switcher");

        actor.Tell("hello");
        ExpectMsg("initial:hello");
        actor.Tell(new Swap("a"));
        actor.Tell("hello");
        ExpectMsg("a:hello");
        actor.Tell("again");
        ExpectMsg("a:again");
    }

    [Fact]
    public void Become_discards_the_current_behaviour_so_unbecome_returns_to_the_initial_one()
    {
        var actor = ActorOf(() => new Switcher(TestActor), "switcher");

        actor.Tell(new Swap("a"));
        actor.Tell(new Swap("b"));
        actor.Tell("x");
        ExpectMsg("b:x");
        actor.Tell(new Pop());
        actor.Tell("y");
        ExpectMsg("initial:y");
    }

    [Fact]
    public void BecomeStacked_and_UnbecomeStacked_return_to_the_previous_behaviour()
    {
        var actor = ActorOf(() => new Switcher(TestActor), "switcher");

        actor.Tell(new Push("a"));
        actor.Tell(new Push("b"));
        actor.Tell("1");
        ExpectMsg("b:1");
        actor.Tell(new Pop());
        actor.Tell("2");
        ExpectMsg("a:2");
        actor.Tell(new Pop());
        actor.Tell("3");
        ExpectMsg("initial:3");
    }

    [Fact]
    public void UnbecomeStacked_on_the_initial_behaviour_keeps_it()
    {
        var actor = ActorOf(() => new Switcher(TestActor), "switcher");

        actor.Tell(new Pop());
        actor.Tell(new Pop());
        actor.Tell("still");
        ExpectMsg("initial:still");
    }

    [Fact]
    public void Context_Become_with_a_Receive_delegate_switches_and_unhandled_messages_are_published()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(UnhandledMessage));
        var actor = ActorOf(() => new RawSwitcher(TestActor), "raw");

        actor.Tell("int-mode");
        actor.Tell(42);
        ExpectMsg("int:42");
        actor.Tell("a string is not handled now");
        var unhandled = ExpectMsg<UnhandledMessage>();
        Assert.Equal("a string is not handled now", unhandled.Message);
        Assert.Equal(actor, unhandled.Recipient);
    }

    [Fact]
    public void UntypedActor_Become_switches_to_an_OnReceive_style_method()
    {
        var actor = ActorOf(() => new UntypedSwitcher(TestActor), "untyped");

        actor.Tell("x");
        ExpectMsg("first:x");
        actor.Tell("y");
        ExpectMsg("second:y");
        actor.Tell("z");
        ExpectMsg("second:z");
    }

    [Fact]
    public void A_restarted_actor_starts_again_with_its_initial_behaviour()
    {
        var actor = ActorOf(() => new Switcher(TestActor), "switcher");

        actor.Tell(new Push("a"));
        actor.Tell("before");
        ExpectMsg("a:before");
        EventFilter.Exception<InvalidOperationException>().Expect(1, () => actor.Tell(new Fail()));
        actor.Tell("after");
        ExpectMsg("initial:after");
    }

    private sealed record Swap(string Name);

    private sealed record Push(string Name);

    private sealed record Pop;

    private sealed record Fail;

    /// <summary>Replies "name:message" with the name of its current behaviour.</summary>
    private sealed class Switcher : ReceiveActor
    {
        public Switcher(IActorRef probe)
        {
            Install("initial", probe);
        }

        private void Install(string name, IActorRef probe)
        {
            Receive<Swap>(s => Become(() => Install(s.Name, probe)));
            Receive<Push>(p => BecomeStacked(() => Install(p.Name, probe)));
            Receive<Pop>(_ => Context.UnbecomeStacked());
            Receive<Fail>(FailOnPurpose);
            Receive<string>(s => probe.Tell($"{name}:{s}"));
        }

        private static void FailOnPurpose(Fail _) => throw new InvalidOperationException("fail on purpose");
    }

    /// <summary>Switches with <see cref="IActorContext.Become"/>; the new behaviour takes only ints.</summary>
    private sealed class RawSwitcher : ReceiveActor
    {
        public RawSwitcher(IActorRef probe)
        {
            Receive<string>(_ => Context.Become(message =>
            {
                if (message is int i)
                {
                    probe.Tell($"int:{i}");
                    return true;
                }
                return false;
            }));
        }
    }

    private sealed class UntypedSwitcher(IActorRef probe) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            probe.Tell($"first:{message}");
            Become(m => probe.Tell($"second:{m}"));
        }
    }
}
