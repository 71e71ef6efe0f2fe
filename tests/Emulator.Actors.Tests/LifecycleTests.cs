using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

public sealed class LifecycleTests : TestKitBase
{
    private readonly TestProbe _events;

    public LifecycleTests() => _events = CreateTestProbe("events");

    /// <summary>Receives lifecycle events until (and including) <paramref name="last"/>.</summary>
    private List<string> EventsUntil(string last)
    {
        var seen = new List<string>();
        while (true)
        {
            var e = _events.ExpectMsg<string>(hint: $"waiting for [{last}] after [{string.Join(", ", seen)}]");
            seen.Add(e);
            if (e == last)
            {
                return seen;
            }
        }
    }

    private sealed class Plain : ReceiveActor
    {
        public Plain() => ReceiveAny(_ => { });
    }

    [Fact]
    public void Actor_cannot_be_constructed_with_new()
    {
        var e = Assert.Throws<ActorNotCreatedException>(() => new Plain());
        Assert.Contains("ActorOf", e.Message);
    }

    [Fact]
    public void PreStart_runs_once_before_the_first_message()
    {
        var actor = ActorOf(Subject.Props(_events.Ref, "s"), "s");
        actor.Tell("hello", TestActor);

        ExpectMsg("s#1 hello");
        _events.ExpectMsg("s#1 Constructor");
        _events.ExpectMsg("s#1 PreStart");
        _events.ExpectNoMsg();
    }

    [Fact]
    public void Restart_runs_the_hooks_in_Akka_order()
    {
        var actor = ActorOf(Subject.Props(_events.Ref, "s"), "s");

        EventFilter.Exception<TestException>().Expect(1, () => actor.Tell("fail", TestActor));

        Assert.Equal(
            [
                "s#1 Constructor",
                "s#1 PreStart",
                "s#1 PreRestart boom:s#1 fail",
                "s#1 PostStop",
                "s#2 Constructor",
                "s#2 PostRestart boom:s#1",
                "s#2 PreStart",
            ],
            EventsUntil("s#2 PreStart"));
        _events.ExpectNoMsg();
    }

    private sealed class CustomHooks(IActorRef events, InstanceCounter counter) : ActorBase
    {
        private readonly int _instance = counter.Next();

        protected override bool Receive(object message) => message is "fail" ? throw new TestException("boom") : true;

        protected override void PreStart() => events.Tell($"PreStart#{_instance}");

        protected override void PostStop() => events.Tell($"PostStop#{_instance}");

        protected override void PreRestart(Exception reason, object? message) => events.Tell($"PreRestart#{_instance}");

        protected override void PostRestart(Exception reason) => events.Tell($"PostRestart#{_instance}");
    }

    [Fact]
    public void Overridden_restart_hooks_replace_the_defaults()
    {
        var counter = new InstanceCounter();
        var actor = ActorOf(Props.Create(() => new CustomHooks(_events.Ref, counter)), "custom");

        EventFilter.Exception<TestException>().Expect(1, () => actor.Tell("fail", TestActor));

        // PreRestart did not call PostStop and PostRestart did not call PreStart.
        _events.ExpectMsg("PreStart#1");
        _events.ExpectMsg("PreRestart#1");
        _events.ExpectMsg("PostRestart#2");
        _events.ExpectNoMsg();
    }

    [Fact]
    public void Exception_in_PostRestart_is_handled_by_the_supervisor_and_stops_the_actor_by_default()
    {
        var props = Subject.Props(_events.Ref, "s", new SubjectOptions { FailInPostRestart = i => i == 2 });
        var actor = ActorOf(props, "s");
        Watch(actor);

        EventFilter.Exception<TestException>("boom").Expect(1, () =>
            EventFilter.Exception<ActorRestartException>().Expect(1, () => actor.Tell("fail", TestActor)));

        // As Akka's PostRestartException (an ActorInitializationException), the default strategy stops it.
        ExpectTerminated(actor);
    }

    [Fact]
    public void Exception_in_PostRestart_reaches_the_supervisor_wrapped_with_its_cause()
    {
        var causes = new List<Exception>();
        var strategy = new OneForOneStrategy(e =>
        {
            causes.Add(e);
            return e is ActorRestartException ? Directive.Stop : Directive.Restart;
        });
        var parent = ActorOf(Subject.Props(_events.Ref, "p").WithSupervisorStrategy(strategy), "parent");
        var props = Subject.Props(_events.Ref, "s", new SubjectOptions { FailInPostRestart = i => i == 2 });
        parent.Tell(new CreateChild("s", props), TestActor);
        var child = ExpectMsg<IActorRef>();
        Watch(child);

        EventFilter.Exception<TestException>("boom").Expect(1, () =>
            EventFilter.Exception<ActorRestartException>().Expect(1, () => child.Tell("fail", TestActor)));

        ExpectTerminated(child);
        Assert.Equal(2, causes.Count);
        Assert.IsType<TestException>(causes[0]);
        var restart = Assert.IsType<ActorRestartException>(causes[1]);
        Assert.Equal(child, restart.Actor);
        Assert.Equal("postrestart:s#2", Assert.IsType<TestException>(restart.InnerException).Message);
    }

