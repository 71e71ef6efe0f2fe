using Npgsql;

namespace Emulator.Actors.Persistence.Tests.PostgreSql;

/// <summary>
/// A schema of its own for one test class, dropped with everything in it when the class is done. The stores
/// under test create the schema themselves on initialization.
/// </summary>
public sealed class PostgresSchemaFixture : IAsyncLifetime
{
    public string SchemaName { get; } = $"emulator_test_{Guid.NewGuid():N}";

    /// <summary>The server's connection string; the tests using it are skipped when there is none (outside CI).</summary>
    public string ConnectionString => PostgresTestEnvironment.RequireConnectionString();

    public Task InitializeAsync()
    {
        // Outside CI without a server the class's tests are skipped; in CI this fails them all with the reason.
        if (PostgresTestEnvironment.SkipReason is null)
        {
            _ = PostgresTestEnvironment.RequireConnectionString();
        }
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (PostgresTestEnvironment.ConnectionString is not { } connectionString)
        {
            return;
        }
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{SchemaName}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Runs SQL against the schema directly, bypassing the stores (to arrange what they must cope with).</summary>
    public async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", $"\"{SchemaName}\"", StringComparison.Ordinal), connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync();
    }
}
