using Emulator.Actors.Persistence.Snapshot;

namespace Emulator.Actors.Persistence;

/// <summary>Sent to <c>ReceiveRecover</c> once every event has been replayed; commands are processed afterwards.</summary>
public sealed class RecoveryCompleted
{
    private RecoveryCompleted() { }

    /// <summary>The single instance.</summary>
    public static RecoveryCompleted Instance { get; } = new();
}

/// <summary>Sent to <c>ReceiveRecover</c> first when recovery starts from a snapshot.</summary>
public sealed record SnapshotOffer(SnapshotMetadata Metadata, object Snapshot);

/// <summary>A snapshot was stored.</summary>
public sealed record SaveSnapshotSuccess(SnapshotMetadata Metadata);

/// <summary>A snapshot could not be stored.</summary>
public sealed record SaveSnapshotFailure(SnapshotMetadata Metadata, Exception Cause);

/// <summary>Events up to <see cref="ToSequenceNr"/> were deleted.</summary>
public sealed record DeleteMessagesSuccess(long ToSequenceNr);

/// <summary>Events could not be deleted.</summary>
public sealed record DeleteMessagesFailure(Exception Cause, long ToSequenceNr);

/// <summary>One snapshot was deleted.</summary>
public sealed record DeleteSnapshotSuccess(SnapshotMetadata Metadata);

/// <summary>One snapshot could not be deleted.</summary>
public sealed record DeleteSnapshotFailure(SnapshotMetadata Metadata, Exception Cause);

/// <summary>Snapshots matching the criteria were deleted.</summary>
public sealed record DeleteSnapshotsSuccess(SnapshotSelectionCriteria Criteria);

/// <summary>Snapshots could not be deleted.</summary>
public sealed record DeleteSnapshotsFailure(SnapshotSelectionCriteria Criteria, Exception Cause);

/// <summary>How an actor recovers: from which snapshot, up to which event, at most how many events.</summary>
public sealed record Recovery(SnapshotSelectionCriteria FromSnapshot, long ToSequenceNr = long.MaxValue, long ReplayMax = long.MaxValue)
{
    /// <summary>Latest snapshot, then every later event.</summary>
    public static Recovery Default { get; } = new(SnapshotSelectionCriteria.Latest);

    /// <summary>No recovery at all: the actor starts empty (and continues the stored sequence numbers).</summary>
    public static Recovery None { get; } = new(SnapshotSelectionCriteria.None, 0, 0);
}
