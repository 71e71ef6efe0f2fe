using Emulator.Actors.Persistence.Snapshot;
using Npgsql;

namespace Emulator.Actors.Persistence.PostgreSql;

/// <summary>
/// Snapshots in PostgreSQL, one row per (persistence id, sequence number), in the same schema conventions as
/// <see cref="PostgreSqlJournalStore"/>. Timestamps are stored as unix milliseconds.
/// </summary>
public sealed class PostgreSqlSnapshotStore : ISnapshotStore
{
    // The criteria's bounds, in the stored unit: inclusive, the minimum timestamp rounded up and the maximum
    // down, which selects exactly the snapshots SnapshotSelectionCriteria.Matches accepts.
    private const string CriteriaFilter = "persistence_id = $1 AND sequence_nr BETWEEN $2 AND $3 AND timestamp BETWEEN $4 AND $5";

    private readonly PostgreSqlDatabase _database;
    private readonly string _snapshots;
    private bool _initialized;
    private bool _disposed;

    /// <summary>
    /// Creates the store for the database of <paramref name="connectionString"/>, with its table in
    /// <paramref name="schema"/> (created if missing; <c>public</c> when null).
    /// </summary>
    public PostgreSqlSnapshotStore(string connectionString, string? schema = null)
    {
        _database = new PostgreSqlDatabase("PostgreSQL snapshot store", connectionString, schema);
        _snapshots = _database.Table("snapshots");
    }

    /// <inheritdoc />
    public string Name => _database.Name;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _database.CreateTablesAsync($"""
            CREATE TABLE IF NOT EXISTS {_snapshots} (
                persistence_id TEXT NOT NULL,
                sequence_nr BIGINT NOT NULL,
                timestamp BIGINT NOT NULL,
                manifest TEXT NOT NULL,
                payload BYTEA NOT NULL,
                PRIMARY KEY (persistence_id, sequence_nr)
            );
            """, cancellationToken).ConfigureAwait(false);
        _initialized = true;
    }

    /// <inheritdoc />
    public async Task<SnapshotRow?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        ArgumentNullException.ThrowIfNull(criteria);
        RequireInitialized();
        try
        {
            await using var command = _database.DataSource.CreateCommand(
                $"SELECT sequence_nr, timestamp, manifest, payload FROM {_snapshots} WHERE {CriteriaFilter} ORDER BY sequence_nr DESC LIMIT 1");
            BindCriteria(command, persistenceId, criteria);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new SnapshotRow(
                    new SnapshotMetadata(persistenceId, reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))),
                    reader.GetString(2),
                    reader.GetFieldValue<byte[]>(3))
                : null;
        }
        catch (Exception e) when (PostgreSqlDatabase.IsStorageFailure(e))
        {
            throw _database.Unavailable(e);
        }
    }

    /// <inheritdoc />
    public Task SaveAsync(SnapshotRow snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return ExecuteAsync(
            $"""
            INSERT INTO {_snapshots} (persistence_id, sequence_nr, timestamp, manifest, payload) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (persistence_id, sequence_nr) DO UPDATE
            SET timestamp = EXCLUDED.timestamp, manifest = EXCLUDED.manifest, payload = EXCLUDED.payload
            """,
            command => command.Parameters.AddRange(new NpgsqlParameter[]
            {
                new NpgsqlParameter<string> { TypedValue = snapshot.Metadata.PersistenceId },
                new NpgsqlParameter<long> { TypedValue = snapshot.Metadata.SequenceNr },
                new NpgsqlParameter<long> { TypedValue = snapshot.Metadata.Timestamp.ToUnixTimeMilliseconds() },
                new NpgsqlParameter<string> { TypedValue = snapshot.Manifest },
                new NpgsqlParameter<byte[]> { TypedValue = snapshot.Payload },
            }),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return ExecuteAsync(
            $"DELETE FROM {_snapshots} WHERE persistence_id = $1 AND sequence_nr = $2",
            command => command.Parameters.AddRange(new NpgsqlParameter[]
            {
                new NpgsqlParameter<string> { TypedValue = metadata.PersistenceId },
                new NpgsqlParameter<long> { TypedValue = metadata.SequenceNr },
            }),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        ArgumentNullException.ThrowIfNull(criteria);
        return ExecuteAsync($"DELETE FROM {_snapshots} WHERE {CriteriaFilter}", command => BindCriteria(command, persistenceId, criteria), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await _database.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ExecuteAsync(string sql, Action<NpgsqlCommand> bind, CancellationToken cancellationToken)
    {
        RequireInitialized();
        try
        {
            await using var command = _database.DataSource.CreateCommand(sql);
            bind(command);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgreSqlDatabase.IsStorageFailure(e))
        {
            throw _database.Unavailable(e);
        }
    }

    private static void BindCriteria(NpgsqlCommand command, string persistenceId, SnapshotSelectionCriteria criteria)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = criteria.MinSequenceNr });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = criteria.MaxSequenceNr });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = UnixMilliseconds.RoundedUp(criteria.MinTimestamp ?? DateTimeOffset.MinValue) });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = criteria.MaxTimestamp.ToUnixTimeMilliseconds() });
    }

    private void RequireInitialized()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_initialized)
        {
            throw new InvalidOperationException($"{Name} is not initialized: call InitializeAsync first");
        }
    }
}
