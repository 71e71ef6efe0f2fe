namespace Emulator.Actors.Persistence.Journal;

/// <summary>
/// One stored event as the storage sees it: already serialized. <see cref="Ordering"/> is the global position
/// assigned by the store on write (0 before it is written).
/// </summary>
public sealed record JournalRow(
    long Ordering,
    string PersistenceId,
    long SequenceNr,
    DateTimeOffset Timestamp,
    IReadOnlyList<string> Tags,
    string Manifest,
    byte[] Payload,
    string WriterUuid);

/// <summary>Events of one persistence id that are stored all together or not at all (one <c>Persist</c>/<c>PersistAll</c>).</summary>
public sealed record AtomicWrite(string PersistenceId, IReadOnlyList<JournalRow> Rows)
{
    /// <summary>First sequence number of the batch.</summary>
    public long LowestSequenceNr => Rows[0].SequenceNr;

    /// <summary>Last sequence number of the batch.</summary>
    public long HighestSequenceNr => Rows[^1].SequenceNr;
}

/// <summary>Raised for a write that the store refuses (bad sequence numbers, duplicates); other writes in the batch are unaffected.</summary>
public sealed class JournalWriteRejectedException(string message) : Exception(message);

/// <summary>Raised when a store cannot be opened or used; the message names the store.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Storage behind the journal: rows are appended per persistence id with contiguous sequence numbers, read back
/// by id, by global ordering and by tag. Implementations must be safe for one writer and many concurrent readers.
/// Deletion is physical: deleted rows are removed, and the highest sequence number of an id is kept.
/// </summary>
public interface IJournalStore : IAsyncDisposable
{
    /// <summary>A human-readable name for errors and logs (e.g. "SQLite journal at /path/emulator.db").</summary>
    string Name { get; }

    /// <summary>Opens the store and creates its tables if missing; fails with <see cref="StoreUnavailableException"/>.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores several atomic writes, ideally in one transaction. Returns, per write, null when it was stored or the
    /// reason it was rejected (sequence gap or duplicate). Throws when the storage itself failed (nothing stored).
    /// </summary>
    Task<IReadOnlyList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default);

    /// <summary>Rows of one id with <paramref name="fromSequenceNr"/> ≤ seq ≤ <paramref name="toSequenceNr"/>, ascending, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<JournalRow>> ReadByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, CancellationToken cancellationToken = default);

    /// <summary>Highest sequence number ever written for the id (also after deletion); 0 if none.</summary>
    Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default);

    /// <summary>Deletes the id's rows up to and including <paramref name="toSequenceNr"/>.</summary>
    Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default);

    /// <summary>Rows with ordering &gt; <paramref name="afterOrdering"/>, ascending, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<JournalRow>> ReadAllAsync(long afterOrdering, int max, CancellationToken cancellationToken = default);

    /// <summary>Rows tagged <paramref name="tag"/> with ordering &gt; <paramref name="afterOrdering"/>, ascending.</summary>
    Task<IReadOnlyList<JournalRow>> ReadByTagAsync(string tag, long afterOrdering, int max, CancellationToken cancellationToken = default);

    /// <summary>Every persistence id that has written events.</summary>
    Task<IReadOnlyList<string>> ReadPersistenceIdsAsync(CancellationToken cancellationToken = default);
}
