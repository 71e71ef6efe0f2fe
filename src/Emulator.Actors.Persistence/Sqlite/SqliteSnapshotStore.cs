using Emulator.Actors.Persistence.Snapshot;
using Microsoft.Data.Sqlite;

namespace Emulator.Actors.Persistence.Sqlite;

/// <summary>
/// Snapshots in a SQLite file, one row per (persistence id, sequence number); the file may be the journal's.
/// Timestamps are stored as unix milliseconds.
/// </summary>
/// <remarks>
/// Saves and deletes go through one dedicated connection, one at a time; loads use pooled connections and run
/// alongside them (WAL). As for the journal, the synchronous SQLite calls run on the thread pool.
/// </remarks>
public sealed class SqliteSnapshotStore : ISnapshotStore
{
    private const string CreateTablesSql = """
        CREATE TABLE IF NOT EXISTS snapshots (
            persistence_id TEXT NOT NULL,
            sequence_nr INTEGER NOT NULL,
            timestamp INTEGER NOT NULL,
            manifest TEXT NOT NULL,
            payload BLOB NOT NULL,
            PRIMARY KEY (persistence_id, sequence_nr)
        );
        """;

    // The criteria's bounds, in the stored unit: inclusive, so the minimum timestamp is rounded up and the
    // maximum down, which selects exactly the snapshots SnapshotSelectionCriteria.Matches accepts.
    private const string CriteriaFilter =
        "persistence_id = $id AND sequence_nr BETWEEN $minSeq AND $maxSeq AND timestamp BETWEEN $minTs AND $maxTs";

    private readonly SqliteDatabase _database;
    private readonly SemaphoreSlim _writerGate = new(1, 1);
    private SqliteConnection? _writer;
    private bool _disposed;

    /// <summary>Creates the store for the database file at <paramref name="databasePath"/> (created if missing; its directory must exist).</summary>
    public SqliteSnapshotStore(string databasePath, SqliteStoreOptions? options = null)
    {
        _database = new SqliteDatabase("SQLite snapshot store", databasePath, options);
    }

    /// <inheritdoc />
    public string Name => _database.Name;

    /// <summary>Absolute path of the database file.</summary>
    public string DatabasePath => _database.FullPath;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _writerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _writer ??= await Task.Run(() => _database.OpenWriter(CreateTablesSql), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writerGate.Release();
        }
    }

    /// <inheritdoc />
    public Task<SnapshotRow?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        ArgumentNullException.ThrowIfNull(criteria);
        RequireWriter();
        return Task.Run(() => _database.Guard(() =>
        {
            using var connection = _database.OpenReader();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT sequence_nr, timestamp, manifest, payload FROM snapshots WHERE {CriteriaFilter} ORDER BY sequence_nr DESC LIMIT 1";
            BindCriteria(command, persistenceId, criteria);
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new SnapshotRow(
                    new SnapshotMetadata(persistenceId, reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))),
                    reader.GetString(2),
                    reader.GetFieldValue<byte[]>(3))
                : null;
        }), cancellationToken);
    }

    /// <inheritdoc />
    public Task SaveAsync(SnapshotRow snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return WriteAsync(command =>
        {
            command.CommandText = """
                INSERT INTO snapshots (persistence_id, sequence_nr, timestamp, manifest, payload)
                VALUES ($id, $seq, $ts, $manifest, $payload)
                ON CONFLICT (persistence_id, sequence_nr) DO UPDATE
                SET timestamp = excluded.timestamp, manifest = excluded.manifest, payload = excluded.payload
                """;
            command.Parameters.AddWithValue("$id", snapshot.Metadata.PersistenceId);
            command.Parameters.AddWithValue("$seq", snapshot.Metadata.SequenceNr);
            command.Parameters.AddWithValue("$ts", snapshot.Metadata.Timestamp.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$manifest", snapshot.Manifest);
            command.Parameters.Add("$payload", SqliteType.Blob).Value = snapshot.Payload;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return WriteAsync(command =>
        {
            command.CommandText = "DELETE FROM snapshots WHERE persistence_id = $id AND sequence_nr = $seq";
            command.Parameters.AddWithValue("$id", metadata.PersistenceId);
            command.Parameters.AddWithValue("$seq", metadata.SequenceNr);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        ArgumentNullException.ThrowIfNull(criteria);
        return WriteAsync(command =>
        {
            command.CommandText = $"DELETE FROM snapshots WHERE {CriteriaFilter}";
            BindCriteria(command, persistenceId, criteria);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _writerGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _writer?.Dispose();
            _writer = null;
            _database.ClearPool();
        }
        finally
        {
            _writerGate.Release();
        }
    }

    private SqliteConnection RequireWriter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _writer ?? throw new InvalidOperationException($"{Name} is not initialized: call InitializeAsync first");
    }

    private async Task WriteAsync(Action<SqliteCommand> prepare, CancellationToken cancellationToken)
    {
        await _writerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var writer = RequireWriter();
            await Task.Run(() => _database.Guard(() =>
            {
                using var command = writer.CreateCommand();
                prepare(command);
                command.ExecuteNonQuery();
            }), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writerGate.Release();
        }
    }

    private static void BindCriteria(SqliteCommand command, string persistenceId, SnapshotSelectionCriteria criteria)
    {
        command.Parameters.AddWithValue("$id", persistenceId);
        command.Parameters.AddWithValue("$minSeq", criteria.MinSequenceNr);
        command.Parameters.AddWithValue("$maxSeq", criteria.MaxSequenceNr);
        command.Parameters.AddWithValue("$minTs", UnixMilliseconds.RoundedUp(criteria.MinTimestamp ?? DateTimeOffset.MinValue));
        command.Parameters.AddWithValue("$maxTs", criteria.MaxTimestamp.ToUnixTimeMilliseconds());
    }
}
