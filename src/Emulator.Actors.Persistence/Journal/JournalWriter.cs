using Emulator.Actors.Event;

namespace Emulator.Actors.Persistence.Journal;

/// <summary>A persistent actor asks for its atomic writes to be stored.</summary>
internal sealed record WriteEvents(IActorRef Actor, int InstanceId, IReadOnlyList<AtomicWrite> Writes);

/// <summary>A persistent actor asks for its events up to a sequence number to be deleted.</summary>
internal sealed record DeleteEvents(IActorRef Actor, string PersistenceId, long ToSequenceNr);

/// <summary>Reply per atomic write: stored (Rejection null) or rejected.</summary>
internal sealed record WriteResult(int InstanceId, AtomicWrite Write, Exception? Rejection);

/// <summary>Reply when the store failed: none of the writes were stored.</summary>
internal sealed record WriteFailed(int InstanceId, IReadOnlyList<AtomicWrite> Writes, Exception Cause);

/// <summary>
/// The single writer of a system's journal. Requests from all persistent actors queue here; while one store
/// transaction is in flight the next requests accumulate and are then written together in one transaction
/// (group commit). Requests are stored in arrival order, so each actor's events keep their order and each
/// <c>PersistAll</c> stays atomic; deletes run in the same queue so they follow earlier writes.
/// </summary>
internal sealed class JournalWriter : UntypedActor
{
    private readonly IJournalStore _store;
    private readonly int _maxBatchEvents;
    private readonly Action _onWritten;
    private readonly Queue<object> _queue = new();
    private readonly ILoggingAdapter _log;
    private bool _busy;

    public JournalWriter(IJournalStore store, int maxBatchEvents, Action onWritten)
    {
        _store = store;
        _maxBatchEvents = maxBatchEvents;
        _onWritten = onWritten;
        _log = Context.GetLogger();
    }

    private sealed record BatchDone(IReadOnlyList<WriteEvents> Requests, IReadOnlyList<Exception?>? Results, Exception? Failure);

    private sealed record DeleteDone(DeleteEvents Request, Exception? Failure);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WriteEvents or DeleteEvents:
                _queue.Enqueue(message);
                if (!_busy)
                {
                    StartNext();
                }
                break;
            case BatchDone done:
                Complete(done);
                _busy = false;
                StartNext();
                break;
            case DeleteDone done:
                done.Request.Actor.Tell(done.Failure is null
                    ? new DeleteMessagesSuccess(done.Request.ToSequenceNr)
                    : new DeleteMessagesFailure(done.Failure, done.Request.ToSequenceNr), Self);
                _busy = false;
                StartNext();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void StartNext()
    {
        if (_queue.Count == 0)
        {
            return;
        }
        _busy = true;
        if (_queue.Peek() is DeleteEvents delete)
        {
            _queue.Dequeue();
            _store.DeleteToAsync(delete.PersistenceId, delete.ToSequenceNr)
                .PipeTo(Self, Self, () => new DeleteDone(delete, null), e => new DeleteDone(delete, e));
            return;
        }
        var requests = new List<WriteEvents>();
        var writes = new List<AtomicWrite>();
        var events = 0;
        while (_queue.Count > 0 && _queue.Peek() is WriteEvents next && (requests.Count == 0 || events + CountEvents(next) <= _maxBatchEvents))
        {
            _queue.Dequeue();
            requests.Add(next);
            writes.AddRange(next.Writes);
            events += CountEvents(next);
        }
        _store.WriteAsync(writes)
            .PipeTo(Self, Self, results => new BatchDone(requests, results, null), e => new BatchDone(requests, null, e));
    }

    private static int CountEvents(WriteEvents request)
    {
        var count = 0;
        foreach (var write in request.Writes)
        {
            count += write.Rows.Count;
        }
        return count;
    }

    private void Complete(BatchDone done)
    {
        if (done.Failure is { } failure)
        {
            _log.Error(failure, "Journal write of {Count} request(s) failed in {Store}", done.Requests.Count, _store.Name);
            foreach (var request in done.Requests)
            {
                request.Actor.Tell(new WriteFailed(request.InstanceId, request.Writes, failure), Self);
            }
            return;
        }
        var index = 0;
        foreach (var request in done.Requests)
        {
            foreach (var write in request.Writes)
            {
                request.Actor.Tell(new WriteResult(request.InstanceId, write, done.Results![index++]), Self);
            }
        }
        _onWritten();
    }
}
