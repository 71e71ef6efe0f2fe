using Emulator.Actors.Dispatch;
using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>The deterministic dispatcher: a seed fixes the interleaving of a whole run.</summary>
public sealed class DeterministicDispatcherTests : TestKitBase
{
    private const int Senders = 5;
    private const int PerSender = 20;

    [Fact]
    public void The_same_seed_gives_the_same_trace()
    {
        var first = Trace(seed: 7);
        var second = Trace(seed: 7);

        Assert.Equal(Senders * PerSender, first.Count);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Different_seeds_give_different_traces()
    {
        var traces = new[] { 1, 2, 3 }.Select(Trace).ToList();

        Assert.All(traces, t => Assert.Equal(Senders * PerSender, t.Count));
        Assert.NotEqual(traces[0], traces[1]);
        Assert.NotEqual(traces[1], traces[2]);
        Assert.NotEqual(traces[0], traces[2]);
    }

    [Fact]
    public void Every_trace_keeps_each_senders_own_order()
    {
        var trace = Trace(seed: 3);

        foreach (var group in trace.GroupBy(entry => entry.Split(':')[0]))
        {
            Assert.Equal(Enumerable.Range(1, PerSender).Select(i => $"{group.Key}:{i}"), group);
        }
    }

    [Fact]
    public void Nothing_runs_until_the_dispatcher_is_pumped()
    {
        using var system = ActorSystem.Create("pumped", ActorSystemSettings.DeterministicWithSeed(1) with { LogToStandardError = false });
        system.RunUntilIdle();
        var arrivals = new List<string>();
        var recorder = system.ActorOf(Props.Create(() => new Recorder(arrivals)), "recorder");
        system.RunUntilIdle();

        recorder.Tell(1, null);
        Assert.Empty(arrivals);
        Assert.False(system.Dispatchers.Deterministic!.IsIdle);
        Assert.True(system.RunUntilIdle() > 0);
        Assert.Equal(["deadLetters:1"], arrivals);
        Assert.True(system.Dispatchers.Deterministic.IsIdle);
        Assert.Equal(0, system.RunUntilIdle());
    }

    [Fact]
    public void The_test_kit_system_is_deterministic_on_virtual_time()
    {
        Assert.True(IsDeterministic);
        Assert.IsType<DeterministicDispatcher>(Sys.Dispatchers.DefaultDispatcher);
        Assert.True(Sys.Clock.IsVirtual);
    }

    /// <summary>Several actors each send numbered messages, one per turn, to a recorder; returns the arrival order.</summary>
    private static List<string> Trace(int seed)
    {
        var settings = ActorSystemSettings.DeterministicWithSeed(seed) with { LogToStandardError = false };
        using var system = ActorSystem.Create("trace", settings);
        var arrivals = new List<string>();
        var recorder = system.ActorOf(Props.Create(() => new Recorder(arrivals)), "recorder");
        var senders = Enumerable.Range(0, Senders)
            .Select(i => system.ActorOf(Props.Create(() => new Counter(recorder, PerSender)), $"sender{i}"))
            .ToList();
        foreach (var sender in senders)
        {
            sender.Tell(1, null);
        }
        system.RunUntilIdle();
        return arrivals;
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(List<string> arrivals)
        {
            Receive<int>(i => arrivals.Add($"{Sender.Path.Name}:{i}"));
        }
    }

    /// <summary>Sends n to the recorder, then n + 1 to itself, so each number is its own turn.</summary>
    private sealed class Counter : ReceiveActor
    {
        public Counter(IActorRef recorder, int count)
        {
            Receive<int>(n =>
            {
                recorder.Tell(n, Self);
                if (n < count)
                {
                    Self.Tell(n + 1, Self);
                }
            });
        }
    }
}
