using System.Text.Json;
using Emulator.Actors.Persistence.Journal;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Emulator.Actors.Persistence.Sqlite;

/// <summary>
/// A journal in one SQLite file (which the <see cref="SqliteSnapshotStore"/> may share). Rows get their global
/// ordering from an AUTOINCREMENT key, so orderings are never reused even after deletion; a tag table serves tag
/// queries and a metadata table keeps each id's highest sequence number once its rows are deleted.
/// </summary>
/// <remarks>
/// Writes go through one dedicated connection, one call at a time: each <see cref="WriteAsync"/> is a single
/// transaction (the group commit of everything the journal writer collected). Reads open pooled connections of
/// their own, and WAL mode lets them run while a write transaction is in progress. Microsoft.Data.Sqlite runs
/// statements synchronously even behind its async methods, so the work runs on the thread pool: the calling
/// actor's thread is never held while SQLite waits for the disk.
/// </remarks>
public sealed class SqliteJournalStore : IJournalStore
{
    private const string CreateTablesSql = """
        CREATE TABLE IF NOT EXISTS journal (
            ordering INTEGER PRIMARY KEY AUTOINCREMENT,
            persistence_id TEXT NOT NULL,
            sequence_nr INTEGER NOT NULL,
            timestamp INTEGER NOT NULL,
            tags TEXT NULL,
            manifest TEXT NOT NULL,
            payload BLOB NOT NULL,
            writer_uuid TEXT NOT NULL,
            UNIQUE (persistence_id, sequence_nr)
        );
        CREATE TABLE IF NOT EXISTS journal_tags (
            tag TEXT NOT NULL,
            ordering INTEGER NOT NULL,
            PRIMARY KEY (tag, ordering)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS journal_tags_by_ordering ON journal_tags (ordering);
        CREATE TABLE IF NOT EXISTS journal_metadata (
            persistence_id TEXT NOT NULL PRIMARY KEY,
            highest_sequence_nr INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;

    private const string RowColumns = "j.ordering, j.persistence_id, j.sequence_nr, j.timestamp, j.tags, j.manifest, j.payload, j.writer_uuid";

    private readonly SqliteDatabase _database;

    // Serializes writes and deletes on the single writer connection; async so that waiting callers do not
    // hold threads.
    private readonly SemaphoreSlim _writerGate = new(1, 1);

    // Highest stored sequence number per id, filled on first use from journal_metadata. Only read and changed
    // while holding _writerGate; what a transaction writes is merged only after its commit, so a rolled-back
    // write leaves no trace.
    private readonly Dictionary<string, long> _highestById = new(StringComparer.Ordinal);

    private SqliteConnection? _writer;
    private WriterStatements? _statements;
    private long _lastDataVersion;
    private bool _disposed;

    /// <summary>Creates the store for the database file at <paramref name="databasePath"/> (created if missing; its directory must exist).</summary>
    public SqliteJournalStore(string databasePath, SqliteStoreOptions? options = null)
    {
        _database = new SqliteDatabase("SQLite journal", databasePath, options);
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
            if (_writer is not null)
            {
                return;
            }
            await Task.Run(() =>
            {
                var writer = _database.OpenWriter(CreateTablesSql);
                try
                {
                    _statements = _database.Guard(() => new WriterStatements(writer));
                }
                catch
                {
                    writer.Dispose();
                    throw;
                }
                _writer = writer;
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writerGate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (writes.Count == 0)
        {
            return [];
        }
        await _writerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var statements = RequireWriter();
            return await Task.Run(() => _database.Guard(() => WriteInOneTransaction(statements, writes)), cancellationToken).ConfigureAwait(false);
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
        await _writerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var statements = RequireWriter();
            await Task.Run(() => _database.Guard(() =>
            {
                using var transaction = statements.Connection.BeginTransaction(deferred: false);
                using var command = statements.Connection.CreateCommand();
                command.Transaction = transaction;
                // Tag rows first: they are found through the journal rows about to be deleted. journal_metadata
                // is left alone: the highest sequence number survives the deletion.
                command.CommandText = """
                    DELETE FROM journal_tags WHERE ordering IN (SELECT ordering FROM journal WHERE persistence_id = $id AND sequence_nr <= $to);
                    DELETE FROM journal WHERE persistence_id = $id AND sequence_nr <= $to;
                    """;
                command.Parameters.AddWithValue("$id", persistenceId);
                command.Parameters.AddWithValue("$to", toSequenceNr);
                command.ExecuteNonQuery();
                transaction.Commit();
            }), cancellationToken).ConfigureAwait(false);
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
        RequireWriter();
        // LIMIT with a negative number means "no limit" to SQLite.
        if (max <= 0 || fromSequenceNr > toSequenceNr)
        {
            return Task.FromResult<IReadOnlyList<JournalRow>>([]);
        }
        return ReadRowsAsync(
            $"SELECT {RowColumns} FROM journal j WHERE j.persistence_id = $id AND j.sequence_nr BETWEEN $from AND $to ORDER BY j.sequence_nr LIMIT $max",
            command =>
            {
                command.Parameters.AddWithValue("$id", persistenceId);
                command.Parameters.AddWithValue("$from", fromSequenceNr);
                command.Parameters.AddWithValue("$to", toSequenceNr);
                command.Parameters.AddWithValue("$max", max);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        return ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT highest_sequence_nr FROM journal_metadata WHERE persistence_id = $id";
            command.Parameters.AddWithValue("$id", persistenceId);
            return command.ExecuteScalar() is long highest ? highest : 0L;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JournalRow>> ReadAllAsync(long afterOrdering, int max, CancellationToken cancellationToken = default)
    {
        RequireWriter();
        if (max <= 0)
        {
            return Task.FromResult<IReadOnlyList<JournalRow>>([]);
        }
        return ReadRowsAsync(
            $"SELECT {RowColumns} FROM journal j WHERE j.ordering > $after ORDER BY j.ordering LIMIT $max",
            command =>
            {
                command.Parameters.AddWithValue("$after", afterOrdering);
                command.Parameters.AddWithValue("$max", max);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JournalRow>> ReadByTagAsync(string tag, long afterOrdering, int max, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tag);
        RequireWriter();
        if (max <= 0)
        {
            return Task.FromResult<IReadOnlyList<JournalRow>>([]);
        }
        return ReadRowsAsync(
            $"SELECT {RowColumns} FROM journal_tags t JOIN journal j ON j.ordering = t.ordering WHERE t.tag = $tag AND t.ordering > $after ORDER BY t.ordering LIMIT $max",
            command =>
            {
                command.Parameters.AddWithValue("$tag", tag);
                command.Parameters.AddWithValue("$after", afterOrdering);
                command.Parameters.AddWithValue("$max", max);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ReadPersistenceIdsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<string>>(connection =>
        {
            using var command = connection.CreateCommand();
            // From the metadata table, so ids whose events were all deleted are still listed.
            command.CommandText = "SELECT persistence_id FROM journal_metadata";
            using var reader = command.ExecuteReader();
            var ids = new List<string>();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }
            // Sorted here rather than by SQLite, which compares UTF-8 bytes: the order matches the other stores.
            ids.Sort(StringComparer.Ordinal);
            return ids;
        }, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Waits for a write in progress: its transaction is committed or rolled back before the connection closes.
        await _writerGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _statements?.Dispose();
            _writer?.Dispose();
            _statements = null;
            _writer = null;
            _database.ClearPool();
        }
        finally
        {
            _writerGate.Release();
        }
    }

    private WriterStatements RequireWriter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _statements ?? throw new InvalidOperationException($"{Name} is not initialized: call InitializeAsync first");
    }

    private IReadOnlyList<Exception?> WriteInOneTransaction(WriterStatements statements, IReadOnlyList<AtomicWrite> writes)
    {
        var results = new Exception?[writes.Count];
        // Highest sequence number per id as this transaction leaves it; merged into the cache after the commit.
        var written = new Dictionary<string, long>(StringComparer.Ordinal);
        // BEGIN IMMEDIATE: the write lock is taken up front, so the sequence numbers read below cannot change
        // before the commit, even if another process writes to the same file. Disposing the transaction without
        // a commit rolls everything back.
        using (var transaction = statements.Connection.BeginTransaction(deferred: false))
        {
            ForgetCacheIfChangedElsewhere(statements);
            for (var i = 0; i < writes.Count; i++)
            {
                var write = writes[i];
                if (!written.TryGetValue(write.PersistenceId, out var highest))
                {
                    highest = HighestStored(statements, write.PersistenceId);
                }
                // Validated before anything is inserted, so a rejected write leaves no row behind and the other
                // writes of the batch go on in the same transaction.
                if (JournalRules.CheckContiguous(write, highest) is { } rejection)
                {
                    results[i] = rejection;
                    continue;
                }
                foreach (var row in write.Rows)
                {
                    statements.Insert(row);
                }
                written[write.PersistenceId] = write.HighestSequenceNr;
            }
            foreach (var (persistenceId, highest) in written)
            {
                statements.UpsertHighest(persistenceId, highest);
            }
            transaction.Commit();
        }
        foreach (var (persistenceId, highest) in written)
        {
            _highestById[persistenceId] = highest;
        }
        return results;
    }

    /// <summary>
    /// The cache of highest sequence numbers is only valid while this connection is the only writer.
    /// <c>PRAGMA data_version</c> changes when another connection (another process, a second store on the same
    /// file) committed since the last look; the cache is then dropped and refilled from the table.
    /// </summary>
    private void ForgetCacheIfChangedElsewhere(WriterStatements statements)
    {
        var dataVersion = statements.DataVersion();
        if (dataVersion != _lastDataVersion)
        {
            _highestById.Clear();
            _lastDataVersion = dataVersion;
        }
    }

    private long HighestStored(WriterStatements statements, string persistenceId)
    {
        if (!_highestById.TryGetValue(persistenceId, out var highest))
        {
            // Safe to cache before the commit: the value is what is committed, not what this transaction writes.
            _highestById[persistenceId] = highest = statements.SelectHighest(persistenceId);
        }
        return highest;
    }

    private Task<IReadOnlyList<JournalRow>> ReadRowsAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<JournalRow>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            bind(command);
            using var reader = command.ExecuteReader();
            var rows = new List<JournalRow>();
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                rows.Add(new JournalRow(
                    Ordering: reader.GetInt64(0),
                    PersistenceId: reader.GetString(1),
                    SequenceNr: reader.GetInt64(2),
                    Timestamp: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                    Tags: reader.IsDBNull(4) ? [] : JsonSerializer.Deserialize<string[]>(reader.GetString(4)) ?? [],
                    Manifest: reader.GetString(5),
                    Payload: reader.GetFieldValue<byte[]>(6),
                    WriterUuid: reader.GetString(7)));
            }
            return rows;
        }, cancellationToken);

    private Task<T> ReadAsync<T>(Func<SqliteConnection, T> read, CancellationToken cancellationToken)
    {
        RequireWriter();
        return Task.Run(() => _database.Guard(() =>
        {
            using var connection = _database.OpenReader();
            return read(connection);
        }), cancellationToken);
    }

    /// <summary>
    /// The statements of the group-commit path, prepared once on the writer's connection and run inside the
    /// transaction it has open. They go through SQLitePCL directly: Microsoft.Data.Sqlite looks every parameter
    /// up by name and allocates a reader on each execution, which costs about as much as SQLite's own work for a
    /// small row; binding by index doubles the rows written per second.
    /// </summary>
    private sealed class WriterStatements : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt[] _all;
        private readonly sqlite3_stmt _insertEvent;
        private readonly sqlite3_stmt _insertTag;
        private readonly sqlite3_stmt _selectHighest;
        private readonly sqlite3_stmt _upsertHighest;
        private readonly sqlite3_stmt _dataVersion;

        public WriterStatements(SqliteConnection connection)
        {
            Connection = connection;
            _db = connection.Handle ?? throw new InvalidOperationException("The writer connection is not open");
            var prepared = new List<sqlite3_stmt>();
            try
            {
                _insertEvent = Prepare(prepared, "INSERT INTO journal (persistence_id, sequence_nr, timestamp, tags, manifest, payload, writer_uuid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
                _insertTag = Prepare(prepared, "INSERT INTO journal_tags (tag, ordering) VALUES (?1, ?2)");
                _selectHighest = Prepare(prepared, "SELECT highest_sequence_nr FROM journal_metadata WHERE persistence_id = ?1");
                _upsertHighest = Prepare(prepared, "INSERT INTO journal_metadata (persistence_id, highest_sequence_nr) VALUES (?1, ?2) ON CONFLICT (persistence_id) DO UPDATE SET highest_sequence_nr = excluded.highest_sequence_nr");
                _dataVersion = Prepare(prepared, "PRAGMA data_version");
            }
            catch
            {
                prepared.ForEach(statement => statement.Dispose());
                throw;
            }
            _all = [.. prepared];
        }

        public SqliteConnection Connection { get; }

        public void Insert(JournalRow row)
        {
            Check(raw.sqlite3_bind_text(_insertEvent, 1, row.PersistenceId));
            Check(raw.sqlite3_bind_int64(_insertEvent, 2, row.SequenceNr));
            Check(raw.sqlite3_bind_int64(_insertEvent, 3, row.Timestamp.ToUnixTimeMilliseconds()));
            Check(row.Tags.Count == 0
                ? raw.sqlite3_bind_null(_insertEvent, 4)
                : raw.sqlite3_bind_text(_insertEvent, 4, JsonSerializer.Serialize(row.Tags)));
            Check(raw.sqlite3_bind_text(_insertEvent, 5, row.Manifest));
            Check(raw.sqlite3_bind_blob(_insertEvent, 6, row.Payload));
            Check(raw.sqlite3_bind_text(_insertEvent, 7, row.WriterUuid));
            StepToEnd(_insertEvent);
            if (row.Tags.Count == 0)
            {
                return;
            }
            var ordering = raw.sqlite3_last_insert_rowid(_db);
            foreach (var tag in row.Tags.Distinct(StringComparer.Ordinal))
            {
                Check(raw.sqlite3_bind_text(_insertTag, 1, tag));
                Check(raw.sqlite3_bind_int64(_insertTag, 2, ordering));
                StepToEnd(_insertTag);
            }
        }

        public long SelectHighest(string persistenceId)
        {
            Check(raw.sqlite3_bind_text(_selectHighest, 1, persistenceId));
            return StepToScalar(_selectHighest);
        }

        public void UpsertHighest(string persistenceId, long highest)
        {
            Check(raw.sqlite3_bind_text(_upsertHighest, 1, persistenceId));
            Check(raw.sqlite3_bind_int64(_upsertHighest, 2, highest));
            StepToEnd(_upsertHighest);
        }

        public long DataVersion() => StepToScalar(_dataVersion);

        public void Dispose()
        {
            // Finalized before the connection closes, or SQLite would keep the database open for them.
            foreach (var statement in _all)
            {
                statement.Dispose();
            }
        }

        private sqlite3_stmt Prepare(List<sqlite3_stmt> prepared, string sql)
        {
            Check(raw.sqlite3_prepare_v2(_db, sql, out var statement));
            prepared.Add(statement);
            return statement;
        }

        private void StepToEnd(sqlite3_stmt statement)
        {
            var rc = raw.sqlite3_step(statement);
            // Reset at once: a statement left pending would keep its read of the database open.
            raw.sqlite3_reset(statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
        }

        /// <summary>The first column of the first row, or 0 when there is no row.</summary>
        private long StepToScalar(sqlite3_stmt statement)
        {
            try
            {
                var rc = raw.sqlite3_step(statement);
                if (rc == raw.SQLITE_ROW)
                {
                    return raw.sqlite3_column_int64(statement, 0);
                }
                if (rc != raw.SQLITE_DONE)
                {
                    SqliteException.ThrowExceptionForRC(rc, _db);
                }
                return 0;
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }
        }

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
        }
    }
}
