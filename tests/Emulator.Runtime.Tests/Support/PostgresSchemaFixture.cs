using Akka.Configuration;
using Emulator.Runtime.Persistence;
using Npgsql;

namespace Emulator.Runtime.Tests.Support;

/// <summary>
/// A schema of its own for one test class, so runs and classes never see each other's tables; dropped with everything
/// in it when the class is done. Akka.Persistence.Sql creates its tables (auto-initialize) but not the schema they
/// live in, so the schema is created here first.
/// </summary>
public sealed class PostgresSchemaFixture : IAsyncLifetime
{
    public string SchemaName { get; } = $"emulator_test_{Guid.NewGuid():N}";

    /// <summary>The server's connection string; the tests using it are skipped when there is none (outside CI).</summary>
    public string ConnectionString => PostgresTestEnvironment.RequireConnectionString();

    /// <summary>Journal and snapshot store on this schema.</summary>
    public Config JournalConfig => ForSchema(SchemaName).WithFallback(JournalSettings.PostgreSql(ConnectionString));

    /// <summary>Settings that put the PostgreSQL table mapping of the journal, snapshot store and read journal in <paramref name="schema"/>.</summary>
    public static Config ForSchema(string schema) => ConfigurationFactory.ParseString($$"""
        akka.persistence.journal.sql.postgresql.schema-name = "{{schema}}"
        akka.persistence.snapshot-store.sql.postgresql.schema-name = "{{schema}}"
        akka.persistence.query.journal.sql.postgresql.schema-name = "{{schema}}"
        """);

    public async Task InitializeAsync()
    {
        // Outside CI without a server the class's tests are skipped; in CI this fails them all with the reason.
        if (PostgresTestEnvironment.SkipReason is not null)
        {
            return;
        }
        await ExecuteAsync($"CREATE SCHEMA \"{SchemaName}\"");
    }

    public async Task DisposeAsync()
    {
        if (PostgresTestEnvironment.ConnectionString is null)
        {
            return;
        }
        await ExecuteAsync($"DROP SCHEMA IF EXISTS \"{SchemaName}\" CASCADE");
    }

    /// <summary>Runs SQL against the server directly, bypassing Akka (to arrange or inspect what the plugin stored).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a query against the schema (<c>{schema}</c> in <paramref name="sql"/> names it) and returns its rows.</summary>
    public async Task<List<object[]>> QueryAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", $"\"{SchemaName}\"", StringComparison.Ordinal), connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }
}
