using Akka.Actor;
using Akka.Configuration;
using Emulator.Runtime.Tests.Support;

namespace Emulator.Runtime.Tests.Persistence;

/// <summary>
/// The persistent-actor contract on Akka.Persistence.Sql with PostgreSQL (<c>EMULATOR_TEST_POSTGRES</c>), in a schema
/// of its own; skipped without a server outside CI, failed without one in CI.
/// </summary>
[RequiresPostgres]
public sealed class PostgreSqlPersistentActorTests(PostgresSchemaFixture schema) : PersistentActorContract, IClassFixture<PostgresSchemaFixture>
{
    protected override Config StoreConfig => schema.JournalConfig;

    protected override string[] ExpectedTables => ["event_journal", "snapshot_store"];

    protected override IReadOnlyCollection<string> TableNames() =>
        schema.QueryAsync("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema.SchemaName)
            .GetAwaiter().GetResult().Select(r => (string)r[0]).ToList();

    protected override IReadOnlyList<(long SequenceNr, string Manifest, long SerializerId)> StoredEvents(string persistenceId) =>
        Describe(schema.QueryAsync("SELECT sequence_nr, manifest, serializer_id FROM {schema}.event_journal WHERE persistence_id = $1 ORDER BY sequence_nr", persistenceId).GetAwaiter().GetResult());

    protected override IReadOnlyList<(long SequenceNr, string Manifest, long SerializerId)> StoredSnapshots(string persistenceId) =>
        Describe(schema.QueryAsync("SELECT sequence_nr, manifest, serializer_id FROM {schema}.snapshot_store WHERE persistence_id = $1 ORDER BY sequence_nr", persistenceId).GetAwaiter().GetResult());

    [PostgresFact]
    public void The_tables_are_created_in_the_configured_schema_not_in_public()
    {
        var system = StartSystem();
        var probe = CreateTestProbe(system);
        system.ActorOf(Akka.Actor.Props.Create(() => new Probe(probe.Ref)));
        probe.ExpectMsg("recovered");

        AwaitAssert(() => Assert.Contains("event_journal", TableNames()));
        var inPublic = schema.QueryAsync("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'event_journal'").GetAwaiter().GetResult();
        Assert.Equal(0L, Convert.ToInt64(inPublic[0][0]));
    }

    private static List<(long, string, long)> Describe(List<object[]> rows) =>
        rows.Select(r => (Convert.ToInt64(r[0]), r[1] as string ?? "", r[2] is DBNull ? -1L : Convert.ToInt64(r[2]))).ToList();

    private sealed class Probe(Akka.Actor.IActorRef probe) : Akka.Persistence.PersistentActor
    {
        public override string PersistenceId => "schema-probe";

        protected override bool ReceiveRecover(object message)
        {
            if (message is Akka.Persistence.RecoveryCompleted)
            {
                probe.Tell("recovered");
            }
            return true;
        }

        protected override bool ReceiveCommand(object message) => false;
    }
}