    [Fact]
    public void Exception_in_the_constructor_during_restart_stops_the_actor_by_default()
    {
        var props = Subject.Props(_events.Ref, "s", new SubjectOptions { FailInConstructor = i => i == 2 });
        var actor = ActorOf(props, "s");
        Watch(actor);

        EventFilter.Exception<TestException>("boom").Expect(1, () =>
            EventFilter.Exception<ActorRestartException>().Expect(1, () => actor.Tell("fail", TestActor)));

        ExpectTerminated(actor);
    }

    [Fact]
    public void Exception_in_PreRestart_is_logged_and_the_restart_goes_on()
    {
        var props = Subject.Props(_events.Ref, "s", new SubjectOptions { FailInPreRestart = i => i == 1 });
        var actor = ActorOf(props, "s");

        EventFilter.Exception<TestException>("boom").Expect(1, () =>
            EventFilter.Exception<TestException>("prerestart:s#1").Expect(1, () => actor.Tell("fail", TestActor)));

        actor.Tell("who", TestActor);
        ExpectMsg("s#2");
        var events = EventsUntil("s#2 PreStart");
        Assert.Contains("s#2 PostRestart boom:s#1", events);
        // PreRestart threw before the default implementation, so the old instance's PostStop did not run.
        Assert.DoesNotContain("s#1 PostStop", events);
    }

    private sealed class FailingPostStop(IActorRef events) : ActorBase
    {
        protected override bool Receive(object message) => true;

        protected override void PostStop()
        {
            events.Tell("PostStop");
            throw new TestException("poststop");
        }
    }

    [Fact]
    public void Exception_in_PostStop_is_logged_and_the_actor_still_terminates()
    {
        var actor = ActorOf(Props.Create(() => new FailingPostStop(_events.Ref)), "failing-poststop");
        Watch(actor);

        EventFilter.Exception<TestException>("poststop").Expect(1, () => Sys.Stop(actor));

        ExpectTerminated(actor);
        _events.ExpectMsg("PostStop");
    }

    [Fact]
    public void Children_stop_before_the_parents_PostStop()
    {
        var grandchild = Subject.Props(_events.Ref, "g");
        var a = Subject.Props(_events.Ref, "a", new SubjectOptions { Children = [("g", grandchild)] });
        var b = Subject.Props(_events.Ref, "b");
        var parent = ActorOf(Subject.Props(_events.Ref, "p", new SubjectOptions { Children = [("a", a), ("b", b)] }), "parent");
        EventsUntil("g#1 PreStart");
        Watch(parent);

        Sys.Stop(parent);

        ExpectTerminated(parent);
        var stops = EventsUntil("p#1 PostStop").Where(e => e.EndsWith(" PostStop", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, stops.Count);
        Assert.True(stops.IndexOf("g#1 PostStop") < stops.IndexOf("a#1 PostStop"), string.Join(", ", stops));
        Assert.Contains("b#1 PostStop", stops);
        _events.ExpectNoMsg();
    }

    [Fact]
    public void Parent_is_alive_for_its_children_until_they_have_stopped()
    {
        var child = Subject.Props(_events.Ref, "c");
        var parent = ActorOf(Subject.Props(_events.Ref, "p", new SubjectOptions { Children = [("c", child)] }), "parent");
        EventsUntil("c#1 PreStart");
        var c = Assert.Single(Sys.ActorSelection("/user/parent/c").ResolveMatches());
        Watch(parent);
        Watch(c);

        Sys.Stop(parent);

        // The child's Terminated is sent before the parent's: the parent waits for it.
        ExpectTerminated(c);
        ExpectTerminated(parent);
    }

    [Fact]
    public void PostStop_runs_exactly_once_however_often_the_actor_is_stopped()
    {
        var actor = ActorOf(Subject.Props(_events.Ref, "s"), "s");
        EventsUntil("s#1 PreStart");
        Watch(actor);

        actor.Tell("stop-self", TestActor);
        actor.Tell(PoisonPill.Instance, TestActor);
        ExpectMsg("s#1 stop-self handled");
        Sys.Stop(actor);
        actor.Tell(Kill.Instance, TestActor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        _events.ExpectMsg("s#1 PostStop");
        _events.ExpectNoMsg();
        ExpectNoMsg();
    }

    [Fact]
    public void Stopped_actor_is_removed_from_its_parents_children()
    {
        var parent = ActorOf(Subject.Props(_events.Ref, "p"), "parent");
        parent.Tell(new CreateChild("c", Subject.Props(_events.Ref, "c")), TestActor);
        var child = ExpectMsg<IActorRef>();
        Watch(child);
        Assert.Single(Sys.ActorSelection("/user/parent/*").ResolveMatches());

        child.Tell("stop-self", TestActor);
        ExpectMsg("c#1 stop-self handled");
        ExpectTerminated(child);

        Assert.Empty(Sys.ActorSelection("/user/parent/*").ResolveMatches());
        Assert.Equal(0, CountLive("/user/parent/c"));
    }

    private int CountLive(string path)
    {
        RunUntilIdleIfDeterministic();
        return Sys.ActorSelection(path).ResolveMatches().Count;
    }
}
