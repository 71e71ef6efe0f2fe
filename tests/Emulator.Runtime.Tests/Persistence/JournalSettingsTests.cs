using Akka.Actor;
using Akka.Configuration;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Tests.Support;
using Emulator.Runtime.Time;

namespace Emulator.Runtime.Tests.Persistence;

/// <summary>The journal settings as a host composes them: plugins, connection, and the tuning that must reach the plugin.</summary>
public sealed class JournalSettingsTests
{
    /// <summary>How a host builds its configuration (see PORTING.md): time, then journal, then the runtime defaults.</summary>
    private static Config AsAHostComposesIt(Config journal) =>
        EmulatedTime.ScaledConfig(1).WithFallback(journal).WithFallback(RuntimeConfig.Defaults);

    public static TheoryData<string> Databases => ["sqlite", "postgresql"];

    private static Config Journal(string database, string path) => database == "sqlite"
        ? JournalSettings.Sqlite(path)
        : JournalSettings.PostgreSql("Host=127.0.0.1;Port=1;Database=none");

    [Theory]
    [MemberData(nameof(Databases))]
    public void The_group_commit_and_query_tuning_reaches_the_plugins(string database)
    {
        using var file = new TemporaryDatabaseFile("settings");
        var config = AsAHostComposesIt(Journal(database, file.Path));

        // The SQL plugin's own defaults (batch-size 100, buffer-size 5000, parallelism 3, refresh 1 s) must not win.
        Assert.Equal(1000, config.GetInt("akka.persistence.journal.sql.batch-size"));
        Assert.Equal(20, config.GetInt("akka.persistence.journal.sql.db-round-trip-max-batch-size"));
        Assert.Equal(20000, config.GetInt("akka.persistence.journal.sql.buffer-size"));
        Assert.Equal(2, config.GetInt("akka.persistence.journal.sql.parallelism"));
        Assert.Equal(TimeSpan.FromMilliseconds(50), config.GetTimeSpan("akka.persistence.query.journal.sql.refresh-interval"));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public void The_sql_plugins_are_selected_with_the_databases_table_mapping(string database)
    {
        using var file = new TemporaryDatabaseFile("settings");
        var config = AsAHostComposesIt(Journal(database, file.Path));

        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal(database, config.GetString("akka.persistence.journal.sql.table-mapping"));
        Assert.Equal(database, config.GetString("akka.persistence.snapshot-store.sql.table-mapping"));
        Assert.True(config.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        Assert.False(string.IsNullOrEmpty(config.GetString("akka.persistence.journal.sql.class")));
    }

    [Fact]
    public void The_time_settings_of_the_host_are_not_overridden_by_the_journal_settings()
    {
        using var file = new TemporaryDatabaseFile("settings");
        var config = EmulatedTime.VirtualConfig().WithFallback(JournalSettings.Sqlite(file.Path)).WithFallback(RuntimeConfig.Defaults);

        Assert.Equal("virtual", config.GetString("emulator.time.mode"));
    }

    [Fact]
    public void PostgreSql_members_that_share_a_journal_can_leave_table_creation_to_one()
    {
        var config = JournalSettings.PostgreSql("Host=db;Database=emulator", autoInitialize: false);

        Assert.False(config.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        Assert.False(config.GetBoolean("akka.persistence.snapshot-store.sql.auto-initialize"));
        Assert.Equal("Host=db;Database=emulator", config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal("Host=db;Database=emulator", config.GetString("akka.persistence.query.journal.sql.connection-string"));
    }

    [Fact]
    public void A_path_with_quotes_and_backslashes_reaches_the_connection_string_intact()
    {
        var directory = Directory.CreateTempSubdirectory("emulator \"quoted\" \\ dir").FullName;
        try
        {
            var path = Path.Combine(directory, "journal.db");
            var config = JournalSettings.Sqlite(path);

            Assert.Contains(path, config.GetString("akka.persistence.journal.sql.connection-string"), StringComparison.Ordinal);
            Assert.True(File.Exists(path), "the file is created (and switched to WAL) up front");
            Assert.Equal("wal", (string)SqliteQuery.Rows(path, "PRAGMA journal_mode")[0][0]);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_in_memory_plugins_are_akkas_own()
    {
        var config = JournalSettings.InMemory();
        Assert.Equal("akka.persistence.journal.inmem", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.inmem", config.GetString("akka.persistence.snapshot-store.plugin"));
        using var system = ActorSystem.Create("inmem", config.WithFallback(RuntimeConfig.Defaults));
        Assert.NotNull(Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null));
        await system.Terminate();
    }
}
