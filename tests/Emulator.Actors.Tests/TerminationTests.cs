using System.Collections.Concurrent;
using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

public sealed class TerminationTests : TestKitBase
{
    private readonly TestProbe _events;

    public TerminationTests() => _events = CreateTestProbe("events");

    private IActorRef Subject(string name, SubjectOptions? options = null) =>
        ActorOf(Tests.Subject.Props(_events.Ref, name, options), name);

    [Fact]
    public void PoisonPill_is_processed_after_queued_messages_and_later_messages_become_dead_letters()
    {
        var actor = Subject("s");
        Watch(actor);

        EventFilter.DeadLetter<string>(m => m.StartsWith("late", StringComparison.Ordinal)).Expect(2, () =>
        {
            actor.Tell("one", TestActor);
            actor.Tell("two", TestActor);
            actor.Tell(PoisonPill.Instance, TestActor);
            actor.Tell("late-1", TestActor);
            actor.Tell("late-2", TestActor);
            ExpectMsg("s#1 one");
            ExpectMsg("s#1 two");
            ExpectTerminated(actor);
        });
        _events.FishForMessage<string>(m => m == "s#1 PostStop");
        ExpectNoMsg();
    }

    [Fact]
    public void PoisonPill_is_not_a_failure()
    {
        var actor = Subject("s");
        Watch(actor);

        EventFilter.Error().Expect(0, () =>
        {
            actor.Tell(PoisonPill.Instance, TestActor);
            ExpectTerminated(actor);
        });
        _events.ExpectMsg("s#1 Constructor");
        _events.ExpectMsg("s#1 PreStart");
        _events.ExpectMsg("s#1 PostStop");
        _events.ExpectNoMsg();
    }

    [Fact]
    public void Kill_fails_the_actor_so_the_default_strategy_stops_it_and_logs_an_error()
    {
        var actor = Subject("s");
        Watch(actor);

        EventFilter.Exception<ActorKilledException>().Expect(1, () =>
            EventFilter.DeadLetter<string>(m => m == "late").Expect(1, () =>
            {
                actor.Tell("before", TestActor);
                actor.Tell(Kill.Instance, TestActor);
                actor.Tell("late", TestActor);
                ExpectMsg("s#1 before");
                ExpectTerminated(actor);
            }));

        _events.ExpectMsg("s#1 Constructor");
        _events.ExpectMsg("s#1 PreStart");
        _events.ExpectMsg("s#1 PostStop");
        _events.ExpectNoMsg();
        ExpectNoMsg();
    }

    [Fact]
    public void Kill_is_a_failure_the_supervisor_may_restart()
    {
        var strategy = new OneForOneStrategy(_ => Directive.Restart);
        var supervisor = ActorOf(Tests.Subject.Props(_events.Ref, "sup").WithSupervisorStrategy(strategy), "sup");
        supervisor.Tell(new CreateChild("c", Tests.Subject.Props(_events.Ref, "c")), TestActor);
        var child = ExpectMsg<IActorRef>();

        EventFilter.Exception<ActorKilledException>().Expect(1, () =>
        {
            child.Tell(Kill.Instance, TestActor);
            child.Tell("after", TestActor);
            // The mailbox survives the restart: the next message reaches the new instance.
            ExpectMsg("c#2 after");
        });
        _events.FishForMessage<string>(m => m == "c#1 PreRestart Kill <Kill>");
        supervisor.Tell("who", TestActor);
        ExpectMsg("sup#1");
    }

    [Fact]
    public void Context_Stop_of_self_finishes_the_current_message_and_drops_the_queued_ones()
    {
        var actor = Subject("s");
        Watch(actor);

        EventFilter.DeadLetter<string>(m => m == "queued").Expect(1, () =>
        {
            actor.Tell("stop-self", TestActor);
            actor.Tell("queued", TestActor);
            ExpectMsg("s#1 stop-self handled");
            ExpectTerminated(actor);
        });
        ExpectNoMsg();
    }

    private sealed class SelfStopper : ReceiveActor
    {
        public SelfStopper()
        {
            Receive<string>(_ =>
            {
                Context.System.Stop(Self);
                Sender.Tell("still running");
            }, m => m == "stop-me");
            ReceiveAny(m => Sender.Tell(m));
        }
    }

    [Fact]
    public void System_Stop_during_a_message_lets_it_finish_and_drops_the_queued_ones()
    {
        var actor = ActorOf(Props.Create(() => new SelfStopper()), "stopper");
        Watch(actor);

        EventFilter.DeadLetter<string>(m => m == "queued").Expect(1, () =>
        {
            actor.Tell("stop-me", TestActor);
            actor.Tell("queued", TestActor);
            ExpectMsg("still running");
            ExpectTerminated(actor);
        });
        ExpectNoMsg();
    }

    [Fact]
    public void System_Stop_overtakes_queued_messages()
    {
        var actor = Subject("s");
        Watch(actor);

        EventFilter.DeadLetter<string>().Expect(2, () =>
        {
            actor.Tell("a", TestActor);
            actor.Tell("b", TestActor);
            Sys.Stop(actor);
            ExpectTerminated(actor);
        });
        // Neither message was processed: stopping is a system message, handled before user messages.
        ExpectNoMsg();
    }

