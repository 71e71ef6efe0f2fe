using Akka.Configuration;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Tests.Support;

namespace Emulator.Runtime.Tests.Persistence;

/// <summary>The persistent-actor contract on Akka.Persistence.Sql with SQLite, in a temp file per test.</summary>
public sealed class SqlitePersistentActorTests : PersistentActorContract
{
    private readonly TemporaryDatabaseFile _database = new("persistence");

    protected override Config StoreConfig => JournalSettings.Sqlite(_database.Path);

    protected override string[] ExpectedTables => ["event_journal", "snapshot"];

    protected override IReadOnlyCollection<string> TableNames() =>
        SqliteQuery.Rows(_database.Path, "SELECT name FROM sqlite_master WHERE type = 'table'").Select(r => (string)r[0]).ToList();

    protected override IReadOnlyList<(long SequenceNr, string Manifest, long SerializerId)> StoredEvents(string persistenceId) =>
        Describe(SqliteQuery.Rows(_database.Path, "SELECT sequence_nr, manifest, serializer_id FROM event_journal WHERE persistence_id = $1 ORDER BY sequence_nr", persistenceId));

    protected override IReadOnlyList<(long SequenceNr, string Manifest, long SerializerId)> StoredSnapshots(string persistenceId) =>
        Describe(SqliteQuery.Rows(_database.Path, "SELECT sequence_nr, manifest, serializer_id FROM snapshot WHERE persistence_id = $1 ORDER BY sequence_nr", persistenceId));

    private static List<(long, string, long)> Describe(List<object[]> rows) =>
        rows.Select(r => (Convert.ToInt64(r[0]), r[1] as string ?? "", r[2] is DBNull ? -1L : Convert.ToInt64(r[2]))).ToList();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _database.Dispose();
    }
}
