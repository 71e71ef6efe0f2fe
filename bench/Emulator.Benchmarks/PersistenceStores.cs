using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.PostgreSql;
using Emulator.Actors.Persistence.Snapshot;
using Emulator.Actors.Persistence.Sqlite;
using Npgsql;

namespace Emulator.Benchmarks;

/// <summary>The stores the persistence benchmark runs against: SQLite always, PostgreSQL when a server is given.</summary>
internal static class PersistenceStores
{
    private const string PostgresVariable = "EMULATOR_BENCH_POSTGRES";

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var stores = new List<StoreKind>();
        if (args.Contains("--in-memory"))
        {
            stores.Add(new StoreKind("in-memory", () => (new InMemoryJournalStore(), new InMemorySnapshotStore(), () => { })));
        }
        stores.Add(new StoreKind("SQLite", Sqlite));
        var postgres = Environment.GetEnvironmentVariable(PostgresVariable);
        if (!string.IsNullOrEmpty(postgres))
        {
            stores.Add(new StoreKind("PostgreSQL", () => Postgres(postgres)));
        }
        Console.WriteLine($"Persistence benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, 3 runs each{(quick ? " (quick mode: 2 s windows, 200k-event recovery)" : "")}");
        if (string.IsNullOrEmpty(postgres))
        {
            Console.WriteLine($"PostgreSQL: skipped (set {PostgresVariable} to a connection string to include it)");
        }
        PersistenceBenchmarks.Run(stores, quick);
        return 0;
    }

    private static (IJournalStore, ISnapshotStore, Action) Sqlite()
    {
        var directory = Directory.CreateTempSubdirectory("emulator-bench-").FullName;
        var file = Path.Combine(directory, "journal.db");
        return (new SqliteJournalStore(file), new SqliteSnapshotStore(file), () =>
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
        );
    }

    private static (IJournalStore, ISnapshotStore, Action) Postgres(string connectionString)
    {
        var schema = "bench_" + Guid.NewGuid().ToString("N")[..12];
        return (new PostgreSqlJournalStore(connectionString, schema), new PostgreSqlSnapshotStore(connectionString, schema), () =>
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
            drop.ExecuteNonQuery();
        }
        );
    }
}
