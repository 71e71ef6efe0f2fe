using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.PostgreSql;
using Emulator.Actors.Persistence.Snapshot;
using static Emulator.Actors.Persistence.Tests.Conformance.Rows;

namespace Emulator.Actors.Persistence.Tests.PostgreSql;

/// <summary>What only the PostgreSQL stores have to get right: the server they are given, and several writers.</summary>
public sealed class PostgreSqlStoreTests(PostgresSchemaFixture schema) : IClassFixture<PostgresSchemaFixture>
{
    private readonly string _testId = Guid.NewGuid().ToString("N")[..8];

    private string Pid(string name) => $"{name}-{_testId}";

    [PostgresFact]
    public async Task Journal_and_snapshots_initialize_together_in_a_new_schema_and_again_on_restart()
    {
        await using (var journal = new PostgreSqlJournalStore(schema.ConnectionString, schema.SchemaName))
        await using (var snapshots = new PostgreSqlSnapshotStore(schema.ConnectionString, schema.SchemaName))
        {
            await Task.WhenAll(journal.InitializeAsync(), snapshots.InitializeAsync());
            await journal.WriteAsync([Write(Pid("pod"), 1, 2)]);
            await snapshots.SaveAsync(new SnapshotRow(new SnapshotMetadata(Pid("pod"), 2, BaseTime), "pod.state.v1", [7]));
        }

        await using var restartedJournal = new PostgreSqlJournalStore(schema.ConnectionString, schema.SchemaName);
        await using var restartedSnapshots = new PostgreSqlSnapshotStore(schema.ConnectionString, schema.SchemaName);
        await restartedJournal.InitializeAsync();
        await restartedSnapshots.InitializeAsync();

        Assert.Equal(2, await restartedJournal.ReadHighestSequenceNrAsync(Pid("pod")));
        Assert.Equal(2, (await restartedSnapshots.LoadAsync(Pid("pod"), SnapshotSelectionCriteria.Latest))?.Metadata.SequenceNr);
    }

    [PostgresFact]
    public async Task A_second_writer_process_is_seen_by_the_first()
    {
        // Two stores stand for two processes, as when an actor moves to another node: the first must not trust
        // anything it remembers about the id.
        await using var first = new PostgreSqlJournalStore(schema.ConnectionString, schema.SchemaName);
        await using var second = new PostgreSqlJournalStore(schema.ConnectionString, schema.SchemaName);
        await first.InitializeAsync();
        await second.InitializeAsync();
        var pod = Pid("pod");
        Assert.Null(Assert.Single(await first.WriteAsync([Write(pod, 1, 2)])));

        Assert.Null(Assert.Single(await second.WriteAsync([Write(pod, 3, 3)])));
        var results = await first.WriteAsync([Write(pod, 3, 3), Write(pod, 4, 4)]);

        Assert.IsType<JournalWriteRejectedException>(results[0]);
        Assert.Null(results[1]);
        Assert.Equal(Expected(pod, 1, 2, 3, 4), Describe(await first.ReadByPersistenceIdAsync(pod, 0, long.MaxValue, long.MaxValue)));
    }

    [PostgresFact]
    public async Task Concurrent_writer_processes_commit_orderings_in_order_for_a_live_reader()
    {
        // A live query remembers the last ordering it saw and asks for what follows. Without the table lock, a
        // transaction holding a lower ordering could commit after one holding a higher ordering was read, and
        // the reader would skip it for good.
        await using var first = new PostgreSqlJournalStore(schema.ConnectionString, schema.SchemaName);
        await using var second = new PostgreSqlJournalStore(schema.ConnectionString, schema.SchemaName);
        await using var third = new PostgreSqlJournalStore(schema.ConnectionString, schema.SchemaName);
        await first.InitializeAsync();
        await second.InitializeAsync();
        await third.InitializeAsync();
        var stores = new[] { first, second, third };
        var ids = stores.Select((_, index) => Pid($"pod{index}")).ToArray();
        const int Batches = 40;
        const int EventsPerBatch = 5;
        var offset = 0L;
        while (await first.ReadAllAsync(offset, 1000) is { Count: > 0 } existing)
        {
            offset = existing[^1].Ordering;
        }

        async Task WriteManyAsync(IJournalStore store, string persistenceId)
        {
            for (var batch = 0; batch < Batches; batch++)
            {
                var from = (batch * EventsPerBatch) + 1;
                Assert.Null(Assert.Single(await store.WriteAsync([Write(persistenceId, from, from + EventsPerBatch - 1)])));
            }
        }

        var writers = Task.WhenAll(stores.Select((store, index) => Task.Run(() => WriteManyAsync(store, ids[index]))));
        var seen = new List<JournalRow>();
        while (true)
        {
            var done = writers.IsCompleted;
            var page = await first.ReadAllAsync(offset, 100);
            seen.AddRange(page.Where(row => ids.Contains(row.PersistenceId)));
            offset = page.Count > 0 ? page[^1].Ordering : offset;
            if (done && page.Count == 0)
            {
                break;
            }
        }
        await writers;

        Assert.Equal(stores.Length * Batches * EventsPerBatch, seen.Count);
        foreach (var id in ids)
        {
            Assert.Equal(Range(1, Batches * EventsPerBatch), seen.Where(row => row.PersistenceId == id).Select(row => row.SequenceNr));
        }
    }

    [PostgresFact]
    public async Task A_schema_name_needing_quotes_is_used_as_given()
    {
        var quotedSchema = $"Emulator \"Test\" {_testId}";
        try
        {
            await using var journal = new PostgreSqlJournalStore(schema.ConnectionString, quotedSchema);
            await journal.InitializeAsync();
            await journal.WriteAsync([Write("pod", 1, 1, "pods")]);
            Assert.Equal(Expected("pod", 1), Describe(await journal.ReadByTagAsync("pods", 0, 10)));
        }
        finally
        {
            await schema.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{quotedSchema.Replace("\"", "\"\"", StringComparison.Ordinal)}\" CASCADE");
        }
    }
}

public sealed class PostgreSqlPoolTests(PostgresSchemaFixture schema) : IClassFixture<PostgresSchemaFixture>
{
    /// <summary>Thousands of actors recovering at once must queue for connections, not exhaust the server's max_connections.</summary>
    [PostgresFact]
    public async Task Concurrent_reads_stay_within_the_default_pool()
    {
        await using var journal = new PostgreSqlJournalStore(schema.ConnectionString, schema.SchemaName);
        await journal.InitializeAsync();
        var peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            await using var connection = new Npgsql.NpgsqlConnection(schema.ConnectionString);
            await connection.OpenAsync();
            while (!sampling.IsCancellationRequested)
            {
                await using var count = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%{schema.SchemaName}%' AND pid <> pg_backend_pid()", connection);
                peak = Math.Max(peak, Convert.ToInt32(await count.ExecuteScalarAsync()));
            }
        });
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => journal.ReadHighestSequenceNrAsync($"id-{i}")));
        await sampling.CancelAsync();
        await sampler;
        Assert.InRange(peak, 1, 20);
    }
}
