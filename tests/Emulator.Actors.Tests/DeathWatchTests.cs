using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

public sealed class DeathWatchTests : TestKitBase
{
    private readonly TestProbe _events;

    public DeathWatchTests() => _events = CreateTestProbe("events");

    private IActorRef Target(string name = "target") => ActorOf(Subject.Props(_events.Ref, name), name);

    [Fact]
    public void Terminated_is_delivered_exactly_once()
    {
        var target = Target();
        Watch(target);

        target.Tell("stop-self", TestActor);
        ExpectMsg("target#1 stop-self handled");
        Sys.Stop(target);
        target.Tell(PoisonPill.Instance, TestActor);

        var terminated = ExpectTerminated(target);
        Assert.True(terminated.ExistenceConfirmed);
        Assert.False(terminated.AddressTerminated);
        Assert.Equal(target, LastSender);
        ExpectNoMsg();
    }

    [Fact]
    public void Watching_twice_still_delivers_one_Terminated()
    {
        var target = Target();
        Watch(target);
        Watch(target);

        Sys.Stop(target);

        ExpectTerminated(target);
        ExpectNoMsg();
    }

    [Fact]
    public void Watching_an_already_dead_actor_delivers_Terminated_with_existence_not_confirmed()
    {
        var target = Target();
        var other = CreateTestProbe();
        other.Watch(target);
        Sys.Stop(target);
        other.ExpectTerminated(target);

        Watch(target);

        var terminated = ExpectTerminated(target);
        Assert.False(terminated.ExistenceConfirmed);
        ExpectNoMsg();
    }

    [Fact]
    public void Old_incarnation_stays_dead_when_its_name_is_reused()
    {
        var target = Target();
        Sys.Stop(target);
        RunUntilIdleIfDeterministic();
        // A second incarnation under the same name is a different actor: the old ref stays dead.
        var second = Target();

        Watch(target);

        Assert.False(ExpectTerminated(target).ExistenceConfirmed);
        second.Tell("who", TestActor);
        ExpectMsg("target#1");
    }

    [Fact]
    public void Unwatch_prevents_delivery()
    {
        var target = Target();
        Watch(target);
        Unwatch(target);

        Sys.Stop(target);

        _events.FishForMessage<string>(m => m == "target#1 PostStop");
        ExpectNoMsg();
    }

    [Fact]
    public void Unwatch_of_one_actor_keeps_the_other_watches()
    {
        var a = Target("a");
        var b = Target("b");
        Watch(a);
        Watch(b);
        Unwatch(a);

        Sys.Stop(a);
        Sys.Stop(b);

        ExpectTerminated(b);
        ExpectNoMsg();
    }

    private sealed record Gone(string Name);

    private sealed class CustomWatcher : ReceiveActor
    {
        public CustomWatcher(IActorRef target, IActorRef report)
        {
            Context.WatchWith(target, new Gone(target.Path.Name));
            Receive<string>(_ => Sender.Tell("ready"), m => m == "ready?");
            ReceiveAny(m => report.Tell(m));
        }
    }

    [Fact]
    public void WatchWith_delivers_the_custom_message_instead_of_Terminated()
    {
        var target = Target();
        var watcher = ActorOf(Props.Create(() => new CustomWatcher(target, TestActor)), "watcher");
        watcher.Tell("ready?", TestActor);
        ExpectMsg("ready");

        Sys.Stop(target);

        ExpectMsg(new Gone("target"));
        ExpectNoMsg();
    }

    private sealed class IgnoringCustomWatcher : ActorBase
    {
        public IgnoringCustomWatcher(IActorRef target) => Context.WatchWith(target, new Gone(target.Path.Name));

        protected override bool Receive(object message) => false;
    }

