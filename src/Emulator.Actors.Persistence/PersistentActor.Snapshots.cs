using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Snapshot;

namespace Emulator.Actors.Persistence;

public abstract partial class PersistentActor
{
    /// <summary>
    /// Stores <paramref name="snapshot"/> as the state at <see cref="LastSequenceNr"/>; replies
    /// <see cref="SaveSnapshotSuccess"/> or <see cref="SaveSnapshotFailure"/> as a command.
    /// </summary>
    protected void SaveSnapshot(object snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var metadata = new SnapshotMetadata(PersistenceId, LastSequenceNr, Context.System.Clock.UtcNow);
        try
        {
            var (manifest, payload) = _persistence.Serializer.Serialize(snapshot);
            _persistence.Snapshots.SaveAsync(new SnapshotRow(metadata, manifest, payload))
                .PipeTo(Self, Self, () => new SaveSnapshotSuccess(metadata), e => new SaveSnapshotFailure(metadata, e));
        }
        catch (Exception e)
        {
            Self.Tell(new SaveSnapshotFailure(metadata, e), Self);
        }
    }

    /// <summary>Deletes the snapshot taken at <paramref name="sequenceNr"/>.</summary>
    protected void DeleteSnapshot(long sequenceNr)
    {
        var metadata = new SnapshotMetadata(PersistenceId, sequenceNr, DateTimeOffset.MinValue);
        _persistence.Snapshots.DeleteAsync(metadata)
            .PipeTo(Self, Self, () => new DeleteSnapshotSuccess(metadata), e => new DeleteSnapshotFailure(metadata, e));
    }

    /// <summary>Deletes the snapshots matching <paramref name="criteria"/>.</summary>
    protected void DeleteSnapshots(SnapshotSelectionCriteria criteria)
    {
        _persistence.Snapshots.DeleteAsync(PersistenceId, criteria)
            .PipeTo(Self, Self, () => new DeleteSnapshotsSuccess(criteria), e => new DeleteSnapshotsFailure(criteria, e));
    }

    /// <summary>
    /// Deletes events up to <paramref name="toSequenceNr"/> (<c>long.MaxValue</c>: all); replies
    /// <see cref="DeleteMessagesSuccess"/> or <see cref="DeleteMessagesFailure"/>. Asking beyond
    /// <see cref="LastSequenceNr"/> fails, as in Akka.
    /// </summary>
    protected void DeleteMessages(long toSequenceNr)
    {
        if (toSequenceNr != long.MaxValue && toSequenceNr > LastSequenceNr)
        {
            Self.Tell(new DeleteMessagesFailure(new InvalidOperationException(
                $"toSequenceNr [{toSequenceNr}] must be less than or equal to lastSequenceNr [{LastSequenceNr}]"), toSequenceNr), Self);
            return;
        }
        _persistence.JournalWriter.Tell(new DeleteEvents(Self, PersistenceId, Math.Min(toSequenceNr, LastSequenceNr)), Self);
    }
}
