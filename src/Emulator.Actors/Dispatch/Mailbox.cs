using System.Runtime.CompilerServices;

namespace Emulator.Actors.Dispatch;

/// <summary>
/// An actor's mailbox: a multi-producer single-consumer queue of user messages, a lock-free stack of
/// system messages, and the run loop the dispatcher executes. System messages are processed before
/// each user message; at most <see cref="MessageDispatcher.Throughput"/> user messages run per turn.
/// </summary>
public abstract class Mailbox : IThreadPoolWorkItem
{
    // Status word: bit 0 closed, bit 1 scheduled, the rest counts suspensions (as in Akka's Mailbox).
    private const int Closed = 1;
    private const int Scheduled = 2;
    private const int SuspendUnit = 4;
    private const int SuspendMask = ~(Closed | Scheduled);

    private volatile int _status;
    private SystemMessage? _systemQueue;
    private Stack<Envelope>? _prepended;
    private ActorCell _actor = null!;
    private MessageDispatcher _dispatcher = null!;

    internal ActorCell Actor => _actor;

    internal MessageDispatcher Dispatcher => _dispatcher;

    internal void Attach(ActorCell actor, MessageDispatcher dispatcher)
    {
        _actor = actor;
        _dispatcher = dispatcher;
    }

    /// <summary>Adds a user message to the queue. Implementations must be safe for many producers.</summary>
    protected abstract void Enqueue(Envelope envelope);

    /// <summary>Takes the oldest user message; called only by the mailbox's consumer (or after close).</summary>
    protected abstract bool TryDequeue(out Envelope envelope);

    /// <summary>True when user messages are queued.</summary>
    protected abstract bool HasQueuedMessages { get; }

    /// <summary>Number of queued user messages (approximate while producers are active).</summary>
    public abstract int QueuedCount { get; }

    /// <summary>True when user messages are waiting, including messages put back by an unstash.</summary>
    public bool HasMessages => HasQueuedMessages || (_prepended is { Count: > 0 });

    internal bool HasSystemMessages => Volatile.Read(ref _systemQueue) is not null;

    internal bool IsClosed => (_status & Closed) != 0;

    internal bool IsSuspended => (_status & SuspendMask) != 0;

    private bool ShouldProcessMessage => (_status & (Closed | SuspendMask)) == 0;

    internal void Post(in Envelope envelope)
    {
        if (IsClosed)
        {
            _actor.SendToDeadLetters(envelope);
            return;
        }
        Enqueue(envelope);
        if (IsClosed)
        {
            // Raced with termination: the final drain may already have run.
            DrainUserMessagesToDeadLetters();
            return;
        }
        _dispatcher.RegisterForExecution(this, hasMessageHint: true, hasSystemMessageHint: false);
    }

    internal void PostSystem(SystemMessage message)
    {
        if (IsClosed)
        {
            _actor.SystemMessageToDeadLetters(message);
            return;
        }
        while (true)
        {
            var head = Volatile.Read(ref _systemQueue);
            message.Next = head;
            if (Interlocked.CompareExchange(ref _systemQueue, message, head) == head)
            {
                break;
            }
        }
        if (IsClosed)
        {
            DrainSystemMessagesToDeadLetters();
            return;
        }
        _dispatcher.RegisterForExecution(this, hasMessageHint: false, hasSystemMessageHint: true);
    }

    /// <summary>Puts messages back at the head of the queue, in order (used by unstash).</summary>
    internal void EnqueueFirst(IReadOnlyList<Envelope> envelopes)
    {
        _prepended ??= new Stack<Envelope>();
        for (var i = envelopes.Count - 1; i >= 0; i--)
        {
            _prepended.Push(envelopes[i]);
        }
    }

    private bool TryTake(out Envelope envelope)
    {
        if (_prepended is { Count: > 0 } stack)
        {
            envelope = stack.Pop();
            return true;
        }
        return TryDequeue(out envelope);
    }

