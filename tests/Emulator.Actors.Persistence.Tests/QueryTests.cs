using Emulator.Actors.Persistence.Query;

namespace Emulator.Actors.Persistence.Tests;

public sealed class QueryTests : PersistenceTestKit
{
    /// <summary>Persists each <see cref="Tag"/> command as an <see cref="PersistenceTestKit.Added"/> event with the given tags.</summary>
    private sealed class Tagger : ReceivePersistentActor
    {
        public Tagger(string id)
        {
            PersistenceId = id;
            Command<Tag>(t => Persist(new Added(t.Amount), t.Tags, e => Sender.Tell(e, Self)));
        }

        public override string PersistenceId { get; }

        public sealed record Tag(int Amount, string[] Tags);

        public static Props PropsFor(string id) => Props.Create(() => new Tagger(id));
    }

    private static async Task<List<EventEnvelope>> Collect(IAsyncEnumerable<EventEnvelope> source)
    {
        var result = new List<EventEnvelope>();
        await foreach (var e in source)
        {
            result.Add(e);
        }
        return result;
    }

    private void Write(string id, params (int Amount, string[] Tags)[] events)
    {
        var actor = Sys.ActorOf(Tagger.PropsFor(id));
        foreach (var (amount, tags) in events)
        {
            actor.Tell(new Tagger.Tag(amount, tags), TestActor);
            ExpectMsg(new Added(amount));
        }
    }

    [Fact]
    public async Task Current_events_by_persistence_id_respect_the_range()
    {
        Write("q1", (1, []), (2, []), (3, []), (4, []));
        var events = await Collect(Persistence.Queries.CurrentEventsByPersistenceId("q1", 2, 3));
        Assert.Equal([2L, 3L], events.Select(e => e.SequenceNr));
        Assert.Equal([new Added(2), new Added(3)], events.Select(e => e.Event));
    }

    [Fact]
    public async Task Current_all_events_are_in_global_order_across_ids()
    {
        Write("a", (1, []));
        Write("b", (2, []));
        Write("a", (3, []));
        var events = await Collect(Persistence.Queries.CurrentAllEvents());
        Assert.Equal(["a", "b", "a"], events.Select(e => e.PersistenceId));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Offset < p.Second.Offset));
        var afterFirst = await Collect(Persistence.Queries.CurrentAllEvents(events[0].Offset));
        Assert.Equal(2, afterFirst.Count);
    }

    [Fact]
    public async Task Events_by_tag_select_only_tagged_events()
    {
        Write("t1", (1, ["red"]), (2, ["blue"]), (3, ["red", "blue"]));
        Write("t2", (4, ["red"]));
        var red = await Collect(Persistence.Queries.CurrentEventsByTag("red"));
        Assert.Equal([1, 3, 4], red.Select(e => ((Added)e.Event).Amount));
        Assert.Equal(["t1", "t2"], await Persistence.Queries.CurrentPersistenceIds());
    }

    [Fact]
    public async Task Live_query_streams_events_written_later()
    {
        Write("live", (1, []));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new List<long>();
        var reader = Task.Run(async () =>
        {
            await foreach (var e in Persistence.Queries.EventsByPersistenceId("live", cancellationToken: cancel.Token))
            {
                lock (received)
                {
                    received.Add(e.SequenceNr);
                }
                if (e.SequenceNr == 3)
                {
                    return;
                }
            }
        });
        AwaitCondition(() =>
        {
            lock (received)
            {
                return received.Count == 1;
            }
        });
        Write("live", (2, []), (3, []));
        Assert.True(WaitFor(() => reader.IsCompleted, TimeSpan.FromSeconds(10)));
        await reader;
        Assert.Equal([1L, 2L, 3L], received);
    }
}
