using Emulator.Actors.Persistence.Journal;
using Npgsql;
using NpgsqlTypes;

namespace Emulator.Actors.Persistence.PostgreSql;

/// <summary>
/// A journal in PostgreSQL, in its own schema (default <c>public</c>). Rows get their global ordering from a
/// BIGSERIAL; a tag table serves tag queries and a metadata table keeps each id's highest sequence number once
/// its rows are deleted. Several processes may write to the same schema.
/// </summary>
/// <remarks>
/// Each <see cref="WriteAsync"/> is one transaction: the rows are streamed with a binary COPY, and the tag rows
/// and highest sequence numbers are derived on the server, so a batch costs three round trips whatever its size.
/// Writes and deletes of one store run one at a time; reads use other pooled connections and run alongside.
/// </remarks>
public sealed class PostgreSqlJournalStore : IJournalStore
{
    private const string RowColumns = "j.ordering, j.persistence_id, j.sequence_nr, j.timestamp, j.tags, j.manifest, j.payload, j.writer_uuid";

    private readonly PostgreSqlDatabase _database;
    private readonly SemaphoreSlim _writerGate = new(1, 1);
    private readonly string _journal;
    private readonly string _tags;
    private readonly string _metadata;
    private bool _initialized;
    private bool _disposed;

    /// <summary>
    /// Creates the store for the database of <paramref name="connectionString"/>, with its tables in
    /// <paramref name="schema"/> (created if missing; <c>public</c> when null).
    /// </summary>
    public PostgreSqlJournalStore(string connectionString, string? schema = null)
    {
        _database = new PostgreSqlDatabase("PostgreSQL journal", connectionString, schema);
        _journal = _database.Table("journal");
        _tags = _database.Table("journal_tags");
        _metadata = _database.Table("journal_metadata");
    }

