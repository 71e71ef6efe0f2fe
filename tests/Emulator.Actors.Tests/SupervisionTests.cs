using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

public sealed class SupervisionTests : TestKitBase
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly TestProbe _events;

    public SupervisionTests() => _events = CreateTestProbe("events");

    /// <summary>A parent (label "p") supervising with <paramref name="strategy"/>; returns the parent and its new child.</summary>
    private (IActorRef Parent, IActorRef Child) ParentWithChild(SupervisorStrategy strategy, Props childProps, string childName = "c")
    {
        var parent = ActorOf(Subject.Props(_events.Ref, "p").WithSupervisorStrategy(strategy), "parent");
        parent.Tell(new CreateChild(childName, childProps), TestActor);
        var child = ExpectMsg<IActorRef>();
        _events.ExpectMsg("p#1 Constructor");
        _events.ExpectMsg("p#1 PreStart");
        _events.ExpectMsg($"{childName}#1 Constructor");
        _events.ExpectMsg($"{childName}#1 PreStart");
        return (parent, child);
    }

    /// <summary>The one live actor at <paramref name="path"/>, once the actors are idle.</summary>
    private IActorRef Resolve(string path)
    {
        RunUntilIdleIfDeterministic();
        return Assert.Single(Sys.ActorSelection(path).ResolveMatches());
    }

    private static OneForOneStrategy OneForOne(Directive directive) => new(_ => directive);

    [Fact]
    public void Resume_keeps_the_instance_and_its_state_and_continues_with_the_next_message()
    {
        var (_, child) = ParentWithChild(OneForOne(Directive.Resume), Subject.Props(_events.Ref, "c"));

        EventFilter.Exception<TestException>().Expect(1, () =>
        {
            child.Tell("inc", TestActor);
            child.Tell("inc", TestActor);
            child.Tell("fail", TestActor);
            child.Tell("next", TestActor);
            child.Tell("state", TestActor);
            ExpectMsg("c#1 next");
            ExpectMsg(2);
        });
        child.Tell("who", TestActor);
        ExpectMsg("c#1");
        _events.ExpectNoMsg();
    }

    [Fact]
    public void Resume_is_logged_as_a_warning()
    {
        var (_, child) = ParentWithChild(OneForOne(Directive.Resume), Subject.Props(_events.Ref, "c"));

        EventFilter.Warning().Expect(1, () => child.Tell("fail", TestActor));
    }

    [Fact]
    public void Resume_keeps_the_children()
    {
        var grandchildProps = Subject.Props(_events.Ref, "g");
        var childProps = Subject.Props(_events.Ref, "c", new SubjectOptions { Children = [("g", grandchildProps)] });
        var (_, child) = ParentWithChild(OneForOne(Directive.Resume), childProps);
        var grandchild = Resolve("/user/parent/c/g");
        grandchild.Tell("inc", TestActor);

        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        // The grandchild was suspended with its failing parent and resumed with it: same instance, same state.
        grandchild.Tell("state", TestActor);
        ExpectMsg(1);
        grandchild.Tell("who", TestActor);
        ExpectMsg("g#1");
        Assert.DoesNotContain(_events.ReceiveN(_events.QueuedCount), e => e is string s && s.Contains("PostStop"));
    }

    [Fact]
    public void Restart_replaces_the_instance_and_resets_its_state()
    {
        var (_, child) = ParentWithChild(OneForOne(Directive.Restart), Subject.Props(_events.Ref, "c"));
        child.Tell("inc", TestActor);
        child.Tell("inc", TestActor);
        child.Tell("state", TestActor);
        ExpectMsg(2);

        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        child.Tell("state", TestActor);
        ExpectMsg(0);
        child.Tell("who", TestActor);
        ExpectMsg("c#2");
    }

    [Fact]
    public void Restart_keeps_the_mailbox_and_does_not_redeliver_the_failing_message()
    {
        var (_, child) = ParentWithChild(OneForOne(Directive.Restart), Subject.Props(_events.Ref, "c"));

        EventFilter.Exception<TestException>().Expect(1, () =>
        {
            child.Tell("before", TestActor);
            child.Tell("fail", TestActor);
            child.Tell("after-1", TestActor);
            child.Tell("after-2", TestActor);
            ExpectMsg("c#1 before");
            ExpectMsg("c#2 after-1");
            ExpectMsg("c#2 after-2");
        });
        // "fail" was not handed to the fresh instance again: it would have failed a second time.
        child.Tell("who", TestActor);
        ExpectMsg("c#2");
        ExpectNoMsg();
    }

    [Fact]
    public void Restart_calls_PreRestart_on_the_old_instance_and_PostRestart_on_the_new_one()
    {
        var (_, child) = ParentWithChild(OneForOne(Directive.Restart), Subject.Props(_events.Ref, "c"));

        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        _events.ExpectMsg("c#1 PreRestart boom:c#1 fail");
        // The default PreRestart ends with PostStop on the old instance.
        _events.ExpectMsg("c#1 PostStop");
        _events.ExpectMsg("c#2 Constructor");
        _events.ExpectMsg("c#2 PostRestart boom:c#1");
        // The default PostRestart calls PreStart on the new instance.
        _events.ExpectMsg("c#2 PreStart");
        _events.ExpectNoMsg();
    }

    [Fact]
    public void Restart_stops_the_children_and_the_new_instance_creates_them_again()
    {
        var grandchildProps = Subject.Props(_events.Ref, "g");
        var childProps = Subject.Props(_events.Ref, "c", new SubjectOptions { Children = [("g", grandchildProps)] });
        var parent = ActorOf(Subject.Props(_events.Ref, "p").WithSupervisorStrategy(OneForOne(Directive.Restart)), "parent");
        parent.Tell(new CreateChild("c", childProps), TestActor);
        var child = ExpectMsg<IActorRef>();
        var grandchild = Resolve("/user/parent/c/g");
        Watch(grandchild);
        _events.FishForMessage<string>(m => m == "g#1 PreStart");

        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        ExpectTerminated(grandchild);
        _events.ExpectMsg("c#1 PreRestart boom:c#1 fail");
        _events.ExpectMsg("c#1 PostStop");
        _events.ExpectMsg("g#1 PostStop");
        _events.ExpectMsg("c#2 Constructor");
        _events.ExpectMsg("c#2 PostRestart boom:c#1");
        _events.ExpectMsg("c#2 PreStart");
        // The child's constructor created the grandchild again (it starts on its own mailbox, after the parent's turn).
        _events.ExpectMsg("g#2 Constructor");
        _events.ExpectMsg("g#2 PreStart");

        var fresh = Resolve("/user/parent/c/g");
        Assert.Equal(grandchild.Path.ToStringWithoutAddress(), fresh.Path.ToStringWithoutAddress());
        Assert.NotEqual(grandchild, fresh);
        fresh.Tell("who", TestActor);
        ExpectMsg("g#2");
    }

    [Fact]
    public void Stop_stops_the_child_and_its_watcher_gets_Terminated()
    {
        var (_, child) = ParentWithChild(OneForOne(Directive.Stop), Subject.Props(_events.Ref, "c"));
        Watch(child);

        EventFilter.Exception<TestException>().Expect(1, () =>
        {
            child.Tell("fail", TestActor);
            child.Tell("after", TestActor);
        });

        ExpectTerminated(child);
        _events.ExpectMsg("c#1 PostStop");
        _events.ExpectNoMsg();
        // The message queued after the failure was not processed.
        ExpectNoMsg();
    }

    [Fact]
    public void Stop_stops_the_childs_children_too()
    {
        var grandchildProps = Subject.Props(_events.Ref, "g");
        var childProps = Subject.Props(_events.Ref, "c", new SubjectOptions { Children = [("g", grandchildProps)] });
        var (_, child) = ParentWithChild(OneForOne(Directive.Stop), childProps);
        var grandchild = Resolve("/user/parent/c/g");
        Watch(grandchild);

        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        ExpectTerminated(grandchild);
        var stops = _events.ReceiveN(_events.QueuedCount).OfType<string>().Where(e => e.EndsWith("PostStop", StringComparison.Ordinal));
        Assert.Equal(["g#1 PostStop", "c#1 PostStop"], stops);
    }

    [Fact]
    public void Surviving_children_are_restarted_after_the_parent()
    {
        var childProps = Subject.Props(_events.Ref, "c", new SubjectOptions { KeepChildrenOnRestart = true });
        var (_, child) = ParentWithChild(OneForOne(Directive.Restart), childProps);
        child.Tell(new CreateChild("g", Subject.Props(_events.Ref, "g")), TestActor);
        var grandchild = ExpectMsg<IActorRef>();
        Watch(grandchild);
        grandchild.Tell("inc", TestActor);
        grandchild.Tell("state", TestActor);
        ExpectMsg(1);

        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        // Same ref, fresh instance: the survivor was restarted (with the parent's cause), not stopped.
        grandchild.Tell("state", TestActor);
        ExpectMsg(0);
        grandchild.Tell("who", TestActor);
        ExpectMsg("g#2");
        _events.FishForMessage<string>(m => m == "g#2 PostRestart boom:c#1");
        ExpectNoMsg();
    }

    [Fact]
    public void Restart_after_a_failed_creation_creates_the_actor_afresh()
    {
        var strategy = new OneForOneStrategy(_ => Directive.Restart);
        var childProps = Subject.Props(_events.Ref, "c", new SubjectOptions { FailInConstructor = i => i == 1 });
        var parent = ActorOf(Subject.Props(_events.Ref, "p").WithSupervisorStrategy(strategy), "parent");

        var child = EventFilter.Exception<ActorInitializationException>().Expect(1, () =>
        {
            parent.Tell(new CreateChild("c", childProps), TestActor);
            return ExpectMsg<IActorRef>();
        });

        child.Tell("who", TestActor);
        ExpectMsg("c#2");
        // There was no instance to restart: the new one starts with PreStart, not PostRestart.
        var events = _events.ReceiveN(_events.QueuedCount).OfType<string>().Where(e => e.StartsWith("c#", StringComparison.Ordinal));
        Assert.Equal(["c#1 Constructor", "c#2 Constructor", "c#2 PreStart"], events);
    }

    [Fact]
    public void Escalate_fails_the_parent_and_the_grandparents_strategy_applies_to_the_parent()
    {
        var decided = new List<(string Type, string Message)>();
        var grandparentStrategy = new OneForOneStrategy(e =>
        {
            decided.Add((e.GetType().Name, e.Message));
            return Directive.Restart;
        });
        var grandparent = ActorOf(Subject.Props(_events.Ref, "gp").WithSupervisorStrategy(grandparentStrategy), "grandparent");
        var childProps = Subject.Props(_events.Ref, "c");
        var parentProps = Subject.Props(_events.Ref, "p", new SubjectOptions { Children = [("c", childProps)] })
            .WithSupervisorStrategy(OneForOne(Directive.Escalate));
        grandparent.Tell(new CreateChild("p", parentProps), TestActor);
        var parent = ExpectMsg<IActorRef>();
        parent.Tell("inc", TestActor);
        var child = Resolve("/user/grandparent/p/c");
        Watch(child);
        _events.FishForMessage<string>(m => m == "c#1 PreStart");

        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        // The grandparent decided about the parent, with the child's exception.
        Assert.Equal([(nameof(TestException), "boom:c#1")], decided);
        _events.ExpectMsg("p#1 PreRestart boom:c#1 <none>");
        // The parent's restart stopped the failed child and the new parent created a new one.
        ExpectTerminated(child);
        _events.FishForMessage<string>(m => m == "p#2 PostRestart boom:c#1");
        parent.Tell("state", TestActor);
        ExpectMsg(0);
        parent.Tell("who", TestActor);
        ExpectMsg("p#2");
    }

    [Fact]
    public void Escalate_to_a_stopping_grandparent_strategy_stops_parent_and_child()
    {
        var grandparent = ActorOf(Subject.Props(_events.Ref, "gp").WithSupervisorStrategy(OneForOne(Directive.Stop)), "grandparent");
        var childProps = Subject.Props(_events.Ref, "c");
        var parentProps = Subject.Props(_events.Ref, "p", new SubjectOptions { Children = [("c", childProps)] })
            .WithSupervisorStrategy(OneForOne(Directive.Escalate));
        grandparent.Tell(new CreateChild("p", parentProps), TestActor);
        var parent = ExpectMsg<IActorRef>();
        Watch(parent);
        var child = Resolve("/user/grandparent/p/c");

        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        ExpectTerminated(parent);
        _events.FishForMessage<string>(m => m == "c#1 PostStop");
        _events.FishForMessage<string>(m => m == "p#1 PostStop");
        grandparent.Tell("who", TestActor);
        ExpectMsg("gp#1");
    }

    [Fact]
    public void Escalated_failure_resumed_by_the_grandparent_resumes_the_failed_child_too()
    {
        var grandparent = ActorOf(Subject.Props(_events.Ref, "gp").WithSupervisorStrategy(OneForOne(Directive.Resume)), "grandparent");
        var childProps = Subject.Props(_events.Ref, "c");
        var parentProps = Subject.Props(_events.Ref, "p", new SubjectOptions { Children = [("c", childProps)] })
            .WithSupervisorStrategy(OneForOne(Directive.Escalate));
        grandparent.Tell(new CreateChild("p", parentProps), TestActor);
        var parent = ExpectMsg<IActorRef>();
        var child = Resolve("/user/grandparent/p/c");
        child.Tell("inc", TestActor);

        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        // Nothing was restarted or stopped, and both run again.
        parent.Tell("who", TestActor);
        ExpectMsg("p#1");
        child.Tell("state", TestActor);
        ExpectMsg(1);
        child.Tell("who", TestActor);
        ExpectMsg("c#1");
    }

    [Fact]
    public void Siblings_of_an_escalating_child_run_again_after_the_grandparent_resumes()
    {
        var grandparent = ActorOf(Subject.Props(_events.Ref, "gp").WithSupervisorStrategy(OneForOne(Directive.Resume)), "grandparent");
        var parentProps = Subject.Props(_events.Ref, "p", new SubjectOptions
        {
            Children = [("a", Subject.Props(_events.Ref, "a")), ("b", Subject.Props(_events.Ref, "b"))],
        }).WithSupervisorStrategy(OneForOne(Directive.Escalate));
        grandparent.Tell(new CreateChild("p", parentProps), TestActor);
        ExpectMsg<IActorRef>();
        var a = Resolve("/user/grandparent/p/a");
        var b = Resolve("/user/grandparent/p/b");

        EventFilter.Exception<TestException>().Expect(1, () => a.Tell("fail", TestActor));

        b.Tell("who", TestActor);
        ExpectMsg("b#1");
        a.Tell("who", TestActor);
        ExpectMsg("a#1");
    }

    [Fact]
    public void Exceeding_max_retries_within_the_window_stops_the_child()
    {
        var strategy = new OneForOneStrategy(2, Window, _ => Directive.Restart);
        var (_, child) = ParentWithChild(strategy, Subject.Props(_events.Ref, "c"));
        Watch(child);

        EventFilter.Exception<TestException>().Expect(2, () =>
        {
            child.Tell("fail", TestActor);
            Advance(TimeSpan.FromSeconds(10));
            child.Tell("fail", TestActor);
        });
        child.Tell("who", TestActor);
        ExpectMsg("c#3");

        Advance(TimeSpan.FromSeconds(10));
        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        ExpectTerminated(child);
        _events.FishForMessage<string>(m => m == "c#3 PostStop");
        _events.ExpectNoMsg();
    }

    [Fact]
    public void Restart_counter_resets_once_the_window_has_passed()
    {
        var strategy = new OneForOneStrategy(2, Window, _ => Directive.Restart);
        var (_, child) = ParentWithChild(strategy, Subject.Props(_events.Ref, "c"));
        Watch(child);

        EventFilter.Exception<TestException>().Expect(2, () =>
        {
            child.Tell("fail", TestActor);
            child.Tell("fail", TestActor);
        });
        Advance(Window + TimeSpan.FromSeconds(1));
        EventFilter.Exception<TestException>().Expect(2, () =>
        {
            child.Tell("fail", TestActor);
            child.Tell("fail", TestActor);
        });

        child.Tell("who", TestActor);
        ExpectMsg("c#5");
        ExpectNoMsg();
    }

    [Fact]
    public void Max_retries_without_a_window_counts_forever()
    {
        var strategy = new OneForOneStrategy(1, null, _ => Directive.Restart);
        var (_, child) = ParentWithChild(strategy, Subject.Props(_events.Ref, "c"));
        Watch(child);

        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));
        Advance(TimeSpan.FromDays(1));
        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        ExpectTerminated(child);
    }

    [Fact]
    public void Zero_max_retries_stops_at_the_first_failure()
    {
        var strategy = new OneForOneStrategy(0, Window, _ => Directive.Restart);
        var (_, child) = ParentWithChild(strategy, Subject.Props(_events.Ref, "c"));
        Watch(child);

        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        ExpectTerminated(child);
        _events.ExpectMsg("c#1 PostStop");
        _events.ExpectNoMsg();
    }

    [Fact]
    public void AllForOne_restart_restarts_the_siblings_too()
    {
        var (parent, a) = ParentWithChild(new AllForOneStrategy(_ => Directive.Restart), Subject.Props(_events.Ref, "a"), "a");
        parent.Tell(new CreateChild("b", Subject.Props(_events.Ref, "b")), TestActor);
        var b = ExpectMsg<IActorRef>();
        b.Tell("inc", TestActor);
        b.Tell("state", TestActor);
        ExpectMsg(1);
        _events.ExpectMsg("b#1 Constructor");
        _events.ExpectMsg("b#1 PreStart");

        EventFilter.Exception<TestException>().Expect(1, () => a.Tell("fail", TestActor));

        b.Tell("state", TestActor);
        ExpectMsg(0);
        b.Tell("who", TestActor);
        ExpectMsg("b#2");
        a.Tell("who", TestActor);
        ExpectMsg("a#2");
        // The sibling's PreRestart gets the failure but no message: it was not processing one.
        _events.FishForMessage<string>(m => m == "b#1 PreRestart boom:a#1 <none>");
    }

    [Fact]
    public void AllForOne_stop_stops_the_siblings_too()
    {
        var (parent, a) = ParentWithChild(new AllForOneStrategy(_ => Directive.Stop), Subject.Props(_events.Ref, "a"), "a");
        parent.Tell(new CreateChild("b", Subject.Props(_events.Ref, "b")), TestActor);
        var b = ExpectMsg<IActorRef>();
        Watch(a);
        Watch(b);

        EventFilter.Exception<TestException>().Expect(1, () => a.Tell("fail", TestActor));

        var terminated = new[] { ExpectMsg<Terminated>().ActorRef, ExpectMsg<Terminated>().ActorRef };
        Assert.Equal(new[] { a, b }.OrderBy(r => r.Path.Name), terminated.OrderBy(r => r.Path.Name));
        parent.Tell("who", TestActor);
        ExpectMsg("p#1");
    }

    [Fact]
    public void AllForOne_exceeding_max_retries_stops_all_children()
    {
        var strategy = new AllForOneStrategy(1, Window, _ => Directive.Restart);
        var (parent, a) = ParentWithChild(strategy, Subject.Props(_events.Ref, "a"), "a");
        parent.Tell(new CreateChild("b", Subject.Props(_events.Ref, "b")), TestActor);
        var b = ExpectMsg<IActorRef>();
        Watch(a);
        Watch(b);

        EventFilter.Exception<TestException>().Expect(2, () =>
        {
            a.Tell("fail", TestActor);
            b.Tell("who", TestActor);
            ExpectMsg("b#2");
            b.Tell("fail", TestActor);
        });

        var terminated = new[] { ExpectMsg<Terminated>().ActorRef, ExpectMsg<Terminated>().ActorRef };
        Assert.Equal(new[] { a, b }.OrderBy(r => r.Path.Name), terminated.OrderBy(r => r.Path.Name));
    }

    [Fact]
    public void Default_strategy_stops_an_actor_whose_constructor_throws()
    {
        var props = Subject.Props(_events.Ref, "s", new SubjectOptions { FailInConstructor = _ => true });

        var actor = EventFilter.Exception<ActorInitializationException>().Expect(1, () =>
        {
            var a = ActorOf(props, "s");
            Watch(a);
            return a;
        });

        ExpectTerminated(actor);
        _events.ExpectMsg("s#1 Constructor");
        // No instance was made, so there is nothing to stop: no PostStop.
        _events.ExpectNoMsg();
    }

    [Fact]
    public void Default_strategy_stops_an_actor_whose_PreStart_throws()
    {
        var props = Subject.Props(_events.Ref, "s", new SubjectOptions { FailInPreStart = _ => true });

        var actor = EventFilter.Exception<ActorInitializationException>().Expect(1, () =>
        {
            var a = ActorOf(props, "s");
            Watch(a);
            return a;
        });

        ExpectTerminated(actor);
        _events.ExpectMsg("s#1 Constructor");
        _events.ExpectMsg("s#1 PreStart");
        _events.ExpectNoMsg();
    }

    [Fact]
    public void Initialization_failure_wraps_the_cause()
    {
        var props = Subject.Props(_events.Ref, "s", new SubjectOptions { FailInConstructor = _ => true });
        ActorInitializationException? seen = null;
        var parentStrategy = new OneForOneStrategy(e =>
        {
            seen = e as ActorInitializationException;
            return Directive.Stop;
        });
        var parent = ActorOf(Subject.Props(_events.Ref, "p").WithSupervisorStrategy(parentStrategy), "parent");

        EventFilter.Exception<ActorInitializationException>().Expect(1, () =>
        {
            parent.Tell(new CreateChild("s", props), TestActor);
            ExpectMsg<IActorRef>();
        });

        Assert.NotNull(seen);
        var inner = Assert.IsType<TestException>(seen.InnerException);
        Assert.Equal("constructor:s#1", inner.Message);
        Assert.Equal("s", seen.Actor?.Path.Name);
    }

    [Fact]
    public void Default_strategy_stops_an_actor_that_receives_Kill()
    {
        var actor = ActorOf(Subject.Props(_events.Ref, "s"), "s");
        Watch(actor);

        EventFilter.Exception<ActorKilledException>().Expect(1, () => actor.Tell(Kill.Instance, TestActor));

        ExpectTerminated(actor);
        _events.FishForMessage<string>(m => m == "s#1 PostStop");
    }

    [Fact]
    public void Default_strategy_stops_an_actor_that_does_not_handle_Terminated()
    {
        var watched = ActorOf(Subject.Props(_events.Ref, "w"), "watched");
        var watcher = ActorOf(Subject.Props(_events.Ref, "s"), "watcher");
        watcher.Tell(new WatchIt(watched), TestActor);
        ExpectMsg("watching");
        Watch(watcher);

        EventFilter.Exception<DeathPactException>().Expect(1, () => Sys.Stop(watched));

        ExpectTerminated(watcher);
        _events.FishForMessage<string>(m => m == "s#1 PostStop");
    }

    [Fact]
    public void DeathPactException_names_the_dead_actor()
    {
        DeathPactException? seen = null;
        var parentStrategy = new OneForOneStrategy(e =>
        {
            seen = e as DeathPactException;
            return Directive.Stop;
        });
        var parent = ActorOf(Subject.Props(_events.Ref, "p").WithSupervisorStrategy(parentStrategy), "parent");
        parent.Tell(new CreateChild("watcher", Subject.Props(_events.Ref, "s")), TestActor);
        var watcher = ExpectMsg<IActorRef>();
        var watched = ActorOf(Subject.Props(_events.Ref, "w"), "watched");
        watcher.Tell(new WatchIt(watched), TestActor);
        ExpectMsg("watching");

        EventFilter.Exception<DeathPactException>().Expect(1, () => Sys.Stop(watched));

        Assert.NotNull(seen);
        Assert.Equal(watched, seen.DeadActor);
    }

    [Fact]
    public void Default_strategy_restarts_on_other_exceptions()
    {
        var actor = ActorOf(Subject.Props(_events.Ref, "s"), "s");
        Watch(actor);

        EventFilter.Exception<TestException>().Expect(1, () => actor.Tell("fail", TestActor));

        actor.Tell("who", TestActor);
        ExpectMsg("s#2");
        _events.FishForMessage<string>(m => m == "s#2 PostRestart boom:s#1");
        ExpectNoMsg();
    }

    [Fact]
    public void Strategy_from_props_overrides_the_actors_own_strategy()
    {
        var (_, child) = ParentWithChild(OneForOne(Directive.Stop), Subject.Props(_events.Ref, "c"));
        Watch(child);

        // Subject's own SupervisorStrategy() is the default (restart); the props say stop.
        EventFilter.Exception<TestException>().Expect(1, () => child.Tell("fail", TestActor));

        ExpectTerminated(child);
    }

    [Fact]
    public void Failing_child_is_suspended_until_its_parent_has_decided()
    {
        var report = TestActor;
        var strategy = new OneForOneStrategy(_ =>
        {
            report.Tell("decided");
            return Directive.Resume;
        });
        var (_, child) = ParentWithChild(strategy, Subject.Props(_events.Ref, "c"));

        // Were the child not suspended, the scheduler would sometimes run "next" before the parent's decision.
        EventFilter.Exception<TestException>().Expect(10, () =>
        {
            for (var i = 0; i < 10; i++)
            {
                child.Tell("fail", TestActor);
                child.Tell($"next {i}", TestActor);
                ExpectMsg("decided");
                ExpectMsg($"c#1 next {i}");
            }
        });
    }
}
