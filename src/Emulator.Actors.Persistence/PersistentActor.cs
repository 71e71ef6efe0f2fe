using Emulator.Actors.Dispatch;
using Emulator.Actors.Event;
using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Snapshot;

namespace Emulator.Actors.Persistence;

/// <summary>
/// An event-sourced actor, with Akka.Persistence semantics. On start it loads its latest snapshot and replays later
/// events through <see cref="ReceiveRecover"/>, then handles commands with <see cref="ReceiveCommand"/>.
/// <see cref="Persist{T}(T, Action{T})"/> stores an event and runs its handler once stored; until then new commands
/// are stashed, so state changes stay in command order. A storage failure stops the actor (a backoff supervisor can
/// restart it, and it recovers); a rejected event (it cannot be serialized) is reported and the actor keeps running.
/// </summary>
public abstract partial class PersistentActor : ActorBase
{
    private static int _nextInstanceId;

    private readonly int _instanceId = Interlocked.Increment(ref _nextInstanceId);
    private readonly Persistence _persistence;
    private readonly List<Envelope> _internalStash = [];
    private readonly LinkedList<PendingInvocation> _pending = new();
    private readonly List<AtomicWrite> _batch = [];
    private readonly List<(Exception Cause, object Event, long SequenceNr)> _rejectedNow = [];
    private Phase _phase = Phase.RecoveryStarted;
    private int _pendingStashing;
    private long _nextSequenceNr = 1;
    private ILoggingAdapter? _log;
    private ReplayState? _replay;

    /// <summary>Binds the actor to the system's persistence.</summary>
    protected PersistentActor()
    {
        _persistence = Persistence.Get(Context.System);
    }

    private enum Phase
    {
        RecoveryStarted,
        Replaying,
        ProcessingCommands,
        PersistingEvents,
    }

    /// <summary>The stable id of this actor's journal.</summary>
    public abstract string PersistenceId { get; }

    /// <summary>How to recover; override to start from another snapshot or to skip recovery.</summary>
    protected virtual Recovery Recovery => Recovery.Default;

    /// <summary>Sequence number of the last event persisted (handler ran) or replayed.</summary>
    public long LastSequenceNr { get; private set; }

    /// <summary>Sequence number of the snapshot recovery started from, or 0.</summary>
    public long SnapshotSequenceNr { get; private set; }

    /// <summary>True while replaying.</summary>
    public bool IsRecovering => _phase is Phase.RecoveryStarted or Phase.Replaying;

    /// <summary>The persistence this actor uses.</summary>
    protected Persistence Persistence => _persistence;

    /// <summary>A logger for this actor.</summary>
    protected ILoggingAdapter Log => _log ??= Context.GetLogger();

    /// <summary>Handles a replayed event, a <see cref="SnapshotOffer"/>, or <see cref="RecoveryCompleted"/>.</summary>
    protected abstract bool ReceiveRecover(object message);

    /// <summary>Handles a command.</summary>
    protected abstract bool ReceiveCommand(object message);

    /// <summary>Called when the journal refused an event; the actor keeps running. Default: log a warning.</summary>
    protected virtual void OnPersistRejected(Exception cause, object @event, long sequenceNr) =>
        Log.Warning("Rejected to persist event type [{EventType}] with sequence number [{SequenceNr}] for persistenceId [{PersistenceId}] due to [{Reason}].",
            @event.GetType().Name, sequenceNr, PersistenceId, cause.Message);

    /// <summary>Called when the store failed; the actor stops afterwards. Default: log an error.</summary>
    protected virtual void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        Log.Error(cause, "Failed to persist event type [{EventType}] with sequence number [{SequenceNr}] for persistenceId [{PersistenceId}].",
            @event.GetType().Name, sequenceNr, PersistenceId);

    /// <summary>Called when recovery failed; the actor stops afterwards. Default: log an error.</summary>
    protected virtual void OnRecoveryFailure(Exception cause, object? @event) =>
        Log.Error(cause, "Persistence failure when replaying events for persistenceId [{PersistenceId}]. Last known sequence number [{SequenceNr}]",
            PersistenceId, LastSequenceNr);

    /// <inheritdoc />
    protected override void PreStart() => StartRecovery();

    /// <inheritdoc />
    protected override void PostStop()
    {
        _replay?.Cancel();
        // Commands still stashed become dead letters, as every message left to a stopped actor.
        UnstashInternal();
        base.PostStop();
    }

    /// <inheritdoc />
    protected override void PreRestart(Exception reason, object? message)
    {
        _replay?.Cancel();
        // Commands stashed internally go back to the mailbox so the fresh instance handles them after recovery.
        UnstashInternal();
        base.PreRestart(reason, message);
    }

    /// <inheritdoc />
    protected sealed override bool Receive(object message)
    {
        switch (_phase)
        {
            case Phase.RecoveryStarted:
            case Phase.Replaying:
                if (!HandleRecoveryMessage(message))
                {
                    StashInternal();
                }
                return true;
            case Phase.PersistingEvents:
                if (!HandleJournalReply(message))
                {
                    StashInternal();
                }
                return true;
            default:
                if (HandleJournalReply(message))
                {
                    return true;
                }
                return RunCommand(message);
        }
    }

    private bool RunCommand(object message)
    {
        bool handled;
        try
        {
            handled = ReceiveCommand(message);
        }
        finally
        {
            FlushBatch();
        }
        return handled;
    }

    private void StashInternal()
    {
        var cell = Cell;
        if (cell.CurrentEnvelope is { } envelope)
        {
            _internalStash.Add(envelope);
        }
    }

    private void UnstashInternal()
    {
        if (_internalStash.Count == 0)
        {
            return;
        }
        Cell.Mailbox.EnqueueFirst(_internalStash.ToArray());
        _internalStash.Clear();
    }

    private void ChangeToProcessingCommands()
    {
        _phase = Phase.ProcessingCommands;
        UnstashInternal();
    }
}