    [Fact]
    public void Parent_stopping_a_child_drops_the_childs_queued_messages()
    {
        var parent = Subject("p");
        parent.Tell(new CreateChild("c", Tests.Subject.Props(_events.Ref, "c")), TestActor);
        var child = ExpectMsg<IActorRef>();
        Watch(child);

        EventFilter.DeadLetter<string>(m => m == "queued").Expect(1, () =>
        {
            child.Tell("queued", TestActor);
            Sys.Stop(child);
            ExpectTerminated(child);
        });
        ExpectNoMsg();
    }

    [Fact]
    public void Messages_to_a_stopped_actor_are_published_as_DeadLetter_on_the_event_stream()
    {
        var actor = Subject("s");
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        EventFilter.DeadLetter<string>().Mute(() => actor.Tell("hello?", TestActor));

        var letter = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal("hello?", letter.Message);
        Assert.Equal(TestActor, letter.Sender);
        Assert.Equal(actor, letter.Recipient);
        deadLetters.ExpectNoMsg();
    }

    [Fact]
    public void PoisonPill_to_a_stopped_actor_is_a_suppressed_dead_letter()
    {
        var actor = Subject("s");
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
        var deadLetters = CreateTestProbe();
        var suppressed = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        Sys.EventStream.Subscribe(suppressed.Ref, typeof(SuppressedDeadLetter));

        actor.Tell(PoisonPill.Instance, TestActor);

        Assert.Same(PoisonPill.Instance, suppressed.ExpectMsg<SuppressedDeadLetter>().Message);
        deadLetters.ExpectNoMsg();
    }

    [Fact]
    public void Terminate_runs_every_PostStop_with_children_before_parents()
    {
        var log = new ConcurrentQueue<string>();
        var leaf = Props.Create(() => new Recorder(log, "leaf", null));
        var middle = Props.Create(() => new Recorder(log, "middle", leaf));
        ActorOf(Props.Create(() => new Recorder(log, "top", middle)), "top");
        ActorOf(Props.Create(() => new Recorder(log, "other", null)), "other");
        RunUntilIdleIfDeterministic();

        Sys.Terminate();

        var stops = log.Where(e => e.EndsWith(" PostStop", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, stops.Count);
        Assert.True(stops.IndexOf("leaf PostStop") < stops.IndexOf("middle PostStop"), string.Join(", ", stops));
        Assert.True(stops.IndexOf("middle PostStop") < stops.IndexOf("top PostStop"), string.Join(", ", stops));
        Assert.Contains("other PostStop", stops);
        Assert.Equal(0, Sys.LiveActorCount);
    }

    [Fact]
    public async Task Terminate_completes_WhenTerminated()
    {
        Subject("s");
        Assert.False(Sys.WhenTerminated.IsCompleted);

        var terminating = Sys.Terminate();

        Assert.True(Sys.WhenTerminated.IsCompletedSuccessfully);
        await terminating.WaitAsync(TimeSpan.FromSeconds(5));
        // Terminating again is harmless.
        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Coordinated_shutdown_runs_its_phases_in_order_before_the_actors_stop()
    {
        var log = new ConcurrentQueue<string>();
        ActorOf(Props.Create(() => new Recorder(log, "actor", null)), "actor");
        RunUntilIdleIfDeterministic();
        var phases = new[] { "before-actor-system-terminate", "service-stop", "before-service-unbind", "cluster-leave", "service-unbind" };
        foreach (var phase in phases)
        {
            Sys.CoordinatedShutdown.AddTask(phase, $"task-{phase}", () =>
            {
                log.Enqueue(phase);
                return Task.CompletedTask;
            });
        }

        Sys.Terminate();

        var expected = CoordinatedShutdown.Phases.Where(phases.Contains).Append("actor PostStop");
        Assert.Equal(expected, log.Where(e => e != "actor PreStart"));
        Assert.Same(CoordinatedShutdown.ActorSystemTerminateReason.Instance, Sys.CoordinatedShutdown.ShutdownReason);
    }

    private sealed class Completer : ReceiveActor
    {
        public Completer(TaskCompletionSource done) => ReceiveAny(_ => done.TrySetResult());
    }

    [Fact]
    public void Coordinated_shutdown_phase_waits_for_its_tasks()
    {
        var log = new ConcurrentQueue<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completer = ActorOf(Props.Create(() => new Completer(done)), "completer");
        Sys.CoordinatedShutdown.AddTask("service-unbind", "slow", () =>
        {
            log.Enqueue("slow started");
            // Completed later, by an actor; the next phase must wait for it.
            completer.Tell("complete", null);
            return done.Task.ContinueWith(_ => log.Enqueue("slow done"), TaskScheduler.Default);
        });
        Sys.CoordinatedShutdown.AddTask("service-stop", "next", () =>
        {
            log.Enqueue("next phase");
            return Task.CompletedTask;
        });

        Sys.Terminate();

        Assert.Equal(["slow started", "slow done", "next phase"], log);
    }

    [Fact]
    public void Coordinated_shutdown_phase_that_times_out_is_abandoned_with_a_warning()
    {
        var log = new ConcurrentQueue<string>();
        var never = new TaskCompletionSource();
        Sys.CoordinatedShutdown.AddTask("service-unbind", "never", () => never.Task);
        Sys.CoordinatedShutdown.AddTask("service-stop", "next", () =>
        {
            log.Enqueue("next phase");
            return Task.CompletedTask;
        });

        EventFilter.Warning("timed out").Expect(1, () =>
        {
            Sys.CoordinatedShutdown.Run(CoordinatedShutdown.ActorSystemTerminateReason.Instance);
            RunUntilIdleIfDeterministic();
            Assert.Empty(log);
            Advance(Sys.Settings.ShutdownPhaseTimeout + TimeSpan.FromSeconds(1));
            Assert.True(Sys.WaitDeterministically(Sys.WhenTerminated, TimeSpan.FromSeconds(10)));
        });

        Assert.Equal(["next phase"], log);
    }

    [Fact]
    public void Coordinated_shutdown_task_failure_is_logged_and_shutdown_goes_on()
    {
        var log = new ConcurrentQueue<string>();
        Sys.CoordinatedShutdown.AddTask("service-unbind", "failing", () => throw new TestException("shutdown task"));
        Sys.CoordinatedShutdown.AddTask("service-stop", "next", () =>
        {
            log.Enqueue("next phase");
            return Task.CompletedTask;
        });

        EventFilter.Exception<TestException>("shutdown task").Expect(1, () => Sys.Terminate());

        Assert.Equal(["next phase"], log);
        Assert.True(Sys.WhenTerminated.IsCompleted);
    }

    [Fact]
    public void Unknown_coordinated_shutdown_phase_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Sys.CoordinatedShutdown.AddTask("no-such-phase", "t", () => Task.CompletedTask));
    }

