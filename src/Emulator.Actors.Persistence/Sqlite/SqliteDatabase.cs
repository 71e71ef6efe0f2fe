using Emulator.Actors.Persistence.Journal;
using Microsoft.Data.Sqlite;

namespace Emulator.Actors.Persistence.Sqlite;

/// <summary>
/// The database file behind a SQLite store: how its connections are opened and configured, and how SQLite
/// failures are reported (as <see cref="StoreUnavailableException"/> naming the store and the file).
/// </summary>
internal sealed class SqliteDatabase
{
    private readonly string _writerConnectionString;
    private readonly string _readerConnectionString;
    private readonly SqliteStoreOptions _options;

    public SqliteDatabase(string storeKind, string databasePath, SqliteStoreOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        _options = options ?? SqliteStoreOptions.Default;
        FullPath = Path.GetFullPath(databasePath);
        Name = $"{storeKind} at {FullPath}";
        var commandTimeoutSeconds = (int)Math.Ceiling(_options.EffectiveBusyTimeout.TotalSeconds);
        // The writer is opened once and kept for the store's lifetime, so it bypasses the pool: disposing the
        // store then really closes the file.
        _writerConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = commandTimeoutSeconds,
        }.ToString();
        // Readers never create the file (the writer did, in InitializeAsync) and are pooled: every read opens
        // one, and WAL mode lets them read while the writer's transaction is in progress.
        _readerConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FullPath,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = commandTimeoutSeconds,
        }.ToString();
    }

    /// <summary>Absolute path of the database file.</summary>
    public string FullPath { get; }

    /// <summary>The store's name for messages, e.g. "SQLite journal at /data/emulator.db".</summary>
    public string Name { get; }

    /// <summary>
    /// Opens the long-lived writer connection: checks that the file is a SQLite database before anything is
    /// written to it, switches to WAL, applies the options and creates the tables.
    /// </summary>
    public SqliteConnection OpenWriter(string createTablesSql)
    {
        var connection = new SqliteConnection(_writerConnectionString);
        try
        {
            connection.Open();
            // Reading the schema makes SQLite parse the file header. A file that is not a database fails here
            // (SQLITE_NOTADB), before any statement below could write to it.
            Execute(connection, "SELECT count(*) FROM sqlite_master");
            var journalMode = Convert.ToString(ExecuteScalar(connection, "PRAGMA journal_mode=WAL"), System.Globalization.CultureInfo.InvariantCulture);
            if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new StoreUnavailableException($"{Name}: cannot switch to WAL mode (journal mode is {journalMode})");
            }
            Execute(connection, $"PRAGMA synchronous={(int)_options.Synchronous}");
            Execute(connection, $"PRAGMA busy_timeout={(long)_options.EffectiveBusyTimeout.TotalMilliseconds}");
            // The writer's working set is one index leaf per active persistence id, which outgrows SQLite's
            // default 2 MiB page cache at about a thousand ids; a larger WAL between checkpoints lets a page
            // rewritten by many commits be copied into the database once. Together they cut the cost of a large
            // group commit by about a third. The WAL file is truncated back to 64 MiB after a checkpoint.
            Execute(connection, "PRAGMA cache_size=-32768");
            Execute(connection, "PRAGMA wal_autocheckpoint=8192");
            Execute(connection, "PRAGMA journal_size_limit=67108864");
            using (var transaction = connection.BeginTransaction(deferred: false))
            {
                using var create = connection.CreateCommand();
                create.Transaction = transaction;
                create.CommandText = createTablesSql;
                create.ExecuteNonQuery();
                transaction.Commit();
            }
            return connection;
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            connection.Dispose();
            throw Unavailable(e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Opens a pooled connection for reading (or for a short write serialized by the caller).</summary>
    public SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_readerConnectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Closes the idle pooled connections to the file (when a store is disposed).</summary>
    public void ClearPool()
    {
        using var connection = new SqliteConnection(_readerConnectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Wraps a storage failure in an exception whose message names the store and the file.</summary>
    public StoreUnavailableException Unavailable(Exception cause) => new($"{Name}: {Describe(cause)}", cause);

    /// <summary>Runs <paramref name="work"/>, reporting SQLite failures as <see cref="StoreUnavailableException"/>.</summary>
    public T Guard<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (SqliteException e)
        {
            throw Unavailable(e);
        }
    }

    /// <summary>Runs <paramref name="work"/>, reporting SQLite failures as <see cref="StoreUnavailableException"/>.</summary>
    public void Guard(Action work)
    {
        try
        {
            work();
        }
        catch (SqliteException e)
        {
            throw Unavailable(e);
        }
    }

    private static string Describe(Exception cause)
    {
        if (cause is not SqliteException sqlite)
        {
            return cause.Message;
        }
        // SqliteException messages read "SQLite Error 19: 'UNIQUE constraint failed: journal.sequence_nr'.":
        // SQLite's own text is what the user needs next to the store's name, without the wrapper.
        var message = sqlite.Message;
        var start = message.IndexOf('\'');
        var end = message.LastIndexOf('\'');
        return end > start + 1
            ? message[(start + 1)..end]
            : SQLitePCL.raw.sqlite3_errstr(sqlite.SqliteErrorCode).utf8_to_string() ?? message;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? ExecuteScalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