    internal bool CanBeScheduledForExecution(bool hasMessageHint, bool hasSystemMessageHint)
    {
        var status = _status;
        if ((status & Closed) != 0)
        {
            return false;
        }
        if ((status & SuspendMask) != 0)
        {
            return hasSystemMessageHint || HasSystemMessages;
        }
        return hasMessageHint || hasSystemMessageHint || HasSystemMessages || HasMessages;
    }

    internal bool SetAsScheduled()
    {
        while (true)
        {
            var s = _status;
            if ((s & (Closed | Scheduled)) != 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _status, s | Scheduled, s) == s)
            {
                return true;
            }
        }
    }

    private void SetAsIdle()
    {
        while (true)
        {
            var s = _status;
            if (Interlocked.CompareExchange(ref _status, s & ~Scheduled, s) == s)
            {
                return;
            }
        }
    }

    /// <summary>Adds one suspension; returns true when the mailbox was running before.</summary>
    internal bool Suspend()
    {
        while (true)
        {
            var s = _status;
            if ((s & Closed) != 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _status, s + SuspendUnit, s) == s)
            {
                return (s & SuspendMask) == 0;
            }
        }
    }

    /// <summary>Removes one suspension; returns true when the mailbox runs again.</summary>
    internal bool Resume()
    {
        while (true)
        {
            var s = _status;
            if ((s & Closed) != 0)
            {
                return false;
            }
            if ((s & SuspendMask) == 0)
            {
                return true;
            }
            var next = s - SuspendUnit;
            if (Interlocked.CompareExchange(ref _status, next, s) == s)
            {
                return (next & SuspendMask) == 0;
            }
        }
    }

    internal void BecomeClosed()
    {
        while (true)
        {
            var s = _status;
            if (Interlocked.CompareExchange(ref _status, s | Closed, s) == s)
            {
                return;
            }
        }
    }

    /// <summary>Runs one turn of the actor; called by the dispatcher.</summary>
    public void Execute()
    {
        try
        {
            if (!IsClosed)
            {
                ProcessAllSystemMessages();
                ProcessMailbox();
            }
        }
        finally
        {
            SetAsIdle();
            _dispatcher.RegisterForExecution(this, hasMessageHint: false, hasSystemMessageHint: false, afterOwnTurn: true);
        }
    }

    private void ProcessMailbox()
    {
        var left = _dispatcher.Throughput;
        while (ShouldProcessMessage && TryTake(out var envelope))
        {
            _actor.Invoke(envelope);
            if (HasSystemMessages)
            {
                ProcessAllSystemMessages();
            }
            if (--left == 0)
            {
                break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ProcessAllSystemMessages()
    {
        while (!IsClosed)
        {
            var batch = Interlocked.Exchange(ref _systemQueue, null);
            if (batch is null)
            {
                return;
            }
            for (var message = Reverse(batch); message is not null;)
            {
                var next = message.Next;
                message.Next = null;
                if (IsClosed)
                {
                    _actor.SystemMessageToDeadLetters(message);
                }
                else
                {
                    _actor.SystemInvoke(message);
                }
                message = next;
            }
        }
        DrainSystemMessagesToDeadLetters();
    }

    private static SystemMessage? Reverse(SystemMessage? head)
    {
        SystemMessage? reversed = null;
        while (head is not null)
        {
            var next = head.Next;
            head.Next = reversed;
            reversed = head;
            head = next;
        }
        return reversed;
    }

    /// <summary>After the actor stopped: every remaining message goes to dead letters.</summary>
    internal void CleanUp()
    {
        DrainSystemMessagesToDeadLetters();
        if (_prepended is { } stack)
        {
            while (stack.Count > 0)
            {
                _actor.SendToDeadLetters(stack.Pop());
            }
        }
        DrainUserMessagesToDeadLetters();
    }

    private void DrainUserMessagesToDeadLetters()
    {
        while (TryDequeue(out var envelope))
        {
            _actor.SendToDeadLetters(envelope);
        }
    }

    private void DrainSystemMessagesToDeadLetters()
    {
        var batch = Interlocked.Exchange(ref _systemQueue, null);
        for (var message = Reverse(batch); message is not null;)
        {
            var next = message.Next;
            message.Next = null;
            _actor.SystemMessageToDeadLetters(message);
            message = next;
        }
    }
}