    [Fact]
    public void ActorOf_after_termination_throws()
    {
        Sys.Terminate();

        Assert.Throws<InvalidOperationException>(() => Sys.ActorOf(Tests.Subject.Props(_events.Ref, "late"), "late"));
        Assert.Throws<InvalidOperationException>(() => Sys.ActorOf(Tests.Subject.Props(_events.Ref, "late")));
        Assert.Equal(0, Sys.LiveActorCount);
    }

    [Fact]
    public void Messages_after_termination_go_to_dead_letters()
    {
        var actor = Subject("s");
        RunUntilIdleIfDeterministic();
        var letters = new ConcurrentQueue<DeadLetter>();
        using var subscription = Sys.EventStream.Subscribe<DeadLetter>(letters.Enqueue);

        Sys.Terminate();
        actor.Tell("after the end", null);

        Assert.Contains(letters, d => Equals(d.Message, "after the end") && d.Recipient.Equals(actor));
    }

    /// <summary>Logs PreStart and PostStop; creates one child from <c>childProps</c>.</summary>
    private sealed class Recorder : ReceiveActor
    {
        private readonly ConcurrentQueue<string> _log;
        private readonly string _name;

        public Recorder(ConcurrentQueue<string> log, string name, Props? childProps)
        {
            _log = log;
            _name = name;
            if (childProps is not null)
            {
                Context.ActorOf(childProps, "child");
            }
            ReceiveAny(_ => { });
        }

        protected override void PreStart() => _log.Enqueue($"{_name} PreStart");

        protected override void PostStop() => _log.Enqueue($"{_name} PostStop");
    }

    [Fact]
    public async Task Dead_letters_are_logged_but_not_once_shutdown_has_started()
    {
        var logged = new ConcurrentQueue<string>();
        var system = ActorSystem.Create("dead-letters", ActorSystemSettings.Default with { LogToStandardError = false });
        using var subscription = system.EventStream.Subscribe<Event.LogEvent>(e => logged.Enqueue(e.Message));
        var target = system.ActorOf(Props.Create(() => new DeadLetterTarget()), "target");
        var stopped = new TaskCompletionSource();
        system.EventStream.Subscribe<DeadLetter>(_ => stopped.TrySetResult());
        system.Stop(target);
        // Until the stop has taken effect a message is still delivered: send until one is a dead letter.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!stopped.Task.IsCompleted && DateTime.UtcNow < deadline)
        {
            target.Tell("before shutdown");
            await Task.WhenAny(stopped.Task, Task.Delay(10));
        }
        Assert.True(stopped.Task.IsCompleted, "no dead letter before shutdown");
        await Task.Yield();
        var loggedBefore = logged.Count(m => m.Contains("dead letters encountered", StringComparison.Ordinal));
        system.CoordinatedShutdown.AddTask("service-stop", "late-message", () =>
        {
            target.Tell("during shutdown");
            return Task.CompletedTask;
        });
        await system.Terminate();
        Assert.True(loggedBefore >= 1, "the dead letter before shutdown was not logged");
        Assert.Equal(loggedBefore, logged.Count(m => m.Contains("dead letters encountered", StringComparison.Ordinal)));
    }

    private sealed class DeadLetterTarget : UntypedActor
    {
        protected override void OnReceive(object message)
        {
        }
    }
}
