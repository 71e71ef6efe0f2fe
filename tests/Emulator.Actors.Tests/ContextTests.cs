using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>What an actor sees of itself while handling a message: Sender, Self, Parent, Children.</summary>
public sealed class ContextTests : TestKitBase
{
    [Fact]
    public void Sender_is_the_ref_given_to_Tell()
    {
        var actor = ActorOf(() => new Reporter(), "reporter");
        var probe = CreateTestProbe();

        actor.Tell("who", probe.Ref);

        var reply = probe.ExpectMsg<Report>();
        Assert.Equal(probe.Ref, reply.Sender);
        Assert.Equal(actor, probe.LastSender);
    }

    [Fact]
    public void Sender_is_dead_letters_when_a_message_has_no_sender()
    {
        var actor = ActorOf(() => new Reporter(TestActor), "reporter");

        actor.Tell("who", null);

        Assert.Equal(Sys.DeadLetters, ExpectMsg<Report>().Sender);
    }

    [Fact]
    public void Self_is_the_ref_returned_by_ActorOf()
    {
        var actor = ActorOf(() => new Reporter(), "reporter");

        actor.Tell("who", TestActor);

        Assert.Equal(actor, ExpectMsg<Report>().Self);
    }

    [Fact]
    public void The_parent_of_a_top_level_actor_is_the_user_guardian_and_a_child_sees_its_creator()
    {
        var parent = ActorOf(() => new Parent(), "parent");

        parent.Tell(new Create("kid"), TestActor);
        var kid = ExpectMsg<IActorRef>();
        parent.Tell("who", TestActor);
        var parentReport = ExpectMsg<Report>();
        kid.Tell("who", TestActor);
        var kidReport = ExpectMsg<Report>();

        Assert.Equal("/user", parentReport.Parent.Path.ToStringWithoutAddress());
        Assert.Equal(parent, kidReport.Parent);
        Assert.Equal("emu://test/user/parent/kid", kid.Path.ToString());
    }

    [Fact]
    public void Children_lists_the_live_children_and_Child_finds_one_by_name()
    {
        var parent = ActorOf(() => new Parent(), "parent");

        parent.Tell(new Create("a"), TestActor);
        var a = ExpectMsg<IActorRef>();
        parent.Tell(new Create("b"), TestActor);
        var b = ExpectMsg<IActorRef>();
        parent.Tell("children", TestActor);
        Assert.Equal(new[] { "a", "b" }, ExpectMsg<string[]>());
        parent.Tell(new Lookup("b"), TestActor);
        Assert.Equal(b, ExpectMsg<IActorRef>());
        parent.Tell(new Lookup("nope"), TestActor);
        ExpectMsg("none");

        Watch(a);
        parent.Tell(new StopChild("a"), TestActor);
        ExpectTerminated(a);
        parent.Tell("children", TestActor);
        Assert.Equal(new[] { "b" }, ExpectMsg<string[]>());
    }

    [Fact]
    public void Forward_keeps_the_original_sender()
    {
        var target = ActorOf(() => new Reporter(), "target");
        var forwarder = ActorOf(() => new Forwarder(target), "forwarder");

        forwarder.Tell("who", TestActor);

        var report = ExpectMsg<Report>();
        Assert.Equal(TestActor, report.Sender);
        Assert.Equal(target, LastSender);
    }

    private sealed record Report(IActorRef Sender, IActorRef Self, IActorRef Parent);

    private sealed record Create(string Name);

    private sealed record Lookup(string Name);

    private sealed record StopChild(string Name);

    /// <summary>Answers "who" with what its context says; to the sender, or to a fixed ref when given one.</summary>
    private sealed class Reporter : ReceiveActor
    {
        public Reporter(IActorRef? replyTo = null)
        {
            Receive<string>(_ => (replyTo ?? Sender).Tell(new Report(Sender, Self, Context.Parent), Self));
        }
    }

    private sealed class Parent : ReceiveActor
    {
        public Parent()
        {
            Receive<Create>(c => Sender.Tell(Context.ActorOf(Props.Create(() => new Reporter()), c.Name)));
            Receive<Lookup>(l => Sender.Tell((object?)Context.Child(l.Name) ?? "none"));
            Receive<StopChild>(s => Context.Stop(Context.Child(s.Name)!));
            Receive<string>(_ => Sender.Tell(Context.Children.Select(c => c.Path.Name).Order().ToArray()), s => s == "children");
            Receive<string>(_ => Sender.Tell(new Report(Sender, Self, Context.Parent)));
        }
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef target)
        {
            ReceiveAny(m => target.Forward(m));
        }
    }
}
