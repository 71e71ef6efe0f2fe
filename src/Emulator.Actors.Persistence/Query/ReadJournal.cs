using System.Runtime.CompilerServices;
using Emulator.Actors.Persistence.Journal;

namespace Emulator.Actors.Persistence.Query;

/// <summary>An event read back from the journal, with its position.</summary>
public sealed record EventEnvelope(long Offset, string PersistenceId, long SequenceNr, object Event, DateTimeOffset Timestamp, IReadOnlyList<string> Tags);

/// <summary>
/// Queries over the journal, as Akka.Persistence.Query: "current" queries return what is stored now and end;
/// live queries keep streaming new events until cancelled. Live queries wake up immediately on writes made in this
/// process and poll for writes of other processes.
/// </summary>
public sealed class ReadJournal
{
    private readonly Persistence _persistence;
    private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ReadJournal(Persistence persistence) => _persistence = persistence;

    internal void NotifyWritten() => Interlocked.Exchange(ref _written, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Events of one id between two sequence numbers, as stored now.</summary>
    public IAsyncEnumerable<EventEnvelope> CurrentEventsByPersistenceId(string persistenceId, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue, CancellationToken cancellationToken = default) =>
        ByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr, live: false, cancellationToken);

    /// <summary>Events of one id, then every new one until <paramref name="toSequenceNr"/> or cancellation.</summary>
    public IAsyncEnumerable<EventEnvelope> EventsByPersistenceId(string persistenceId, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue, CancellationToken cancellationToken = default) =>
        ByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr, live: true, cancellationToken);

    /// <summary>All events after <paramref name="afterOffset"/> in global order, as stored now.</summary>
    public IAsyncEnumerable<EventEnvelope> CurrentAllEvents(long afterOffset = 0, CancellationToken cancellationToken = default) =>
        ByOrdering((after, max, ct) => _persistence.Journal.ReadAllAsync(after, max, ct), afterOffset, live: false, cancellationToken);

    /// <summary>All events after <paramref name="afterOffset"/>, then every new one.</summary>
    public IAsyncEnumerable<EventEnvelope> AllEvents(long afterOffset = 0, CancellationToken cancellationToken = default) =>
        ByOrdering((after, max, ct) => _persistence.Journal.ReadAllAsync(after, max, ct), afterOffset, live: true, cancellationToken);

    /// <summary>Events with <paramref name="tag"/> after <paramref name="afterOffset"/>, as stored now.</summary>
    public IAsyncEnumerable<EventEnvelope> CurrentEventsByTag(string tag, long afterOffset = 0, CancellationToken cancellationToken = default) =>
        ByOrdering((after, max, ct) => _persistence.Journal.ReadByTagAsync(tag, after, max, ct), afterOffset, live: false, cancellationToken);

    /// <summary>Events with <paramref name="tag"/>, then every new one.</summary>
    public IAsyncEnumerable<EventEnvelope> EventsByTag(string tag, long afterOffset = 0, CancellationToken cancellationToken = default) =>
        ByOrdering((after, max, ct) => _persistence.Journal.ReadByTagAsync(tag, after, max, ct), afterOffset, live: true, cancellationToken);

    /// <summary>Every persistence id that has events.</summary>
    public Task<IReadOnlyList<string>> CurrentPersistenceIds(CancellationToken cancellationToken = default) =>
        _persistence.Journal.ReadPersistenceIdsAsync(cancellationToken);

    private async IAsyncEnumerable<EventEnvelope> ByPersistenceId(string persistenceId, long from, long to, bool live, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = from;
        var pageSize = _persistence.Settings.ReadPageSize;
        while (next <= to)
        {
            var written = Volatile.Read(ref _written).Task;
            var rows = await _persistence.Journal.ReadByPersistenceIdAsync(persistenceId, next, to, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                yield return ToEnvelope(row);
                next = row.SequenceNr + 1;
            }
            if (rows.Count == 0)
            {
                if (!live)
                {
                    yield break;
                }
                await WaitForWrites(written, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async IAsyncEnumerable<EventEnvelope> ByOrdering(Func<long, int, CancellationToken, Task<IReadOnlyList<JournalRow>>> read, long afterOffset, bool live, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = afterOffset;
        var pageSize = _persistence.Settings.ReadPageSize;
        while (true)
        {
            var written = Volatile.Read(ref _written).Task;
            var rows = await read(after, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                yield return ToEnvelope(row);
                after = row.Ordering;
            }
            if (rows.Count == 0)
            {
                if (!live)
                {
                    yield break;
                }
                await WaitForWrites(written, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task WaitForWrites(Task written, CancellationToken cancellationToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(_persistence.Settings.LiveQueryPollInterval, poll.Token);
        await Task.WhenAny(written, delay).ConfigureAwait(false);
        poll.Cancel();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private EventEnvelope ToEnvelope(JournalRow row) =>
        new(row.Ordering, row.PersistenceId, row.SequenceNr, _persistence.Serializer.Deserialize(row.Manifest, row.Payload), row.Timestamp, row.Tags);
}
