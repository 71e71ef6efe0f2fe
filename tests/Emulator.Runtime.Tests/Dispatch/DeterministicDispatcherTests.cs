using Akka.Actor;
using Emulator.Runtime.Dispatch;
using Emulator.TestKit;

namespace Emulator.Runtime.Tests.Dispatch;

/// <summary>The deterministic dispatcher: a seed fixes the interleaving of a whole run, and idleness is known exactly.</summary>
public sealed class DeterministicDispatcherTests : EmulatorTestKit
{
    private const int Senders = 5;
    private const int PerSender = 20;

    [Fact]
    public void The_same_seed_gives_the_same_trace()
    {
        var first = Trace(seed: 7);
        var second = Trace(seed: 7);

        Assert.Equal(Senders * PerSender * 2, first.Count);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Different_seeds_give_different_traces()
    {
        var traces = new[] { 1, 2, 7 }.Select(Trace).ToList();

        Assert.All(traces, t => Assert.Equal(Senders * PerSender * 2, t.Count));
        Assert.NotEqual(traces[0], traces[1]);
        Assert.NotEqual(traces[1], traces[2]);
        Assert.NotEqual(traces[0], traces[2]);
    }

    [Fact]
    public void Every_trace_keeps_each_senders_own_order()
    {
        var trace = Trace(seed: 3);

        foreach (var group in trace.Where(entry => entry.StartsWith("recorder<", StringComparison.Ordinal)).GroupBy(entry => entry.Split(':')[0]))
        {
            Assert.Equal(Enumerable.Range(1, PerSender).Select(i => $"{group.Key}:{i}"), group);
        }
    }

    [Fact]
    public void The_test_kit_system_is_deterministic_on_virtual_time()
    {
        Assert.True(IsDeterministic);
        var dispatcher = Assert.IsType<DeterministicDispatcher>(Sys.Dispatchers.Lookup("akka.actor.default-dispatcher"));
        Assert.Same(Deterministic, dispatcher);
        Assert.Equal(0, dispatcher.Seed);
        Assert.Equal(1, dispatcher.Throughput);
        Assert.True(Clock.IsVirtual);
    }

    [Fact]
    public void WaitForIdle_waits_for_all_queued_work_and_reports_a_timeout()
    {
        var dispatcher = Deterministic!;
        var idleEvents = 0;
        dispatcher.BecameIdle += () => Interlocked.Increment(ref idleEvents);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var blocker = ActorOf(Props.Create(() => new Blocker(entered, release)), "blocker");
        Assert.True(dispatcher.WaitForIdle(TimeSpan.FromSeconds(10)));

        blocker.Tell("block");
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)));
        Assert.False(dispatcher.IsIdle);
        Assert.False(dispatcher.WaitForIdle(TimeSpan.FromMilliseconds(50)));
        var before = Volatile.Read(ref idleEvents);

        release.Set();
        Assert.True(dispatcher.WaitForIdle(TimeSpan.FromSeconds(10)));
        Assert.True(dispatcher.IsIdle);
        Assert.True(WaitFor(() => Volatile.Read(ref idleEvents) > before, TimeSpan.FromSeconds(5)), "BecameIdle was not raised");
    }

    [Fact]
    public void WaitForIdle_covers_the_messages_actors_send_each_other()
    {
        var dispatcher = Deterministic!;
        var hops = new List<int>();
        var last = ActorOf(Props.Create(() => new Recorder(hops)), "last");
        var chain = last;
        for (var i = 0; i < 50; i++)
        {
            var next = chain;
            chain = ActorOf(Props.Create(() => new Forwarder(next)), $"hop{i}");
        }
        Assert.True(dispatcher.WaitForIdle(TimeSpan.FromSeconds(10)));

        chain.Tell(1);

        // Once idle, the message went through every hop: nothing is still on its way.
        Assert.True(dispatcher.WaitForIdle(TimeSpan.FromSeconds(10)));
        lock (hops)
        {
            Assert.Equal([51], hops);
        }
    }

    [Fact]
    public void Task_continuations_an_actor_chains_run_on_the_dispatcher_before_it_counts_as_idle()
    {
        // Akka's snapshot store answers through ContinueWith and PipeTo without naming a scheduler: the continuation
        // belongs to the run, not to the thread pool, so it cannot arrive at a moment that depends on the machine.
        var dispatcher = Deterministic!;
        var seen = new List<string>();
        var chainer = ActorOf(Props.Create(() => new Chainer(seen)), "chainer");
        Assert.True(dispatcher.WaitForIdle(TimeSpan.FromSeconds(10)));

        chainer.Tell("go");

        Assert.True(dispatcher.WaitForIdle(TimeSpan.FromSeconds(10)));
        lock (seen)
        {
            Assert.Equal(["received on deterministic-akka.actor.default-dispatcher", "continued on deterministic-akka.actor.default-dispatcher", "piped back"], seen);
        }
    }

    private sealed class Chainer : ReceiveActor
    {
        public Chainer(List<string> seen)
        {
            void Add(string entry)
            {
                lock (seen)
                {
                    seen.Add(entry);
                }
            }
            Receive<string>(message => message == "go", _ =>
            {
                Add("received on " + Thread.CurrentThread.Name);
                Task.FromResult(1)
                    .ContinueWith(_ =>
                    {
                        Add("continued on " + Thread.CurrentThread.Name);
                        return "piped back";
                    })
                    .PipeTo(Self);
            });
            Receive<string>(Add);
        }
    }

    /// <summary>
    /// Five actors each send numbered messages, one per turn, to a recorder and pass a token to their neighbour; returns
    /// the order in which the recorder saw them, on a fresh system with the given seed.
    /// </summary>
    private static List<string> Trace(int seed)
    {
        using var system = ActorSystem.Create("trace", TestConfig(null, seed));
        var dispatcher = (DeterministicDispatcher)system.Dispatchers.Lookup("akka.actor.default-dispatcher");
        var arrivals = new List<string>();
        var recorder = system.ActorOf(Props.Create(() => new TraceRecorder(arrivals)), "recorder");
        var senders = Enumerable.Range(0, Senders)
            .Select(i => system.ActorOf(Props.Create(() => new Counter(recorder, PerSender)), $"sender{i}"))
            .ToList();
        for (var i = 0; i < Senders; i++)
        {
            senders[i].Tell(new Neighbour(senders[(i + 1) % Senders]));
        }
        var starter = system.ActorOf(Props.Create(() => new Starter(senders)), "starter");
        Assert.True(dispatcher.WaitForIdle(TimeSpan.FromSeconds(10)));
        // One message from outside starts everything: the rest happens on the dispatcher's thread, in the seed's order.
        // (Messages sent from outside while actors run race with them, as any two threads do.)
        starter.Tell("go", ActorRefs.NoSender);
        Assert.True(dispatcher.WaitForIdle(TimeSpan.FromSeconds(10)));
        system.Terminate().Wait(TimeSpan.FromSeconds(10));
        return arrivals;
    }

    private sealed record Neighbour(IActorRef Ref);

    private sealed class Starter : ReceiveActor
    {
        public Starter(IReadOnlyList<IActorRef> senders)
        {
            Receive<string>(_ =>
            {
                foreach (var sender in senders)
                {
                    sender.Tell(1, ActorRefs.NoSender);
                }
            });
        }
    }

    private sealed record Token(string From, int N);

    private sealed class TraceRecorder : ReceiveActor
    {
        public TraceRecorder(List<string> arrivals)
        {
            Receive<int>(i => arrivals.Add($"recorder<{Sender.Path.Name}:{i}"));
            Receive<Token>(t => arrivals.Add($"{Sender.Path.Name}<{t.From}:{t.N}"));
        }
    }

    /// <summary>Sends n to the recorder and a token to its neighbour, then n + 1 to itself, so each number is its own turn.</summary>
    private sealed class Counter : ReceiveActor
    {
        private IActorRef _neighbour = ActorRefs.Nobody;

        public Counter(IActorRef recorder, int count)
        {
            Receive<Neighbour>(n => _neighbour = n.Ref);
            Receive<int>(n =>
            {
                recorder.Tell(n, Self);
                _neighbour.Tell(new Token(Self.Path.Name, n), Self);
                if (n < count)
                {
                    Self.Tell(n + 1, Self);
                }
            });
            // The token's arrival is recorded by the recorder on the receiver's behalf: the receiving order is the trace.
            Receive<Token>(t => recorder.Tell(t, Self));
        }
    }

    private sealed class Blocker : ReceiveActor
    {
        public Blocker(ManualResetEventSlim entered, ManualResetEventSlim release)
        {
            Receive<string>(_ =>
            {
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(10));
            });
        }
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef next)
        {
            Receive<int>(n => next.Tell(n + 1));
        }
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(List<int> hops)
        {
            Receive<int>(n =>
            {
                lock (hops)
                {
                    hops.Add(n);
                }
            });
        }
    }
}
