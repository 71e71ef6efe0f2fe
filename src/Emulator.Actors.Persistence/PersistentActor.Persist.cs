using Emulator.Actors.Dispatch;
using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Serialization;

namespace Emulator.Actors.Persistence;

public abstract partial class PersistentActor
{
    private sealed record PendingInvocation(object Event, Action<object> Handler, bool Stashing, bool Deferred, IActorRef? Sender, long SequenceNr);

    /// <summary>
    /// Stores <paramref name="event"/> and then runs <paramref name="handler"/> with it (with <c>Sender</c> still the
    /// command's sender). Commands arriving before the handler ran are stashed.
    /// </summary>
    protected void Persist<T>(T @event, Action<T> handler) where T : notnull => PersistCore([@event], [], handler, stashing: true);

    /// <summary>Like <see cref="Persist{T}(T, Action{T})"/>, storing the event with tags (for tag queries).</summary>
    protected void Persist<T>(T @event, IReadOnlyList<string> tags, Action<T> handler) where T : notnull => PersistCore([@event], tags, handler, stashing: true);

    /// <summary>Stores several events atomically (all or none); the handler runs once per event, in order.</summary>
    protected void PersistAll<T>(IEnumerable<T> events, Action<T> handler) where T : notnull => PersistCore(events.ToArray(), [], handler, stashing: true);

    /// <summary>Stores an event without stashing commands meanwhile; handlers still run in persist order.</summary>
    protected void PersistAsync<T>(T @event, Action<T> handler) where T : notnull => PersistCore([@event], [], handler, stashing: false);

    /// <summary>Stores several events atomically without stashing commands meanwhile.</summary>
    protected void PersistAllAsync<T>(IEnumerable<T> events, Action<T> handler) where T : notnull => PersistCore(events.ToArray(), [], handler, stashing: false);

    /// <summary>Runs <paramref name="handler"/> after every earlier persist handler, without storing anything.</summary>
    protected void DeferAsync<T>(T @event, Action<T> handler) where T : notnull
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_pending.Count == 0 && _batch.Count == 0)
        {
            handler(@event);
            return;
        }
        _pending.AddLast(new PendingInvocation(@event, e => handler((T)e), Stashing: false, Deferred: true, Cell.SenderOrNull, 0));
    }

    private void PersistCore<T>(IReadOnlyList<T> events, IReadOnlyList<string> tags, Action<T> handler, bool stashing) where T : notnull
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (IsRecovering)
        {
            throw new InvalidOperationException("Cannot persist during recovery: events are only replayed then");
        }
        if (events.Count == 0)
        {
            return;
        }
        var rows = new JournalRow[events.Count];
        var timestamp = Context.System.Clock.UtcNow;
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                var (manifest, payload) = _persistence.Serializer.Serialize(events[i]);
                rows[i] = new JournalRow(0, PersistenceId, _nextSequenceNr + i, timestamp, tags, manifest, payload, Self.Path.ToSerializationFormat());
            }
        }
        catch (EventSerializationException e)
        {
            // Rejected before reaching the journal: no sequence number is used, the actor keeps running.
            foreach (var @event in events)
            {
                _rejectedNow.Add((e, @event, _nextSequenceNr));
            }
            return;
        }
        var sender = Cell.SenderOrNull;
        for (var i = 0; i < events.Count; i++)
        {
            _pending.AddLast(new PendingInvocation(events[i], e => handler((T)e), stashing, Deferred: false, sender, _nextSequenceNr + i));
            if (stashing)
            {
                _pendingStashing++;
            }
        }
        _nextSequenceNr += events.Count;
        _batch.Add(new AtomicWrite(PersistenceId, rows));
    }

    /// <summary>Sends what the last handler persisted to the journal writer and reports early rejections.</summary>
    private void FlushBatch()
    {
        if (_rejectedNow.Count > 0)
        {
            var rejected = _rejectedNow.ToArray();
            _rejectedNow.Clear();
            foreach (var (cause, @event, sequenceNr) in rejected)
            {
                OnPersistRejected(cause, @event, sequenceNr);
            }
        }
        if (_batch.Count > 0)
        {
            _persistence.JournalWriter.Tell(new WriteEvents(Self, _instanceId, _batch.ToArray()), Self);
            _batch.Clear();
        }
        if (_pendingStashing > 0)
        {
            _phase = Phase.PersistingEvents;
        }
    }

    private bool HandleJournalReply(object message)
    {
        switch (message)
        {
            case WriteResult result:
                if (result.InstanceId == _instanceId)
                {
                    OnWriteResult(result);
                }
                return true;
            case WriteFailed failed:
                if (failed.InstanceId == _instanceId)
                {
                    OnWriteFailed(failed);
                }
                return true;
            default:
                return false;
        }
    }

    private void OnWriteResult(WriteResult result)
    {
        try
        {
            foreach (var row in result.Write.Rows)
            {
                var invocation = _pending.First!.Value;
                _pending.RemoveFirst();
                if (invocation.Stashing)
                {
                    _pendingStashing--;
                }
                if (result.Rejection is null)
                {
                    LastSequenceNr = row.SequenceNr;
                    InvokeWithSender(invocation);
                }
                else
                {
                    OnPersistRejected(result.Rejection, invocation.Event, invocation.SequenceNr);
                }
                RunDeferredAtHead();
            }
        }
        finally
        {
            FlushBatch();
            if (_pendingStashing == 0 && _phase == Phase.PersistingEvents)
            {
                ChangeToProcessingCommands();
            }
        }
    }

    private void OnWriteFailed(WriteFailed failed)
    {
        var first = _pending.First?.Value;
        try
        {
            OnPersistFailure(failed.Cause, first?.Event ?? failed.Writes[0].Rows[0], first?.SequenceNr ?? failed.Writes[0].LowestSequenceNr);
        }
        finally
        {
            // Akka: the actor stops; a backoff supervisor restarts it and it recovers what was stored.
            _pending.Clear();
            _pendingStashing = 0;
            Context.Stop(Self);
        }
    }

    private void RunDeferredAtHead()
    {
        while (_pending.First is { Value.Deferred: true } node)
        {
            _pending.RemoveFirst();
            InvokeWithSender(node.Value);
        }
    }

    private void InvokeWithSender(PendingInvocation invocation)
    {
        var previous = Cell.SwapCurrentEnvelope(new Envelope(invocation.Event, invocation.Sender));
        try
        {
            invocation.Handler(invocation.Event);
        }
        finally
        {
            Cell.SwapCurrentEnvelope(previous);
        }
    }
}
