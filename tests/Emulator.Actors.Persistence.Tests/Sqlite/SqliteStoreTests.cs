using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Snapshot;
using Emulator.Actors.Persistence.Sqlite;
using static Emulator.Actors.Persistence.Tests.Conformance.Rows;

namespace Emulator.Actors.Persistence.Tests.Sqlite;

/// <summary>What only the SQLite stores have to get right: the file they are given, and what survives in it.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private readonly TemporaryDatabaseFile _file = new("sqlite-store");
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"sqlite-store-{Guid.NewGuid():N}");

    public SqliteStoreTests()
    {
        Directory.CreateDirectory(_directory);
    }

    public void Dispose()
    {
        _file.Delete();
        Directory.Delete(_directory, recursive: true);
    }

    public static TheoryData<string> StoreKinds => ["journal", "snapshot store"];

    private static IAsyncDisposable Open(string kind, string path, out Func<Task> initialize)
    {
        if (kind == "journal")
        {
            var journal = new SqliteJournalStore(path);
            initialize = () => journal.InitializeAsync();
            return journal;
        }
        var snapshots = new SqliteSnapshotStore(path);
        initialize = () => snapshots.InitializeAsync();
        return snapshots;
    }

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task A_file_that_is_not_a_database_fails_initialization_and_is_left_untouched(string kind)
    {
        var bytes = new byte[16 * 1024];
        new Random(20260101).NextBytes(bytes);
        await File.WriteAllBytesAsync(_file.Path, bytes);
        var lastWrite = File.GetLastWriteTimeUtc(_file.Path);

        await using var store = Open(kind, _file.Path, out var initialize);
        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(initialize);

        Assert.Equal($"SQLite {kind} at {_file.Path}: file is not a database", failure.Message);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_file.Path));
        Assert.Equal(lastWrite, File.GetLastWriteTimeUtc(_file.Path));
        Assert.False(File.Exists(_file.Path + "-wal"), "no WAL is created next to a file that is not a database");
    }

    [Theory]
    [MemberData(nameof(StoreKinds))]
    public async Task A_directory_given_as_the_file_fails_initialization_naming_it(string kind)
    {
        await using var store = Open(kind, _directory, out var initialize);

        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(initialize);

        Assert.Equal($"SQLite {kind} at {_directory}: unable to open database file", failure.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public async Task A_path_below_a_regular_file_fails_initialization_naming_it()
    {
        var notADirectory = Path.Combine(_directory, "notes.txt");
        await File.WriteAllTextAsync(notADirectory, "not a directory");
        var path = Path.Combine(notADirectory, "emulator.db");
        await using var journal = new SqliteJournalStore(path);

        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(() => journal.InitializeAsync());

        Assert.StartsWith($"SQLite journal at {path}: ", failure.Message);
        Assert.Equal("not a directory", await File.ReadAllTextAsync(notADirectory));
    }

    [Fact]
    public async Task A_store_must_be_initialized_before_use()
    {
        await using var journal = new SqliteJournalStore(_file.Path);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => journal.WriteAsync([Write("pod", 1, 1)]));

        Assert.Contains(journal.Name, failure.Message);
        Assert.False(File.Exists(_file.Path));
    }

    [Fact]
    public async Task Events_highest_sequence_numbers_and_tags_survive_reopening_the_file()
    {
        await using (var journal = new SqliteJournalStore(_file.Path))
        {
            await journal.InitializeAsync();
            await journal.WriteAsync([Write("pod", 1, 3, "pods"), Write("node", 1, 2)]);
            await journal.DeleteToAsync("node", 2);
        }

        await using var reopened = new SqliteJournalStore(_file.Path);
        await reopened.InitializeAsync();

        Assert.Equal(Expected("pod", 1, 2, 3), Describe(await reopened.ReadByPersistenceIdAsync("pod", 0, long.MaxValue, long.MaxValue)));
        Assert.Equal(Expected("pod", 1, 2, 3), Describe(await reopened.ReadByTagAsync("pods", 0, int.MaxValue)));
        Assert.Equal(2, await reopened.ReadHighestSequenceNrAsync("node"));
        Assert.Equal(["node", "pod"], await reopened.ReadPersistenceIdsAsync());
        // The reopened store continues each sequence where the file left it.
        var results = await reopened.WriteAsync([Write("pod", 3, 3), Write("pod", 4, 4), Write("node", 2, 2), Write("node", 3, 3)]);
        Assert.IsType<JournalWriteRejectedException>(results[0]);
        Assert.Null(results[1]);
        Assert.IsType<JournalWriteRejectedException>(results[2]);
        Assert.Null(results[3]);
        // Orderings are never reused, even for deleted rows.
        var all = await reopened.ReadAllAsync(0, int.MaxValue);
        Assert.Equal([1, 2, 3, 6, 7], all.Select(row => row.Ordering));
    }

    [Fact]
    public async Task Journal_and_snapshots_share_one_file_and_both_survive_reopening()
    {
        var snapshot = new SnapshotRow(new SnapshotMetadata("pod", 3, BaseTime), "pod.state.v1", [1, 2, 3]);
        await using (var journal = new SqliteJournalStore(_file.Path))
        await using (var snapshots = new SqliteSnapshotStore(_file.Path))
        {
            await Task.WhenAll(journal.InitializeAsync(), snapshots.InitializeAsync());
            await Task.WhenAll(journal.WriteAsync([Write("pod", 1, 3)]), snapshots.SaveAsync(snapshot));
        }

        await using var reopenedJournal = new SqliteJournalStore(_file.Path);
        await using var reopenedSnapshots = new SqliteSnapshotStore(_file.Path);
        await reopenedJournal.InitializeAsync();
        await reopenedSnapshots.InitializeAsync();

        Assert.Equal(3, await reopenedJournal.ReadHighestSequenceNrAsync("pod"));
        var loaded = await reopenedSnapshots.LoadAsync("pod", SnapshotSelectionCriteria.Latest);
        Assert.Equal(snapshot.Metadata, loaded?.Metadata);
        Assert.Equal(snapshot.Payload, loaded?.Payload);
    }

    [Fact]
    public async Task A_second_writer_on_the_same_file_is_seen_by_the_first()
    {
        // Two stores on one file stand for two processes: each caches highest sequence numbers, and must notice
        // what the other committed instead of trusting its cache.
        await using var first = new SqliteJournalStore(_file.Path);
        await using var second = new SqliteJournalStore(_file.Path);
        await first.InitializeAsync();
        await second.InitializeAsync();
        Assert.Null(Assert.Single(await first.WriteAsync([Write("pod", 1, 2)])));

        Assert.Null(Assert.Single(await second.WriteAsync([Write("pod", 3, 3)])));
        var results = await first.WriteAsync([Write("pod", 3, 3), Write("pod", 4, 4)]);

        Assert.IsType<JournalWriteRejectedException>(results[0]);
        Assert.Null(results[1]);
        Assert.Equal(Expected("pod", 1, 2, 3, 4), Describe(await first.ReadByPersistenceIdAsync("pod", 0, long.MaxValue, long.MaxValue)));
    }

    [Fact]
    public async Task Concurrent_writers_on_one_file_commit_orderings_in_order_for_a_live_reader()
    {
        // A live query remembers the last ordering it saw and asks for what follows. If a commit could make a
        // lower ordering visible after a higher one, the reader would skip it for good.
        await using var first = new SqliteJournalStore(_file.Path);
        await using var second = new SqliteJournalStore(_file.Path);
        await first.InitializeAsync();
        await second.InitializeAsync();
        const int Batches = 40;
        const int EventsPerBatch = 5;

        async Task WriteManyAsync(IJournalStore store, string persistenceId)
        {
            for (var batch = 0; batch < Batches; batch++)
            {
                var from = (batch * EventsPerBatch) + 1;
                Assert.Null(Assert.Single(await store.WriteAsync([Write(persistenceId, from, from + EventsPerBatch - 1)])));
            }
        }

        var writers = Task.WhenAll(Task.Run(() => WriteManyAsync(first, "pod")), Task.Run(() => WriteManyAsync(second, "node")));
        var seen = new List<JournalRow>();
        var offset = 0L;
        while (true)
        {
            var done = writers.IsCompleted;
            var page = await first.ReadAllAsync(offset, 100);
            seen.AddRange(page);
            offset = page.Count > 0 ? page[^1].Ordering : offset;
            if (done && page.Count == 0)
            {
                break;
            }
        }
        await writers;

        Assert.Equal(2 * Batches * EventsPerBatch, seen.Count);
        Assert.Equal(Range(1, Batches * EventsPerBatch), seen.Where(row => row.PersistenceId == "pod").Select(row => row.SequenceNr));
        Assert.Equal(Range(1, Batches * EventsPerBatch), seen.Where(row => row.PersistenceId == "node").Select(row => row.SequenceNr));
    }

    [Theory]
    [InlineData(SqliteSynchronous.Off)]
    [InlineData(SqliteSynchronous.Normal)]
    [InlineData(SqliteSynchronous.Full)]
    [InlineData(SqliteSynchronous.Extra)]
    public async Task Every_synchronous_setting_stores_and_reads(SqliteSynchronous synchronous)
    {
        await using var journal = new SqliteJournalStore(_file.Path, new SqliteStoreOptions(synchronous, TimeSpan.FromSeconds(1)));
        await journal.InitializeAsync();

        Assert.Null(Assert.Single(await journal.WriteAsync([Write("pod", 1, 2)])));

        Assert.Equal(2, await journal.ReadHighestSequenceNrAsync("pod"));
    }

    [Fact]
    public async Task The_name_gives_the_absolute_path()
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, _file.Path);
        await using var journal = new SqliteJournalStore(relative);
        await using var snapshots = new SqliteSnapshotStore(relative);

        Assert.Equal($"SQLite journal at {_file.Path}", journal.Name);
        Assert.Equal($"SQLite snapshot store at {_file.Path}", snapshots.Name);
        Assert.Equal(_file.Path, journal.DatabasePath);
    }
}
