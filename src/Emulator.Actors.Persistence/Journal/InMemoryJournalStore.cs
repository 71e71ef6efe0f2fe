namespace Emulator.Actors.Persistence.Journal;

/// <summary>A journal kept in memory, for tests. Same rules as the durable stores: contiguous sequence numbers, atomic writes.</summary>
public sealed class InMemoryJournalStore : IJournalStore
{
    private readonly object _gate = new();
    private readonly List<JournalRow> _all = [];
    private readonly Dictionary<string, SortedList<long, JournalRow>> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _highest = new(StringComparer.Ordinal);
    private long _ordering;

    /// <inheritdoc />
    public string Name => "in-memory journal";

    /// <summary>When set, every write fails with this exception (to test storage failures).</summary>
    public Exception? FailWritesWith { get; set; }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<IReadOnlyList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
    {
        if (FailWritesWith is { } failure)
        {
            return Task.FromException<IReadOnlyList<Exception?>>(failure);
        }
        var results = new Exception?[writes.Count];
        lock (_gate)
        {
            for (var i = 0; i < writes.Count; i++)
            {
                var write = writes[i];
                var highest = _highest.GetValueOrDefault(write.PersistenceId);
                if (JournalRules.CheckContiguous(write, highest) is { } rejection)
                {
                    results[i] = rejection;
                    continue;
                }
                if (!_byId.TryGetValue(write.PersistenceId, out var rows))
                {
                    _byId[write.PersistenceId] = rows = [];
                }
                foreach (var row in write.Rows)
                {
                    var stored = row with { Ordering = ++_ordering };
                    rows.Add(stored.SequenceNr, stored);
                    _all.Add(stored);
                }
                _highest[write.PersistenceId] = write.HighestSequenceNr;
            }
        }
        return Task.FromResult<IReadOnlyList<Exception?>>(results);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JournalRow>> ReadByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<JournalRow> result = _byId.TryGetValue(persistenceId, out var rows)
                ? rows.Values.Where(r => r.SequenceNr >= fromSequenceNr && r.SequenceNr <= toSequenceNr).Take((int)Math.Min(max, int.MaxValue)).ToArray()
                : [];
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc />
    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_highest.GetValueOrDefault(persistenceId));
        }
    }

    /// <inheritdoc />
    public Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(persistenceId, out var rows))
            {
                foreach (var seq in rows.Keys.Where(k => k <= toSequenceNr).ToArray())
                {
                    rows.Remove(seq);
                }
                _all.RemoveAll(r => r.PersistenceId == persistenceId && r.SequenceNr <= toSequenceNr);
            }
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JournalRow>> ReadAllAsync(long afterOrdering, int max, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<JournalRow> result = _all.Where(r => r.Ordering > afterOrdering).Take(max).ToArray();
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JournalRow>> ReadByTagAsync(string tag, long afterOrdering, int max, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<JournalRow> result = _all.Where(r => r.Ordering > afterOrdering && r.Tags.Contains(tag)).Take(max).ToArray();
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ReadPersistenceIdsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<string> result = _highest.Keys.Order(StringComparer.Ordinal).ToArray();
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Rules every journal store applies.</summary>
public static class JournalRules
{
    /// <summary>
    /// A write must continue the id's sequence: its first number is highest + 1 and its numbers are contiguous.
    /// Returns the rejection, or null when the write is acceptable.
    /// </summary>
    public static JournalWriteRejectedException? CheckContiguous(AtomicWrite write, long highestStored)
    {
        if (write.Rows.Count == 0)
        {
            return new JournalWriteRejectedException($"Empty atomic write for persistence id [{write.PersistenceId}]");
        }
        var expected = highestStored + 1;
        foreach (var row in write.Rows)
        {
            if (row.PersistenceId != write.PersistenceId)
            {
                return new JournalWriteRejectedException($"Atomic write for [{write.PersistenceId}] contains an event of [{row.PersistenceId}]");
            }
            if (row.SequenceNr != expected)
            {
                return new JournalWriteRejectedException(
                    $"Sequence number {row.SequenceNr} for persistence id [{write.PersistenceId}] does not follow {expected - 1}: gaps and duplicates are rejected");
            }
            expected++;
        }
        return null;
    }
}
