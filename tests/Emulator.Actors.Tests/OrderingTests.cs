using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>
/// Between one sender and one receiver messages arrive in the order they were sent, and none is lost, even when
/// many senders (threads and actors) hit the same receiver at once on the thread-pool dispatcher.
/// </summary>
public sealed class OrderingTests : TestKitBase
{
    private const int PerSender = 2_000;
    private static readonly TimeSpan LongWait = TimeSpan.FromSeconds(30);

    [Fact]
    public void Messages_from_many_threads_arrive_in_order_per_sender_and_none_is_lost()
    {
        using var kit = new ThreadPoolKit();
        const int threads = 8;
        var receiver = kit.ActorOf(() => new Receiver(threads * PerSender, kit.TestActor), "receiver");

        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 1; i <= PerSender; i++)
            {
                receiver.Tell(new Numbered($"thread-{t}", i), null);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        var summary = kit.ExpectMsg<Summary>(timeout: LongWait);
        Assert.Empty(summary.Violations);
        Assert.Equal(threads, summary.LastBySender.Count);
        Assert.All(summary.LastBySender.Values, last => Assert.Equal(PerSender, last));
    }

    [Fact]
    public void Messages_from_many_actors_and_threads_arrive_in_order_per_sender_and_none_is_lost()
    {
        using var kit = new ThreadPoolKit();
        const int actors = 6;
        const int threads = 4;
        var receiver = kit.ActorOf(() => new Receiver((actors + threads) * PerSender, kit.TestActor), "receiver");
        var senders = Enumerable.Range(0, actors)
            .Select(a => kit.ActorOf(() => new SendingActor(receiver, PerSender), $"sender-{a}"))
            .ToList();

        using var start = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 1; i <= PerSender; i++)
            {
                receiver.Tell(new Numbered($"thread-{t}", i), null);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        start.SignalAndWait();
        senders.ForEach(s => s.Tell("go", null));
        workers.ForEach(w => w.Join());

        var summary = kit.ExpectMsg<Summary>(timeout: LongWait);
        Assert.Empty(summary.Violations);
        Assert.Equal(actors + threads, summary.LastBySender.Count);
        Assert.All(summary.LastBySender.Values, last => Assert.Equal(PerSender, last));
        Assert.Equal(actors, summary.LastBySender.Keys.Count(k => k.StartsWith("emu://", StringComparison.Ordinal)));
    }

    private sealed record Numbered(string Sender, int Seq);

    private sealed record Summary(IReadOnlyList<string> Violations, IReadOnlyDictionary<string, int> LastBySender);

    /// <summary>Checks that every sender's numbers go 1, 2, 3, ... and reports once it has seen all of them.</summary>
    private sealed class Receiver : ReceiveActor
    {
        private readonly Dictionary<string, int> _last = [];
        private readonly List<string> _violations = [];
        private int _received;

        public Receiver(int expected, IActorRef report)
        {
            Receive<Numbered>(n =>
            {
                // An actor sender is identified by its ref, a thread by the name in the message.
                var key = n.Sender == "actor" ? Sender.Path.ToString() : n.Sender;
                var last = _last.GetValueOrDefault(key);
                if (n.Seq != last + 1)
                {
                    _violations.Add($"{key}: {n.Seq} after {last}");
                }
                _last[key] = n.Seq;
                if (++_received == expected)
                {
                    report.Tell(new Summary(_violations.ToArray(), new Dictionary<string, int>(_last)), Self);
                }
            });
        }
    }

    /// <summary>Sends its numbers in small batches, yielding between batches so that the senders interleave.</summary>
    private sealed class SendingActor : ReceiveActor
    {
        private const int Batch = 50;

        public SendingActor(IActorRef target, int count)
        {
            var next = 1;
            Receive<string>(_ =>
            {
                for (var i = 0; i < Batch && next <= count; i++, next++)
                {
                    target.Tell(new Numbered("actor", next), Self);
                }
                if (next <= count)
                {
                    Self.Tell("continue", Self);
                }
            });
        }
    }

    private sealed class ThreadPoolKit() : TestKitBase(ActorSystemSettings.Default with { Time = TimeMode.Virtual });
}