    [Fact]
    public void Unhandled_WatchWith_message_is_unhandled_not_a_death_pact()
    {
        var target = Target();
        var watcher = ActorOf(Props.Create(() => new IgnoringCustomWatcher(target)), "watcher");
        Watch(watcher);
        var unhandled = CreateTestProbe();
        Sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));

        Sys.Stop(target);

        Assert.Equal(new Gone("target"), unhandled.ExpectMsg<UnhandledMessage>().Message);
        ExpectNoMsg();
    }

    private sealed class RewatchingActor : ReceiveActor
    {
        public RewatchingActor(IActorRef target, IActorRef report)
        {
            Receive<string>(_ =>
            {
                Context.WatchWith(target, new Gone("first"));
                try
                {
                    Context.WatchWith(target, new Gone("second"));
                    report.Tell("accepted");
                }
                catch (InvalidOperationException)
                {
                    report.Tell("rejected");
                }
                // Unwatch forgets the message; a new one is accepted.
                Context.Unwatch(target);
                Context.WatchWith(target, new Gone("third"));
                report.Tell("rewatched");
            }, m => m == "go");
            Receive<Gone>(report.Tell);
        }
    }

    [Fact]
    public void Watching_again_with_another_message_is_rejected_until_unwatched()
    {
        var target = Target();
        var watcher = ActorOf(Props.Create(() => new RewatchingActor(target, TestActor)), "watcher");

        watcher.Tell("go", TestActor);

        ExpectMsg("rejected");
        ExpectMsg("rewatched");
        Sys.Stop(target);
        ExpectMsg(new Gone("third"));
        ExpectNoMsg();
    }

    [Fact]
    public void Terminated_arrives_after_the_watched_actors_PostStop()
    {
        var target = Target();
        _events.Watch(target);

        Sys.Stop(target);

        _events.FishForMessage<string>(m => m == "target#1 PostStop");
        _events.ExpectTerminated(target);
    }

    [Fact]
    public void Parent_watching_its_child_gets_one_Terminated()
    {
        var parent = ActorOf(Subject.Props(_events.Ref, "p", new SubjectOptions { HandleTerminated = true }), "parent");
        parent.Tell(new CreateChild("c", Subject.Props(_events.Ref, "c")), TestActor);
        var child = ExpectMsg<IActorRef>();
        parent.Tell(new WatchIt(child), TestActor);
        ExpectMsg("watching");

        child.Tell("stop-self", TestActor);

        ExpectMsg("c#1 stop-self handled");
        _events.FishForMessage<string>(m => m == "p#1 Terminated c");
        _events.ExpectNoMsg();
    }

    [Fact]
    public void Unwatched_child_stop_is_not_delivered_as_Terminated()
    {
        var parent = ActorOf(Subject.Props(_events.Ref, "p", new SubjectOptions { HandleTerminated = true }), "parent");
        parent.Tell(new CreateChild("c", Subject.Props(_events.Ref, "c")), TestActor);
        var child = ExpectMsg<IActorRef>();

        child.Tell("stop-self", TestActor);

        ExpectMsg("c#1 stop-self handled");
        _events.FishForMessage<string>(m => m == "c#1 PostStop");
        _events.ExpectNoMsg();
    }

    [Fact]
    public void Watch_survives_the_watchers_restart()
    {
        var target = Target();
        var watcher = ActorOf(Subject.Props(_events.Ref, "w", new SubjectOptions { HandleTerminated = true }), "watcher");
        watcher.Tell(new WatchIt(target), TestActor);
        ExpectMsg("watching");
        EventFilter.Exception<TestException>().Expect(1, () => watcher.Tell("fail", TestActor));

        Sys.Stop(target);

        // The new instance gets the Terminated of the watch made by the old one.
        _events.FishForMessage<string>(m => m == "w#2 Terminated target");
    }

    [Fact]
    public void Restart_of_a_watched_actor_does_not_deliver_Terminated()
    {
        var target = Target();
        Watch(target);

        EventFilter.Exception<TestException>().Expect(1, () => target.Tell("fail", TestActor));
        target.Tell("who", TestActor);
        ExpectMsg("target#2");

        Sys.Stop(target);
        ExpectTerminated(target);
        ExpectNoMsg();
    }

    [Fact]
    public void Restart_does_not_deliver_Terminated_of_the_watched_children_it_stopped()
    {
        var parent = ActorOf(Subject.Props(_events.Ref, "p", new SubjectOptions { HandleTerminated = true }), "parent");
        parent.Tell(new CreateChild("c", Subject.Props(_events.Ref, "c")), TestActor);
        var child = ExpectMsg<IActorRef>();
        parent.Tell(new WatchIt(child), TestActor);
        ExpectMsg("watching");
        Watch(child);

        EventFilter.Exception<TestException>().Expect(1, () => parent.Tell("fail", TestActor));

        ExpectTerminated(child);
        parent.Tell("who", TestActor);
        ExpectMsg("p#2");
        // The default PreRestart unwatched the child before stopping it.
        Assert.DoesNotContain(_events.ReceiveN(_events.QueuedCount), e => e is string s && s.Contains("Terminated"));
    }

    [Fact]
    public void Stopped_watcher_gets_nothing_and_leaves_no_dead_letters()
    {
        var target = Target();
        var watcher = ActorOf(Subject.Props(_events.Ref, "w", new SubjectOptions { HandleTerminated = true }), "watcher");
        watcher.Tell(new WatchIt(target), TestActor);
        ExpectMsg("watching");
        Sys.Stop(watcher);
        RunUntilIdleIfDeterministic();
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        Sys.Stop(target);

        _events.FishForMessage<string>(m => m == "target#1 PostStop");
        _events.ExpectNoMsg();
        deadLetters.ExpectNoMsg();
    }

    private sealed class StashingWatcher : ReceiveActor
    {
        public StashingWatcher(IActorRef target, IActorRef report)
        {
            Context.Watch(target);
            Receive<string>(_ =>
            {
                Stash.UnstashAll();
                Become(() => Receive<Terminated>(t => report.Tell($"terminated {t.ActorRef.Path.Name}")));
                Sender.Tell("open");
            }, m => m == "open");
            Receive<string>(_ => Sender.Tell("ready"), m => m == "ready?");
            ReceiveAny(_ => Stash.Stash());
        }
    }

    [Fact]
    public void Stashed_Terminated_is_delivered_after_unstash()
    {
        var target = Target();
        var watcher = ActorOf(Props.Create(() => new StashingWatcher(target, TestActor)), "watcher");
        watcher.Tell("ready?", TestActor);
        ExpectMsg("ready");
        Sys.Stop(target);
        _events.FishForMessage<string>(m => m == "target#1 PostStop");
        RunUntilIdleIfDeterministic();

        watcher.Tell("open", TestActor);

        ExpectMsg("open");
        ExpectMsg("terminated target");
        ExpectNoMsg();
    }

    private sealed record Report(int Watcher, int Count, bool ExistenceConfirmed);

    private sealed class CountingWatcher : ActorBase
    {
        private readonly IActorRef _report;
        private readonly int _id;
        private int _count;

        public CountingWatcher(IActorRef report, int id)
        {
            _report = report;
            _id = id;
        }

        protected override bool Receive(object message)
        {
            switch (message)
            {
                case WatchIt w:
                    // Watching twice is the same as watching once.
                    Context.Watch(w.Target);
                    Context.Watch(w.Target);
                    return true;
                case Terminated t:
                    _report.Tell(new Report(_id, ++_count, t.ExistenceConfirmed));
                    return true;
                default:
                    return false;
            }
        }
    }

    private sealed class Idle : ActorBase
    {
        protected override bool Receive(object message) => true;
    }

    private sealed class ThreadPoolKit() : TestKitBase(ActorSystemSettings.Default with { Time = TimeMode.Virtual })
    {
        /// <summary>Runs <paramref name="actions"/> on dedicated threads released together, and waits for them.</summary>
        public static void Race(IReadOnlyList<Action> actions)
        {
            using var go = new ManualResetEventSlim();
            var threads = actions.Select(a => new Thread(() =>
            {
                go.Wait();
                a();
            })).ToArray();
            foreach (var t in threads)
            {
                t.Start();
            }
            go.Set();
            foreach (var t in threads)
            {
                Assert.True(t.Join(TimeSpan.FromSeconds(10)), "racing thread did not finish");
            }
        }
    }

    [Fact]
    public void Terminated_is_delivered_exactly_once_when_watching_and_stopping_race()
    {
        using var kit = new ThreadPoolKit();
        const int rounds = 40;
        const int survivors = 12;
        const int doomed = 6;
        // Resolved here, once: the kit creates its default probe lazily, and the watchers are built on pool threads.
        var report = kit.TestActor;
        kit.EventFilter.Exception<ActorKilledException>().Mute(() => kit.EventFilter.DeadLetter<object>().Mute(() =>
        {
            for (var round = 0; round < rounds; round++)
            {
                var target = kit.ActorOf(Props.Create(() => new Idle()), $"target-{round}");
                var watchers = Enumerable.Range(0, survivors + doomed)
                    .Select(i => kit.ActorOf(Props.Create(() => new CountingWatcher(report, i)), $"watcher-{round}-{i}"))
                    .ToArray();
                foreach (var w in watchers.Skip(survivors))
                {
                    kit.Watch(w);
                }

                var actions = new List<Action>();
                for (var i = 0; i < watchers.Length; i++)
                {
                    var w = watchers[i];
                    actions.Add(() => w.Tell(new WatchIt(target), null));
                }
                for (var i = survivors; i < watchers.Length; i++)
                {
                    var w = watchers[i];
                    actions.Add(() => kit.Sys.Stop(w));
                }
                actions.Add(() => kit.Sys.Stop(target));
                actions.Add(() => target.Tell(PoisonPill.Instance, null));
                actions.Add(() => target.Tell(Kill.Instance, null));
                actions.Add(() => kit.Sys.Stop(target));
                ThreadPoolKit.Race(actions);

                // Every surviving watcher reports once; a doomed watcher reports at most once, then its Terminated arrives.
                var reported = new HashSet<int>();
                var doomedGone = 0;
                while (reported.Count(id => id < survivors) < survivors || doomedGone < doomed)
                {
                    var message = kit.ReceiveOne(TimeSpan.FromSeconds(5))
                        ?? throw new TestKitAssertionException($"round {round}: timeout; reported [{string.Join(",", reported.Order())}], {doomedGone} doomed gone");
                    switch (message)
                    {
                        case Report r:
                            Assert.Equal(1, r.Count);
                            Assert.True(reported.Add(r.Watcher), $"round {round}: watcher {r.Watcher} reported twice");
                            break;
                        case Terminated t:
                            Assert.Contains(t.ActorRef, watchers.Skip(survivors));
                            doomedGone++;
                            break;
                        default:
                            throw new TestKitAssertionException($"round {round}: unexpected {message}");
                    }
                }
                foreach (var w in watchers.Take(survivors))
                {
                    kit.Sys.Stop(w);
                }
            }
            // Late duplicates would arrive here.
            kit.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        }));
    }

    private sealed class GatedWatcher : ReceiveActor
    {
        public GatedWatcher(IActorRef target, IActorRef report, ManualResetEventSlim entered, ManualResetEventSlim gate)
        {
            Context.Watch(target);
            Receive<string>(_ =>
            {
                entered.Set();
                gate.Wait(TimeSpan.FromSeconds(10));
            }, m => m == "block");
            Receive<string>(_ =>
            {
                Context.Unwatch(target);
                Sender.Tell("unwatched");
            }, m => m == "unwatch");
            Receive<string>(m => Sender.Tell(m));
            // The sender of a Terminated is the dead actor, so report to a known ref.
            Receive<Terminated>(t => report.Tell($"terminated {t.ActorRef.Path.Name}"));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Unwatch_drops_a_Terminated_that_is_already_queued(bool unwatch)
    {
        using var kit = new ThreadPoolKit();
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var report = kit.TestActor;
        var target = kit.ActorOf(Props.Create(() => new Idle()), "target");
        var watcher = kit.ActorOf(Props.Create(() => new GatedWatcher(target, report, entered, gate)), "watcher");
        watcher.Tell("ping", kit.TestActor);
        kit.ExpectMsg("ping");
        var alive = kit.Sys.LiveActorCount;

        watcher.Tell("block", kit.TestActor);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)));
        kit.Sys.Stop(target);
        // The target has finished stopping (and notified its watchers) once it no longer counts as alive.
        kit.AwaitCondition(() => kit.Sys.LiveActorCount == alive - 1);
        // Queued ahead of the Terminated that the watcher creates when it handles the notification.
        if (unwatch)
        {
            watcher.Tell("unwatch", kit.TestActor);
        }
        watcher.Tell("ping", kit.TestActor);
        gate.Set();

        if (unwatch)
        {
            kit.ExpectMsg("unwatched");
            kit.ExpectMsg("ping");
            kit.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        }
        else
        {
            kit.ExpectMsg("ping");
            kit.ExpectMsg("terminated target");
        }
    }
}
