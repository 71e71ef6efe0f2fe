namespace Emulator.Actors.Persistence.Sqlite;

/// <summary>How hard SQLite pushes a commit to the disk (<c>PRAGMA synchronous</c>).</summary>
public enum SqliteSynchronous
{
    /// <summary>No fsync: a power loss can lose or corrupt recent commits. Only for throwaway data.</summary>
    Off = 0,

    /// <summary>In WAL mode: a power loss can lose the last commits, but never corrupts the database.</summary>
    Normal = 1,

    /// <summary>Every commit is on the disk before it is acknowledged (durable).</summary>
    Full = 2,

    /// <summary>As <see cref="Full"/>, also syncing the directory after the WAL is reset.</summary>
    Extra = 3,
}

/// <summary>Settings shared by the SQLite journal and snapshot stores.</summary>
/// <param name="Synchronous">Durability of a commit; the default is durable.</param>
/// <param name="BusyTimeout">
/// How long a statement waits for another connection (another store on the same file, another process) to
/// release the database before failing; null means 5 seconds.
/// </param>
public sealed record SqliteStoreOptions(SqliteSynchronous Synchronous = SqliteSynchronous.Full, TimeSpan? BusyTimeout = null)
{
    /// <summary>Durable commits, 5 second busy timeout.</summary>
    public static SqliteStoreOptions Default { get; } = new();

    internal TimeSpan EffectiveBusyTimeout => BusyTimeout ?? TimeSpan.FromSeconds(5);
}
