using Akka.Configuration;
using Emulator.Runtime.Persistence;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Emulator.Benchmarks;

/// <summary>A journal and snapshot store to measure: its settings, and how to remove what a run stored.</summary>
public sealed record StoreInstance(Config Journal, Action Cleanup);

/// <summary>A kind of store; each run gets a fresh, empty one.</summary>
public sealed record StoreKind(string Name, Func<StoreInstance> Create);

/// <summary>
/// The stores the persistence benchmark runs against, all Akka.Persistence.Sql as the product configures it
/// (<see cref="JournalSettings"/>): SQLite always (a file in the temp directory), PostgreSQL when a server is given
/// (<c>--postgres CONNECTION</c>, or EMULATOR_TEST_POSTGRES / EMULATOR_BENCH_POSTGRES), in a schema of its own per run.
/// </summary>
internal static class PersistenceStores
{
    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var recoveryEvents = Option(args, "--recovery-events") is { } n ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : quick ? 200_000 : 1_000_000;
        var postgres = Option(args, "--postgres")
            ?? NonEmpty(Environment.GetEnvironmentVariable("EMULATOR_TEST_POSTGRES"))
            ?? NonEmpty(Environment.GetEnvironmentVariable("EMULATOR_BENCH_POSTGRES"));
        // --set 'akka.persistence.journal.sql.parallelism = 1' (repeatable): settings over the product's, to try tuning.
        var overrides = Options(args, "--set").Aggregate(Config.Empty, (config, setting) => ConfigurationFactory.ParseString(setting).WithFallback(config));
        var stores = new List<StoreKind> { new("SQLite", () => Sqlite().With(overrides)) };
        if (postgres is not null)
        {
            stores.Add(new StoreKind("PostgreSQL", () => Postgres(postgres).With(overrides)));
        }
        foreach (var setting in Options(args, "--set"))
        {
            Console.WriteLine($"Setting over the product's: {setting}");
        }
        Console.WriteLine($"Persistence benchmark (Akka.Persistence.Sql {typeof(Akka.Persistence.Sql.SqlPersistence).Assembly.GetName().Version}): {Environment.ProcessorCount} cores, .NET {Environment.Version}, 3 runs each, recovery of {recoveryEvents:N0} events{(quick ? " (quick mode: 2 s windows)" : "")}");
        if (postgres is null)
        {
            Console.WriteLine("PostgreSQL: skipped (give --postgres CONNECTION or set EMULATOR_TEST_POSTGRES to include it)");
        }
        // --recovery-only: just the recovery scenarios (writing the events once, then recovering them).
        PersistenceBenchmarks.Run(stores, quick, recoveryEvents, args.Contains("--recovery-only"));
        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static IEnumerable<string> Options(string[] args, string name)
    {
        for (var i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == name)
            {
                yield return args[i + 1];
            }
        }
    }

    private static StoreInstance With(this StoreInstance store, Config overrides) =>
        overrides.IsEmpty ? store : store with { Journal = overrides.WithFallback(store.Journal) };

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static StoreInstance Sqlite()
    {
        var directory = Directory.CreateTempSubdirectory("emulator-bench-").FullName;
        return new StoreInstance(JournalSettings.Sqlite(Path.Combine(directory, "journal.db")), () =>
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        });
    }

    private static StoreInstance Postgres(string connectionString)
    {
        // Akka.Persistence.Sql creates its tables, not the schema they go in.
        var schema = "bench_" + Guid.NewGuid().ToString("N")[..12];
        Execute(connectionString, $"CREATE SCHEMA {schema}");
        var journal = ConfigurationFactory.ParseString($"""
            akka.persistence.journal.sql.postgresql.schema-name = {schema}
            akka.persistence.snapshot-store.sql.postgresql.schema-name = {schema}
            """).WithFallback(JournalSettings.PostgreSql(connectionString));
        return new StoreInstance(journal, () => Execute(connectionString, $"DROP SCHEMA IF EXISTS {schema} CASCADE"));
    }

    private static void Execute(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
