using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

public sealed class ActorNamingTests : TestKitBase
{
    private readonly TestProbe _events;

    public ActorNamingTests() => _events = CreateTestProbe("events");

    private Props SubjectProps(string label = "s") => Subject.Props(_events.Ref, label);

    [Fact]
    public void Duplicate_top_level_name_throws_InvalidActorNameException()
    {
        ActorOf(SubjectProps(), "a");

        var e = Assert.Throws<InvalidActorNameException>(() => ActorOf(SubjectProps(), "a"));
        Assert.Contains("not unique", e.Message);
    }

    [Fact]
    public void Duplicate_name_does_not_disturb_the_existing_actor()
    {
        var first = ActorOf(SubjectProps("first"), "a");
        Assert.Throws<InvalidActorNameException>(() => ActorOf(SubjectProps("second"), "a"));

        first.Tell("who", TestActor);

        ExpectMsg("first#1");
        Assert.Equal(first, Assert.Single(Sys.ActorSelection("/user/a").ResolveMatches()));
    }

    [Theory]
    [InlineData("$x")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("%zz")]
    public void Invalid_name_throws_InvalidActorNameException(string name)
    {
        Assert.Throws<InvalidActorNameException>(() => ActorOf(SubjectProps(), name));
        Assert.Empty(Sys.ActorSelection("/user/*").ResolveMatches());
    }

    [Theory]
    [InlineData("a-b_c.d")]
    [InlineData("a$b")]
    [InlineData("node:1@zone=eu")]
    [InlineData("%41")]
    public void Valid_names_are_accepted(string name)
    {
        var actor = ActorOf(SubjectProps(), name);

        Assert.Equal(name, actor.Path.Name);
        actor.Tell("who", TestActor);
        ExpectMsg("s#1");
    }

    [Fact]
    public void Auto_generated_names_start_with_a_dollar_and_are_unique()
    {
        var actors = Enumerable.Range(0, 70).Select(_ => ActorOf(SubjectProps())).ToArray();

        Assert.All(actors, a => Assert.StartsWith("$", a.Path.Name, StringComparison.Ordinal));
        Assert.Equal(actors.Length, actors.Select(a => a.Path.Name).Distinct().Count());
        foreach (var a in actors)
        {
            a.Tell("ping", TestActor);
        }
        Assert.Equal(actors.Length, ReceiveN(actors.Length).Count);
    }

    [Fact]
    public void Auto_generated_child_names_start_with_a_dollar()
    {
        var parent = ActorOf(SubjectProps("p"), "parent");

        parent.Tell(new CreateChild(null, SubjectProps("c")), TestActor);
        var first = ExpectMsg<IActorRef>();
        parent.Tell(new CreateChild(null, SubjectProps("c")), TestActor);
        var second = ExpectMsg<IActorRef>();

        Assert.StartsWith("$", first.Path.Name, StringComparison.Ordinal);
        Assert.StartsWith("$", second.Path.Name, StringComparison.Ordinal);
        Assert.NotEqual(first.Path.Name, second.Path.Name);
        Assert.Equal("emu://test/user/parent/" + first.Path.Name, first.Path.ToString());
    }

    [Fact]
    public void Same_name_under_different_parents_is_allowed()
    {
        var p1 = ActorOf(SubjectProps("p"), "p1");
        var p2 = ActorOf(SubjectProps("p"), "p2");

        p1.Tell(new CreateChild("c", SubjectProps("c1")), TestActor);
        var c1 = ExpectMsg<IActorRef>();
        p2.Tell(new CreateChild("c", SubjectProps("c2")), TestActor);
        var c2 = ExpectMsg<IActorRef>();

        Assert.Equal("emu://test/user/p1/c", c1.Path.ToString());
        Assert.Equal("emu://test/user/p2/c", c2.Path.ToString());
    }

    [Fact]
    public void Name_of_a_stopped_actor_is_reusable_only_after_it_has_terminated()
    {
        var first = ActorOf(SubjectProps("first"), "a");
        Watch(first);

        Sys.Stop(first);
        // Not terminated yet (the deterministic dispatcher has not run): the name is still taken.
        Assert.Throws<InvalidActorNameException>(() => ActorOf(SubjectProps("second"), "a"));

        ExpectTerminated(first);
        var second = ActorOf(SubjectProps("second"), "a");
        second.Tell("who", TestActor);
        ExpectMsg("second#1");
        Assert.NotEqual(first, second);
        Assert.Equal(first.Path.ToString(), second.Path.ToString());
    }

    private sealed class Recreator : ReceiveActor
    {
        public Recreator(Props childProps)
        {
            var child = Context.ActorOf(childProps, "c");
            Receive<string>(_ =>
            {
                Context.Stop(child);
                try
                {
                    Context.ActorOf(childProps, "c");
                    Sender.Tell("created");
                }
                catch (InvalidActorNameException)
                {
                    // The stopping child is still listed too.
                    Sender.Tell($"name taken, {Context.Children.Count} child");
                }
            }, m => m == "recreate-now");
            Receive<string>(_ =>
            {
                child = Context.ActorOf(childProps, "c");
                Sender.Tell("created");
            }, m => m == "create");
            Receive<string>(_ => Sender.Tell(Context.Children.Count), m => m == "count");
        }
    }

    [Fact]
    public void Child_name_stays_reserved_while_the_child_is_stopping()
    {
        var parent = ActorOf(Props.Create(() => new Recreator(SubjectProps("c"))), "parent");

        parent.Tell("recreate-now", TestActor);
        ExpectMsg("name taken, 1 child");
        _events.FishForMessage<string>(m => m == "c#1 PostStop");

        parent.Tell("create", TestActor);
        ExpectMsg("created");
        parent.Tell("count", TestActor);
        ExpectMsg(1);
    }

    [Fact]
    public void Path_of_a_child_nests_under_its_parent()
    {
        var parent = ActorOf(SubjectProps("p"), "parent");
        parent.Tell(new CreateChild("child", SubjectProps("c")), TestActor);
        var child = ExpectMsg<IActorRef>();

        Assert.Equal("emu://test/user/parent/child", child.Path.ToString());
        Assert.Equal("child", child.Path.Name);
    }
}
