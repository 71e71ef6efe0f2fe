namespace Emulator.Actors.Persistence.Snapshot;

/// <summary>Snapshots kept in memory, for tests.</summary>
public sealed class InMemorySnapshotStore : ISnapshotStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SortedList<long, SnapshotRow>> _byId = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Name => "in-memory snapshot store";

    /// <summary>When set, every save fails with this exception.</summary>
    public Exception? FailSavesWith { get; set; }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<SnapshotRow?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var found = _byId.TryGetValue(persistenceId, out var rows)
                ? rows.Values.Reverse().FirstOrDefault(r => criteria.Matches(r.Metadata))
                : null;
            return Task.FromResult(found);
        }
    }

    /// <inheritdoc />
    public Task SaveAsync(SnapshotRow snapshot, CancellationToken cancellationToken = default)
    {
        if (FailSavesWith is { } failure)
        {
            return Task.FromException(failure);
        }
        lock (_gate)
        {
            if (!_byId.TryGetValue(snapshot.Metadata.PersistenceId, out var rows))
            {
                _byId[snapshot.Metadata.PersistenceId] = rows = [];
            }
            rows[snapshot.Metadata.SequenceNr] = snapshot;
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(metadata.PersistenceId, out var rows))
            {
                rows.Remove(metadata.SequenceNr);
            }
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(persistenceId, out var rows))
            {
                foreach (var key in rows.Where(r => criteria.Matches(r.Value.Metadata)).Select(r => r.Key).ToArray())
                {
                    rows.Remove(key);
                }
            }
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
