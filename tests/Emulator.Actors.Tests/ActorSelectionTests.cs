using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>Actor selections: paths with wildcards and "..", Identify, ResolveOne and undeliverable selections.</summary>
public sealed class ActorSelectionTests : TestKitBase
{
    private static readonly TimeSpan RealWait = TimeSpan.FromSeconds(5);

    private IActorRef CreateFamily()
    {
        var parent = ActorOf(() => new Node(TestActor, "c1", "c2", "other"), "parent");
        RunUntilIdleIfDeterministic();
        return parent;
    }

    private List<string> IdentifiedNames(int count) =>
        ReceiveN(count).Cast<ActorIdentity>().Select(i => i.Subject!.Path.ToStringWithoutAddress()).Order().ToList();

    [Fact]
    public void A_star_selects_every_child()
    {
        CreateFamily();

        Sys.ActorSelection("/user/parent/*").Tell(new Identify(1), TestActor);

        Assert.Equal(["/user/parent/c1", "/user/parent/c2", "/user/parent/other"], IdentifiedNames(3));
        ExpectNoMsg();
    }

    [Fact]
    public void Question_marks_and_stars_match_within_elements()
    {
        CreateFamily();

        Sys.ActorSelection("/user/p?rent/c*").Tell(new Identify(1), TestActor);

        Assert.Equal(["/user/parent/c1", "/user/parent/c2"], IdentifiedNames(2));
        ExpectNoMsg();
    }

    [Fact]
    public void A_message_told_to_a_selection_reaches_every_match_with_the_given_sender()
    {
        CreateFamily();

        Sys.ActorSelection("/user/parent/c*").Tell("hi", TestActor);

        var replies = ReceiveN(2).Cast<string>().Order().ToList();
        Assert.Equal(["c1 got hi from testActor", "c2 got hi from testActor"], replies);
    }

    [Fact]
    public void A_full_address_or_an_ActorPath_selects_the_actor()
    {
        CreateFamily();

        Sys.ActorSelection("emu://test/user/parent/c2").Tell("hi", TestActor);
        ExpectMsg("c2 got hi from testActor");
        Sys.ActorSelection(ActorPath.Parse("emu://test/user/parent/c1")).Tell("hi", TestActor);
        ExpectMsg("c1 got hi from testActor");
    }

    [Fact]
    public async Task Relative_paths_from_an_actor_context_select_children_and_with_dot_dot_siblings()
    {
        var parent = CreateFamily();
        var resolving = Sys.ActorSelection("/user/parent/c1").ResolveOne(RealWait);
        Assert.True(Sys.WaitDeterministically(resolving, RealWait));
        var c1 = await resolving;

        parent.Tell(new SelectAndTell("c2", "from parent"), TestActor);
        ExpectMsg("c2 got from parent from parent");
        c1.Tell(new SelectAndTell("../other", "from sibling"), TestActor);
        ExpectMsg("other got from sibling from c1");
        c1.Tell(new SelectAndTell("../../parent/c2", "via grandparent"), TestActor);
        ExpectMsg("c2 got via grandparent from c1");
        c1.Tell(new SelectAndTell("../*", "to all siblings"), TestActor);
        Assert.Equal(
            ["c1 got to all siblings from c1", "c2 got to all siblings from c1", "other got to all siblings from c1"],
            ReceiveN(3).Cast<string>().Order().ToList());
    }

    [Fact]
    public void Identify_answers_with_the_actor_and_the_message_id()
    {
        var parent = CreateFamily();

        Sys.ActorSelection("/user/parent").Tell(new Identify("id-7"), TestActor);

        var identity = ExpectMsg<ActorIdentity>();
        Assert.Equal("id-7", identity.MessageId);
        Assert.Equal(parent, identity.Subject);
    }

    [Fact]
    public void Identify_of_a_missing_actor_answers_with_a_null_subject()
    {
        CreateFamily();

        Sys.ActorSelection("/user/parent/missing").Tell(new Identify(42), TestActor);

        var identity = ExpectMsg<ActorIdentity>();
        Assert.Equal(42, identity.MessageId);
        Assert.Null(identity.Subject);
    }

    [Fact]
    public void Identify_through_a_wildcard_that_matches_nothing_answers_with_a_null_subject()
    {
        CreateFamily();

        Sys.ActorSelection("/user/parent/zz*").Tell(new Identify(1), TestActor);
        ExpectMsg(new ActorIdentity(1, null));
        Sys.ActorSelection("/user/missing/*").Tell(new Identify(2), TestActor);
        ExpectMsg(new ActorIdentity(2, null));
    }

    [Fact]
    public void Nothing_answers_when_a_wildcard_fans_out_and_no_branch_matches()
    {
        CreateFamily();

        Sys.ActorSelection("/user/parent/*/grandchild").Tell(new Identify(1), TestActor);
        EventFilter.DeadLetter<string>().Expect(0, () => Sys.ActorSelection("/user/parent/*/grandchild").Tell("lost", TestActor));

        ExpectNoMsg();
    }

    [Fact]
    public void A_message_to_a_wildcard_that_matches_nothing_goes_to_dead_letters()
    {
        CreateFamily();

        EventFilter.DeadLetter<string>(m => m == "lost").Expect(1, () => Sys.ActorSelection("/user/parent/zz*").Tell("lost", TestActor));
    }

    [Fact]
    public async Task ResolveOne_finds_an_existing_actor()
    {
        var parent = CreateFamily();

        var task = Sys.ActorSelection("/user/parent").ResolveOne(RealWait);

        Assert.True(Sys.WaitDeterministically(task, RealWait));
        Assert.Equal(parent, await task);
    }

    [Fact]
    public async Task ResolveOne_fails_with_ActorNotFoundException_for_a_missing_actor()
    {
        CreateFamily();

        var task = Sys.ActorSelection("/user/parent/missing").ResolveOne(RealWait);

        Assert.True(Sys.WaitDeterministically(task, RealWait));
        await Assert.ThrowsAsync<ActorNotFoundException>(() => task);
    }

    [Fact]
    public void A_message_to_a_missing_path_without_wildcards_goes_to_dead_letters()
    {
        CreateFamily();

        EventFilter.DeadLetter<string>(m => m == "lost").Expect(1, () => Sys.ActorSelection("/user/parent/missing").Tell("lost", TestActor));
        EventFilter.DeadLetter<string>(m => m == "lost").Expect(1, () => Sys.ActorSelection("/user/missing/c1").Tell("lost", TestActor));
    }

    [Fact]
    public void A_selection_resolves_again_for_every_message()
    {
        CreateFamily();
        var selection = Sys.ActorSelection("/user/late");
        EventFilter.DeadLetter<string>().Expect(1, () => selection.Tell("early", TestActor));

        ActorOf(() => new Node(TestActor), "late");
        selection.Tell("now", TestActor);

        ExpectMsg("late got now from testActor");
    }

    private sealed record SelectAndTell(string Path, string Message);

    /// <summary>Creates the named children; answers strings with "name got message from sender-name".</summary>
    private sealed class Node : ReceiveActor
    {
        public Node(IActorRef probe, params string[] children)
        {
            foreach (var child in children)
            {
                Context.ActorOf(Props.Create(() => new Node(probe)), child);
            }
            Receive<SelectAndTell>(s => Context.ActorSelection(s.Path).Tell(s.Message, Self));
            Receive<string>(s => probe.Tell($"{Self.Path.Name} got {s} from {Sender.Path.Name}"));
        }
    }
}
