using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.PostgreSql;
using Emulator.Actors.Persistence.Snapshot;
using Emulator.Actors.Persistence.Tests.Conformance;

namespace Emulator.Actors.Persistence.Tests.PostgreSql;

[RequiresPostgres]
public sealed class PostgreSqlJournalConformanceTests(PostgresSchemaFixture schema) : JournalConformance, IClassFixture<PostgresSchemaFixture>
{
    protected override IJournalStore CreateJournal() => new PostgreSqlJournalStore(schema.ConnectionString, schema.SchemaName);

    /// <summary>
    /// Another writer stores event 2 of the id behind the store's back (without its metadata), so the store's
    /// validation accepts events 1..3 and the COPY then violates the unique key.
    /// </summary>
    protected override Task ArrangeStorageFailureAsync(string persistenceId) => schema.ExecuteAsync(
        "INSERT INTO {schema}.journal (persistence_id, sequence_nr, timestamp, tags, manifest, payload, writer_uuid) VALUES ($1, 2, 0, NULL, 'foreign', '\\x00', 'another-writer')",
        persistenceId);
}

[RequiresPostgres]
public sealed class PostgreSqlSnapshotStoreConformanceTests(PostgresSchemaFixture schema) : SnapshotStoreConformance, IClassFixture<PostgresSchemaFixture>
{
    protected override ISnapshotStore CreateSnapshotStore() => new PostgreSqlSnapshotStore(schema.ConnectionString, schema.SchemaName);
}