    /// <inheritdoc />
    public string Name => _database.Name;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _database.CreateTablesAsync($"""
            CREATE TABLE IF NOT EXISTS {_journal} (
                ordering BIGSERIAL PRIMARY KEY,
                persistence_id TEXT NOT NULL,
                sequence_nr BIGINT NOT NULL,
                timestamp BIGINT NOT NULL,
                tags TEXT[] NULL,
                manifest TEXT NOT NULL,
                payload BYTEA NOT NULL,
                writer_uuid TEXT NOT NULL,
                UNIQUE (persistence_id, sequence_nr)
            );
            CREATE TABLE IF NOT EXISTS {_tags} (
                tag TEXT NOT NULL,
                ordering BIGINT NOT NULL,
                PRIMARY KEY (tag, ordering)
            );
            CREATE INDEX IF NOT EXISTS journal_tags_by_ordering ON {_tags} (ordering);
            CREATE TABLE IF NOT EXISTS {_metadata} (
                persistence_id TEXT NOT NULL PRIMARY KEY,
                highest_sequence_nr BIGINT NOT NULL
            );
            """, cancellationToken).ConfigureAwait(false);
        _initialized = true;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        RequireInitialized();
        if (writes.Count == 0)
        {
            return [];
        }
        await _writerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await WriteInOneTransactionAsync(writes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgreSqlDatabase.IsStorageFailure(e))
        {
            throw _database.Unavailable(e);
        }
        finally
        {
            _writerGate.Release();
        }
    }

    /// <inheritdoc />
    public async Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        RequireInitialized();
        await _writerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // Tag rows first: they are found through the journal rows about to be deleted. The metadata table is
            // left alone: the highest sequence number survives the deletion.
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand($"DELETE FROM {_tags} WHERE ordering IN (SELECT ordering FROM {_journal} WHERE persistence_id = $1 AND sequence_nr <= $2)")
                    {
                        Parameters = { Text(persistenceId), Int64(toSequenceNr) },
                    },
                    new NpgsqlBatchCommand($"DELETE FROM {_journal} WHERE persistence_id = $1 AND sequence_nr <= $2")
                    {
                        Parameters = { Text(persistenceId), Int64(toSequenceNr) },
                    },
                },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgreSqlDatabase.IsStorageFailure(e))
        {
            throw _database.Unavailable(e);
        }
        finally
        {
            _writerGate.Release();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JournalRow>> ReadByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        RequireInitialized();
        if (max <= 0 || fromSequenceNr > toSequenceNr)
        {
            return Task.FromResult<IReadOnlyList<JournalRow>>([]);
        }
        return ReadRowsAsync(
            $"SELECT {RowColumns} FROM {_journal} j WHERE j.persistence_id = $1 AND j.sequence_nr BETWEEN $2 AND $3 ORDER BY j.sequence_nr LIMIT $4",
            [Text(persistenceId), Int64(fromSequenceNr), Int64(toSequenceNr), Int64(max)],
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        RequireInitialized();
        try
        {
            await using var command = _database.DataSource.CreateCommand($"SELECT highest_sequence_nr FROM {_metadata} WHERE persistence_id = $1");
            command.Parameters.Add(Text(persistenceId));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long highest ? highest : 0L;
        }
        catch (Exception e) when (PostgreSqlDatabase.IsStorageFailure(e))
        {
            throw _database.Unavailable(e);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JournalRow>> ReadAllAsync(long afterOrdering, int max, CancellationToken cancellationToken = default)
    {
        RequireInitialized();
        if (max <= 0)
        {
            return Task.FromResult<IReadOnlyList<JournalRow>>([]);
        }
        return ReadRowsAsync(
            $"SELECT {RowColumns} FROM {_journal} j WHERE j.ordering > $1 ORDER BY j.ordering LIMIT $2",
            [Int64(afterOrdering), Int64(max)],
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JournalRow>> ReadByTagAsync(string tag, long afterOrdering, int max, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tag);
        RequireInitialized();
        if (max <= 0)
        {
            return Task.FromResult<IReadOnlyList<JournalRow>>([]);
        }
        return ReadRowsAsync(
            $"SELECT {RowColumns} FROM {_tags} t JOIN {_journal} j ON j.ordering = t.ordering WHERE t.tag = $1 AND t.ordering > $2 ORDER BY t.ordering LIMIT $3",
            [Text(tag), Int64(afterOrdering), Int64(max)],
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ReadPersistenceIdsAsync(CancellationToken cancellationToken = default)
    {
        RequireInitialized();
        try
        {
            // From the metadata table, so ids whose events were all deleted are still listed.
            await using var command = _database.DataSource.CreateCommand($"SELECT persistence_id FROM {_metadata}");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var ids = new List<string>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }
            // Sorted here: the database's collation decides ORDER BY, the other stores sort ordinally.
            ids.Sort(StringComparer.Ordinal);
            return ids;
        }
        catch (Exception e) when (PostgreSqlDatabase.IsStorageFailure(e))
        {
            throw _database.Unavailable(e);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Waits for a write in progress before the pool closes under it.
        await _writerGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            await _database.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _writerGate.Release();
        }
    }

    private async Task<IReadOnlyList<Exception?>> WriteInOneTransactionAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // Round trip 1: lock, then read what the lock now makes stable.
        //
        // Why the lock: BIGSERIAL values are handed out when rows are inserted but become visible when their
        // transaction commits, and concurrent transactions commit in any order. If writer A took ordering 10 and
        // writer B took 11 and committed first, a live query reading "ordering > 9" would see 11, move its offset
        // past it, and never see 10 once A commits. SHARE ROW EXCLUSIVE conflicts with itself and with the ROW
        // EXCLUSIVE lock every INSERT takes, so journal inserts, from this process or any other, happen one
        // transaction at a time and orderings become visible in order. Readers take ACCESS SHARE, which it does
        // not block.
        //
        // Under the lock the highest sequence numbers read here cannot change before the commit, and they are
        // read for every id of the batch in this one query: no in-memory cache, which another process writing
        // the same id (say, after the actor moved there) would silently make stale.
        var ids = writes.Select(write => write.PersistenceId).Distinct(StringComparer.Ordinal).ToArray();
        var highestById = new Dictionary<string, long>(ids.Length, StringComparer.Ordinal);
        long orderingBefore;
        await using (var prepare = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"LOCK TABLE {_journal} IN SHARE ROW EXCLUSIVE MODE"),
                new NpgsqlBatchCommand($"SELECT COALESCE(MAX(ordering), 0) FROM {_journal}"),
                new NpgsqlBatchCommand($"SELECT persistence_id, highest_sequence_nr FROM {_metadata} WHERE persistence_id = ANY($1)")
                {
                    Parameters = { new NpgsqlParameter<string[]> { TypedValue = ids } },
                },
            },
        })
        {
            await using var reader = await prepare.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            orderingBefore = reader.GetInt64(0);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                highestById[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        // Validated before anything is sent, so a rejected write leaves no row behind and the other writes of
        // the batch go on in the same transaction.
        var results = new Exception?[writes.Count];
        var accepted = new List<AtomicWrite>(writes.Count);
        var written = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var index = 0; index < writes.Count; index++)
        {
            var write = writes[index];
            var highest = written.TryGetValue(write.PersistenceId, out var inBatch) ? inBatch : highestById.GetValueOrDefault(write.PersistenceId);
            if (JournalRules.CheckContiguous(write, highest) is { } rejection)
            {
                results[index] = rejection;
                continue;
            }
            accepted.Add(write);
            written[write.PersistenceId] = write.HighestSequenceNr;
        }
        if (accepted.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return results;
        }

        // Round trip 2: the rows, in batch order, so orderings follow the order of the writes.
        var importer = await connection.BeginBinaryImportAsync(
            $"COPY {_journal} (persistence_id, sequence_nr, timestamp, tags, manifest, payload, writer_uuid) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (var write in accepted)
            {
                foreach (var row in write.Rows)
                {
                    await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(row.PersistenceId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(row.SequenceNr, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(row.Timestamp.ToUnixTimeMilliseconds(), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    if (row.Tags.Count == 0)
                    {
                        await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await importer.WriteAsync(row.Tags as string[] ?? [.. row.Tags], NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    }
                    await importer.WriteAsync(row.Manifest, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(row.Payload, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(row.WriterUuid, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                }
            }
            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        // Round trip 3: tag rows and highest sequence numbers, then the commit. The lock guarantees that every
        // row above orderingBefore is one of this transaction's, so the tag rows are derived on the server.
        var persistenceIds = written.Keys.ToArray();
        var highestSequenceNrs = persistenceIds.Select(id => written[id]).ToArray();
        await using (var finish = new NpgsqlBatch(connection, transaction))
        {
            if (accepted.Any(write => write.Rows.Any(row => row.Tags.Count > 0)))
            {
                finish.BatchCommands.Add(new NpgsqlBatchCommand(
                    $"INSERT INTO {_tags} (tag, ordering) SELECT DISTINCT t.tag, j.ordering FROM {_journal} j CROSS JOIN LATERAL unnest(j.tags) AS t(tag) WHERE j.ordering > $1")
                {
                    Parameters = { Int64(orderingBefore) },
                });
            }
            finish.BatchCommands.Add(new NpgsqlBatchCommand($"""
                INSERT INTO {_metadata} (persistence_id, highest_sequence_nr) SELECT * FROM unnest($1::text[], $2::bigint[])
                ON CONFLICT (persistence_id) DO UPDATE SET highest_sequence_nr = EXCLUDED.highest_sequence_nr
                """)
            {
                Parameters =
                {
                    new NpgsqlParameter<string[]> { TypedValue = persistenceIds },
                    new NpgsqlParameter<long[]> { TypedValue = highestSequenceNrs },
                },
            });
            await finish.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    private async Task<IReadOnlyList<JournalRow>> ReadRowsAsync(string sql, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = _database.DataSource.CreateCommand(sql);
            command.Parameters.AddRange(parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<JournalRow>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new JournalRow(
                    Ordering: reader.GetInt64(0),
                    PersistenceId: reader.GetString(1),
                    SequenceNr: reader.GetInt64(2),
                    Timestamp: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                    Tags: reader.IsDBNull(4) ? [] : reader.GetFieldValue<string[]>(4),
                    Manifest: reader.GetString(5),
                    Payload: reader.GetFieldValue<byte[]>(6),
                    WriterUuid: reader.GetString(7)));
            }
            return rows;
        }
        catch (Exception e) when (PostgreSqlDatabase.IsStorageFailure(e))
        {
            throw _database.Unavailable(e);
        }
    }

    private void RequireInitialized()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_initialized)
        {
            throw new InvalidOperationException($"{Name} is not initialized: call InitializeAsync first");
        }
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    private static NpgsqlParameter<long> Int64(long value) => new() { TypedValue = value };
}
