using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace Emulator.Runtime.Persistence;

/// <summary>
/// Where an actor system's journal and snapshots live: Akka.Persistence.Sql on SQLite (one file; the single-process
/// default), on PostgreSQL (a journal several processes share), or Akka's in-memory plugins (tests). Tuning shared by
/// both SQL stores (batch sizes, parallelism) lives in <c>reference.conf</c>, above the plugin's own defaults
/// (<see cref="RuntimeConfig.Defaults"/>): use these settings over the runtime defaults.
/// </summary>
public static class JournalSettings
{
    /// <summary>
    /// Akka.Persistence.Sql on the SQLite file <paramref name="path"/> (created with its tables if missing). The file is
    /// switched to write-ahead logging first: with WAL a commit is one append, and the journal writes twice as fast.
    /// </summary>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">The file cannot be opened as a database.</exception>
    /// <exception cref="IOException">Its directory cannot be created.</exception>
    public static Config Sqlite(string path)
    {
        var full = Path.GetFullPath(path);
        EnableWriteAheadLog(full);
        var connection = new SqliteConnectionStringBuilder { DataSource = full, Pooling = true }.ToString();
        return Sql(connection, "SQLite.MS", "sqlite");
    }

    /// <summary>Akka.Persistence.Sql on PostgreSQL (<paramref name="connectionString"/> in Npgsql's format).</summary>
    /// <param name="connectionString">The database.</param>
    /// <param name="autoInitialize">Create the tables when missing; members that share a journal create it once, up front.</param>
    public static Config PostgreSql(string connectionString, bool autoInitialize = true) =>
        Sql(connectionString, "PostgreSQL.15", "postgresql", autoInitialize);

    /// <summary>Akka's in-memory journal and snapshot store (tests; nothing survives the system).</summary>
    public static Config InMemory() => ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """);

    /// <summary>
    /// <paramref name="journal"/> with its journal plugin wrapped in the <see cref="DelayableJournal"/>, so that the
    /// console and chaos experiments can delay the journal's acknowledgements (<see cref="JournalDelay"/>) while the
    /// events still go where <paramref name="journal"/> says. Without a delay the wrapper only passes messages on.
    /// </summary>
    public static Config Delayable(Config journal)
    {
        var inner = InnerPlugin(journal);
        return ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.plugin = "{{DelayableJournal.PluginId}}"
            {{DelayableJournal.PluginId}} {
              class = "{{typeof(DelayableJournal).FullName}}, {{typeof(DelayableJournal).Assembly.GetName().Name}}"
              plugin-dispatcher = "akka.persistence.dispatchers.default-plugin-dispatcher"
              inner = "{{inner}}"
            }
            """).WithFallback(journal);
    }

    /// <summary>The journal plugin that holds the events: the configured one, or the one the delayable journal wraps.</summary>
    public static string InnerPlugin(Config config)
    {
        var plugin = config.GetString("akka.persistence.journal.plugin", "");
        return plugin == DelayableJournal.PluginId ? config.GetString(DelayableJournal.PluginId + ".inner", "") : plugin;
    }

    private static Config Sql(string connectionString, string provider, string mapping, bool autoInitialize = true) =>
        ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal.plugin = "akka.persistence.journal.sql"
              journal.sql {
                connection-string = {{Quote(connectionString)}}
                provider-name = {{Quote(provider)}}
                table-mapping = {{mapping}}
                auto-initialize = {{(autoInitialize ? "on" : "off")}}
                # Types without a binding of their own go to the event serializer, which refuses unregistered ones: the
                # write is rejected instead of stored under a CLR type name by Akka's catch-all JSON serializer.
                serializer = {{Serialization.EventSerialization.SerializerName}}
              }
              snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
              snapshot-store.sql {
                connection-string = {{Quote(connectionString)}}
                provider-name = {{Quote(provider)}}
                table-mapping = {{mapping}}
                auto-initialize = {{(autoInitialize ? "on" : "off")}}
                serializer = {{Serialization.EventSerialization.SerializerName}}
              }
              query.journal.sql {
                connection-string = {{Quote(connectionString)}}
                provider-name = {{Quote(provider)}}
                table-mapping = {{mapping}}
                serializer = {{Serialization.EventSerialization.SerializerName}}
              }
            }
            """);

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static void EnableWriteAheadLog(string path)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        // WAL is a property of the file: set once, every later connection uses it.
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }
}
