using Emulator.Actors.Persistence.Journal;
using Npgsql;

namespace Emulator.Actors.Persistence.PostgreSql;

/// <summary>
/// The PostgreSQL database and schema behind a store: its connection pool, qualified table names, table
/// creation, and failures reported as <see cref="StoreUnavailableException"/> naming the store and the server.
/// </summary>
internal sealed class PostgreSqlDatabase : IAsyncDisposable
{
    public PostgreSqlDatabase(string storeKind, string connectionString, string? schema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (schema is not null && string.IsNullOrWhiteSpace(schema))
        {
            throw new ArgumentException("The schema name must not be blank", nameof(schema));
        }
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!SetsPoolSize(connectionString))
        {
            // Npgsql's default pool (100) per store lets a journal and a snapshot store together exceed the server's
            // default max_connections (100) when thousands of actors recover at once; a smaller pool makes them queue.
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }
        SchemaName = schema ?? "public";
        QuotedSchema = QuoteIdentifier(SchemaName);
        var server = $"{builder.Host}:{builder.Port}";
        Name = $"{storeKind} at {server}/{builder.Database}" + (schema is null ? "" : $" (schema {SchemaName})");
        DataSource = NpgsqlDataSource.Create(builder);
    }

    /// <summary>Connections per store unless the connection string sets <c>Maximum Pool Size</c>.</summary>
    public const int DefaultMaxPoolSize = 20;

    private static bool SetsPoolSize(string connectionString)
    {
        var raw = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return raw.Keys.Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal))
            .Any(k => k.Equals("MaximumPoolSize", StringComparison.OrdinalIgnoreCase) || k.Equals("MaxPoolSize", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The store's name for messages, e.g. "PostgreSQL journal at db.local:5432/emulator (schema emu)".</summary>
    public string Name { get; }

    /// <summary>The schema holding the store's tables.</summary>
    public string SchemaName { get; }

    /// <summary>The schema name quoted for SQL.</summary>
    public string QuotedSchema { get; }

    /// <summary>Pooled connections to the database.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The schema-qualified, quoted name of <paramref name="table"/>.</summary>
    public string Table(string table) => $"{QuotedSchema}.{QuoteIdentifier(table)}";

    /// <summary>
    /// Connects, creates the schema if missing and runs <paramref name="createTablesSql"/>. Several stores and
    /// processes may start against the same schema at once, and concurrent CREATE ... IF NOT EXISTS of the same
    /// object can still fail on PostgreSQL's catalog constraints, so creation holds a transaction-scoped advisory
    /// lock keyed by the schema.
    /// </summary>
    public async Task CreateTablesAsync(string createTablesSql, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var lockSchema = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext($1))", connection, transaction))
            {
                lockSchema.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"emulator-schema:{SchemaName}" });
                await lockSchema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            // Checked first rather than relying on IF NOT EXISTS alone: a role allowed to use an existing schema
            // may not be allowed to create one.
            bool schemaExists;
            await using (var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", connection, transaction))
            {
                exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SchemaName });
                schemaExists = (bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }
            var sql = schemaExists ? createTablesSql : $"CREATE SCHEMA IF NOT EXISTS {QuotedSchema};\n{createTablesSql}";
            await using (var create = new NpgsqlCommand(sql, connection, transaction))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStorageFailure(e))
        {
            throw Unavailable(e);
        }
    }

    /// <summary>Wraps a storage failure in an exception whose message names the store and the server.</summary>
    public StoreUnavailableException Unavailable(Exception cause) => new($"{Name}: {cause.Message}", cause);

    /// <summary>True for failures of the server or the connection, which are reported as <see cref="StoreUnavailableException"/>.</summary>
    public static bool IsStorageFailure(Exception e) => e is NpgsqlException or TimeoutException;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    private static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
