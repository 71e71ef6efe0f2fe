using System.Text;
using Emulator.Actors.Persistence.Snapshot;

namespace Emulator.Actors.Persistence.Tests.Conformance;

/// <summary>
/// What every <see cref="ISnapshotStore"/> must do, in the spirit of Akka's SnapshotStoreSpec: each test saves
/// snapshots at sequence numbers 10, 20, 30 and 40 of its own id, one second apart, and selects among them.
/// </summary>
public abstract class SnapshotStoreConformance : IAsyncLifetime
{
    private static readonly DateTimeOffset BaseTime = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);
    private readonly string _testId = Guid.NewGuid().ToString("N")[..8];

    /// <summary>The initialized store under test.</summary>
    protected ISnapshotStore Snapshots { get; private set; } = null!;

    /// <summary>A new store, not yet initialized; each test gets its own.</summary>
    protected abstract ISnapshotStore CreateSnapshotStore();

    /// <summary>Removes what the store left behind (files), after it was disposed.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Snapshots = CreateSnapshotStore();
        await Snapshots.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Snapshots.DisposeAsync();
        await CleanUpAsync();
    }

    protected string Pid(string name) => $"{name}-{_testId}";

    /// <summary>The time of the snapshot taken at <paramref name="sequenceNr"/>: one second per 10 events.</summary>
    private static DateTimeOffset TimeOf(long sequenceNr) => BaseTime.AddSeconds(sequenceNr / 10);

    private static SnapshotRow Snapshot(string persistenceId, long sequenceNr, string state = "state") =>
        new(new SnapshotMetadata(persistenceId, sequenceNr, TimeOf(sequenceNr)), "test.state.v1", Encoding.UTF8.GetBytes($"{state}@{sequenceNr}"));

    private async Task<string> SaveFourAsync(string name = "pod")
    {
        var id = Pid(name);
        foreach (var sequenceNr in new long[] { 10, 20, 30, 40 })
        {
            await Snapshots.SaveAsync(Snapshot(id, sequenceNr));
        }
        return id;
    }

    private async Task<long?> LoadedSequenceNrAsync(string persistenceId, SnapshotSelectionCriteria criteria) =>
        (await Snapshots.LoadAsync(persistenceId, criteria))?.Metadata.SequenceNr;

    [StoreFact]
    public async Task Nothing_is_loaded_for_an_id_without_snapshots()
    {
        Assert.Null(await Snapshots.LoadAsync(Pid("pod"), SnapshotSelectionCriteria.Latest));
    }

    [StoreFact]
    public async Task The_latest_snapshot_is_loaded_with_every_field()
    {
        var pod = await SaveFourAsync();

        var loaded = await Snapshots.LoadAsync(pod, SnapshotSelectionCriteria.Latest);

        Assert.NotNull(loaded);
        Assert.Equal(new SnapshotMetadata(pod, 40, TimeOf(40)), loaded.Metadata);
        Assert.Equal("test.state.v1", loaded.Manifest);
        Assert.Equal("state@40", Encoding.UTF8.GetString(loaded.Payload));
    }

    [StoreFact]
    public async Task Criteria_none_loads_nothing()
    {
        var pod = await SaveFourAsync();

        Assert.Null(await Snapshots.LoadAsync(pod, SnapshotSelectionCriteria.None));
    }

    [StoreFact]
    public async Task The_newest_snapshot_at_or_below_the_maximum_sequence_nr_is_loaded()
    {
        var pod = await SaveFourAsync();

        Assert.Equal(30, await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(35, DateTimeOffset.MaxValue)));
        Assert.Equal(30, await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(30, DateTimeOffset.MaxValue)));
        Assert.Null(await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(9, DateTimeOffset.MaxValue)));
    }

    [StoreFact]
    public async Task The_minimum_sequence_nr_excludes_older_snapshots()
    {
        var pod = await SaveFourAsync();

        Assert.Equal(20, await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(25, DateTimeOffset.MaxValue, MinSequenceNr: 20)));
        Assert.Null(await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(25, DateTimeOffset.MaxValue, MinSequenceNr: 21)));
    }

    [StoreFact]
    public async Task The_maximum_timestamp_excludes_newer_snapshots()
    {
        var pod = await SaveFourAsync();

        Assert.Equal(20, await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(long.MaxValue, TimeOf(20))));
        Assert.Equal(20, await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(long.MaxValue, TimeOf(30).AddTicks(-1))));
        Assert.Null(await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(long.MaxValue, TimeOf(10).AddMilliseconds(-1))));
    }

    [StoreFact]
    public async Task The_minimum_timestamp_excludes_older_snapshots()
    {
        var pod = await SaveFourAsync();

        Assert.Equal(40, await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(long.MaxValue, DateTimeOffset.MaxValue, MinTimestamp: TimeOf(40))));
        Assert.Equal(20, await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(25, DateTimeOffset.MaxValue, MinTimestamp: TimeOf(20))));
        // A bound between two milliseconds excludes the earlier one.
        Assert.Null(await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(25, DateTimeOffset.MaxValue, MinTimestamp: TimeOf(20).AddTicks(1))));
    }

    [StoreFact]
    public async Task Saving_at_the_same_sequence_nr_replaces_the_snapshot()
    {
        var pod = Pid("pod");
        await Snapshots.SaveAsync(Snapshot(pod, 10, "first"));
        await Snapshots.SaveAsync(Snapshot(pod, 10, "second"));

        var loaded = await Snapshots.LoadAsync(pod, SnapshotSelectionCriteria.Latest);

        Assert.Equal("second@10", Encoding.UTF8.GetString(loaded!.Payload));
    }

    [StoreFact]
    public async Task Deleting_one_snapshot_leaves_the_others()
    {
        var pod = await SaveFourAsync();

        await Snapshots.DeleteAsync(new SnapshotMetadata(pod, 40, TimeOf(40)));

        Assert.Equal(30, await LoadedSequenceNrAsync(pod, SnapshotSelectionCriteria.Latest));
        await Snapshots.DeleteAsync(new SnapshotMetadata(pod, 20, TimeOf(20)));
        Assert.Equal(10, await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(25, DateTimeOffset.MaxValue)));
    }

    [StoreFact]
    public async Task Deleting_by_criteria_removes_exactly_the_matching_snapshots()
    {
        var pod = await SaveFourAsync();

        await Snapshots.DeleteAsync(pod, new SnapshotSelectionCriteria(30, DateTimeOffset.MaxValue, MinSequenceNr: 20));

        Assert.Equal(40, await LoadedSequenceNrAsync(pod, SnapshotSelectionCriteria.Latest));
        Assert.Equal(10, await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(39, DateTimeOffset.MaxValue)));
    }

    [StoreFact]
    public async Task Deleting_by_timestamp_removes_the_older_snapshots()
    {
        var pod = await SaveFourAsync();

        await Snapshots.DeleteAsync(pod, new SnapshotSelectionCriteria(long.MaxValue, TimeOf(20)));

        Assert.Null(await LoadedSequenceNrAsync(pod, new SnapshotSelectionCriteria(20, DateTimeOffset.MaxValue)));
        Assert.Equal(40, await LoadedSequenceNrAsync(pod, SnapshotSelectionCriteria.Latest));
    }

    [StoreFact]
    public async Task Deleting_everything_of_one_id_leaves_other_ids_alone()
    {
        var pod = await SaveFourAsync("pod");
        var node = await SaveFourAsync("node");

        await Snapshots.DeleteAsync(pod, SnapshotSelectionCriteria.Latest);

        Assert.Null(await Snapshots.LoadAsync(pod, SnapshotSelectionCriteria.Latest));
        Assert.Equal(40, await LoadedSequenceNrAsync(node, SnapshotSelectionCriteria.Latest));
    }

    [StoreFact]
    public async Task Deleting_what_does_not_exist_is_not_an_error()
    {
        var pod = Pid("pod");

        await Snapshots.DeleteAsync(new SnapshotMetadata(pod, 10, TimeOf(10)));
        await Snapshots.DeleteAsync(pod, SnapshotSelectionCriteria.Latest);

        Assert.Null(await Snapshots.LoadAsync(pod, SnapshotSelectionCriteria.Latest));
    }
}
