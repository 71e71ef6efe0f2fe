using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Snapshot;
using Emulator.Actors.Persistence.Sqlite;
using Emulator.Actors.Persistence.Tests.Conformance;
using Microsoft.Data.Sqlite;

namespace Emulator.Actors.Persistence.Tests.Sqlite;

public sealed class SqliteJournalConformanceTests : JournalConformance
{
    private readonly TemporaryDatabaseFile _file = new("journal-conformance");

    protected override IJournalStore CreateJournal() => new SqliteJournalStore(_file.Path);

    /// <summary>
    /// Another connection stores event 2 of the id behind the store's back (without its metadata), so the
    /// store's validation accepts events 1..3 and the insert then violates the unique key.
    /// </summary>
    protected override async Task ArrangeStorageFailureAsync(string persistenceId)
    {
        await using var connection = new SqliteConnection($"Data Source={_file.Path};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO journal (persistence_id, sequence_nr, timestamp, tags, manifest, payload, writer_uuid)
            VALUES ($id, 2, 0, NULL, 'foreign', x'00', 'another-writer')
            """;
        command.Parameters.AddWithValue("$id", persistenceId);
        await command.ExecuteNonQueryAsync();
    }

    protected override Task CleanUpAsync()
    {
        _file.Delete();
        return Task.CompletedTask;
    }
}

public sealed class SqliteSnapshotStoreConformanceTests : SnapshotStoreConformance
{
    private readonly TemporaryDatabaseFile _file = new("snapshot-conformance");

    protected override ISnapshotStore CreateSnapshotStore() => new SqliteSnapshotStore(_file.Path);

    protected override Task CleanUpAsync()
    {
        _file.Delete();
        return Task.CompletedTask;
    }
}
