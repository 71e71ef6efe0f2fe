using Emulator.Actors.Persistence.Snapshot;

namespace Emulator.Actors.Persistence;

public abstract partial class PersistentActor
{
    private sealed record SnapshotLoaded(int InstanceId, SnapshotRow? Row, Exception? Failure);

    private sealed record ReplayedEvent(int InstanceId, long SequenceNr, object Payload);

    private sealed record ReplayPageDone(int InstanceId);

    private sealed record ReplayFinished(int InstanceId, long HighestSequenceNr, Exception? Failure);

    /// <summary>Bounds how far the replay task runs ahead of the actor: at most two pages are queued in the mailbox.</summary>
    private sealed class ReplayState
    {
        private readonly CancellationTokenSource _cancel = new();

        public SemaphoreSlim PageCredits { get; } = new(2);

        public CancellationToken Token => _cancel.Token;

        public void Cancel() => _cancel.Cancel();
    }

    private void StartRecovery()
    {
        var recovery = Recovery;
        var criteria = recovery.FromSnapshot.MaxSequenceNr > recovery.ToSequenceNr
            ? recovery.FromSnapshot with { MaxSequenceNr = recovery.ToSequenceNr }
            : recovery.FromSnapshot;
        var self = Self;
        var id = _instanceId;
        var load = criteria.MaxSequenceNr <= 0
            ? Task.FromResult<SnapshotRow?>(null)
            : _persistence.Snapshots.LoadAsync(PersistenceId, criteria);
        load.PipeTo(self, self, row => new SnapshotLoaded(id, row, null), e => new SnapshotLoaded(id, null, e));
    }

    private bool HandleRecoveryMessage(object message)
    {
        switch (message)
        {
            case SnapshotLoaded loaded:
                if (loaded.InstanceId == _instanceId)
                {
                    OnSnapshotLoaded(loaded);
                }
                return true;
            case ReplayedEvent replayed:
                if (replayed.InstanceId == _instanceId && _phase == Phase.Replaying)
                {
                    LastSequenceNr = replayed.SequenceNr;
                    RecoverWith(replayed.Payload);
                }
                return true;
            case ReplayPageDone page:
                if (page.InstanceId == _instanceId)
                {
                    _replay?.PageCredits.Release();
                }
                return true;
            case ReplayFinished finished:
                if (finished.InstanceId == _instanceId && _phase == Phase.Replaying)
                {
                    OnReplayFinished(finished);
                }
                return true;
            default:
                return false;
        }
    }

    private void OnSnapshotLoaded(SnapshotLoaded loaded)
    {
        if (loaded.Failure is { } failure)
        {
            FailRecovery(failure, null);
            return;
        }
        _phase = Phase.Replaying;
        if (loaded.Row is { } row)
        {
            object snapshot;
            try
            {
                snapshot = _persistence.Serializer.Deserialize(row.Manifest, row.Payload);
            }
            catch (Exception e)
            {
                FailRecovery(e, null);
                return;
            }
            SnapshotSequenceNr = LastSequenceNr = row.Metadata.SequenceNr;
            if (!RecoverWith(new SnapshotOffer(row.Metadata, snapshot)))
            {
                return;
            }
        }
        var recovery = Recovery;
        _replay = new ReplayState();
        _ = ReplayAsync(LastSequenceNr + 1, recovery.ToSequenceNr, recovery.ReplayMax, _replay);
    }

    private async Task ReplayAsync(long from, long to, long max, ReplayState state)
    {
        var self = Self;
        var id = _instanceId;
        var store = _persistence.Journal;
        var serializer = _persistence.Serializer;
        var pageSize = _persistence.Settings.ReadPageSize;
        var persistenceId = PersistenceId;
        try
        {
            var highest = await store.ReadHighestSequenceNrAsync(persistenceId, state.Token).ConfigureAwait(false);
            var last = Math.Min(to, highest);
            var next = from;
            var remaining = max;
            while (next <= last && remaining > 0)
            {
                await state.PageCredits.WaitAsync(state.Token).ConfigureAwait(false);
                var rows = await store.ReadByPersistenceIdAsync(persistenceId, next, last, Math.Min(pageSize, remaining), state.Token).ConfigureAwait(false);
                if (rows.Count == 0)
                {
                    break;
                }
                foreach (var row in rows)
                {
                    self.Tell(new ReplayedEvent(id, row.SequenceNr, serializer.Deserialize(row.Manifest, row.Payload)), null);
                }
                self.Tell(new ReplayPageDone(id), null);
                next = rows[^1].SequenceNr + 1;
                remaining -= rows.Count;
            }
            self.Tell(new ReplayFinished(id, highest, null), null);
        }
        catch (OperationCanceledException) when (state.Token.IsCancellationRequested)
        {
            // The actor stopped or restarted: nobody waits for the rest.
        }
        catch (Exception e)
        {
            self.Tell(new ReplayFinished(id, 0, e), null);
        }
    }

    private void OnReplayFinished(ReplayFinished finished)
    {
        _replay = null;
        if (finished.Failure is { } failure)
        {
            FailRecovery(failure, null);
            return;
        }
        var recovery = Recovery;
        LastSequenceNr = Math.Max(LastSequenceNr, Math.Min(finished.HighestSequenceNr, recovery.ToSequenceNr));
        // New events continue after everything stored, even when recovery stopped early.
        _nextSequenceNr = Math.Max(LastSequenceNr, finished.HighestSequenceNr) + 1;
        // As in Akka, the RecoveryCompleted handler may already persist: recovery is over when it runs.
        _phase = Phase.ProcessingCommands;
        if (!RecoverWith(RecoveryCompleted.Instance))
        {
            return;
        }
        FlushBatch();
        if (_phase == Phase.ProcessingCommands)
        {
            ChangeToProcessingCommands();
        }
    }

    /// <summary>Runs <see cref="ReceiveRecover"/>; a throwing handler fails the recovery.</summary>
    private bool RecoverWith(object message)
    {
        try
        {
            if (!ReceiveRecover(message) && message is not RecoveryCompleted)
            {
                Unhandled(message);
            }
            return true;
        }
        catch (Exception e)
        {
            FailRecovery(e, message);
            return false;
        }
    }

    private void FailRecovery(Exception cause, object? @event)
    {
        _replay?.Cancel();
        _replay = null;
        try
        {
            OnRecoveryFailure(cause, @event);
        }
        finally
        {
            _phase = Phase.RecoveryStarted;
            Context.Stop(Self);
        }
    }
}
