namespace Emulator.Actors.Persistence.Snapshot;

/// <summary>Identifies a snapshot: the id, the sequence number it was taken at, and when.</summary>
public sealed record SnapshotMetadata(string PersistenceId, long SequenceNr, DateTimeOffset Timestamp);

/// <summary>A stored snapshot, serialized.</summary>
public sealed record SnapshotRow(SnapshotMetadata Metadata, string Manifest, byte[] Payload);

/// <summary>Which snapshots a load or delete applies to (bounds inclusive), as Akka's SnapshotSelectionCriteria.</summary>
public sealed record SnapshotSelectionCriteria(long MaxSequenceNr, DateTimeOffset MaxTimestamp, long MinSequenceNr = 0, DateTimeOffset? MinTimestamp = null)
{
    /// <summary>Any snapshot: the latest one.</summary>
    public static SnapshotSelectionCriteria Latest { get; } = new(long.MaxValue, DateTimeOffset.MaxValue);

    /// <summary>No snapshot (recovery replays every event).</summary>
    public static SnapshotSelectionCriteria None { get; } = new(0, DateTimeOffset.MinValue);

    /// <summary>True when <paramref name="metadata"/> falls inside the bounds.</summary>
    public bool Matches(SnapshotMetadata metadata) =>
        metadata.SequenceNr <= MaxSequenceNr && metadata.Timestamp <= MaxTimestamp
        && metadata.SequenceNr >= MinSequenceNr && metadata.Timestamp >= (MinTimestamp ?? DateTimeOffset.MinValue);
}

/// <summary>Storage of snapshots: one per (id, sequence number); loads pick the newest matching one.</summary>
public interface ISnapshotStore : IAsyncDisposable
{
    /// <summary>A human-readable name for errors and logs.</summary>
    string Name { get; }

    /// <summary>Opens the store and creates its tables if missing.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>The newest snapshot matching <paramref name="criteria"/>, or null.</summary>
    Task<SnapshotRow?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default);

    /// <summary>Stores (or replaces) a snapshot.</summary>
    Task SaveAsync(SnapshotRow snapshot, CancellationToken cancellationToken = default);

    /// <summary>Deletes one snapshot.</summary>
    Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken = default);

    /// <summary>Deletes every snapshot of the id matching <paramref name="criteria"/>.</summary>
    Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default);
}
