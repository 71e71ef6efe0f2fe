using System.Collections.Concurrent;

namespace Emulator.Actors.Dispatch;

/// <summary>
/// The default mailbox: unbounded, FIFO. The queue is created on the first message so that actors that
/// never receive user messages stay small.
/// </summary>
public sealed class UnboundedMailbox : Mailbox
{
    private ConcurrentQueue<Envelope>? _queue;

    private ConcurrentQueue<Envelope> Queue
    {
        get
        {
            var queue = Volatile.Read(ref _queue);
            if (queue is not null)
            {
                return queue;
            }
            Interlocked.CompareExchange(ref _queue, new ConcurrentQueue<Envelope>(), null);
            return _queue!;
        }
    }

    /// <inheritdoc />
    protected override void Enqueue(Envelope envelope) => Queue.Enqueue(envelope);

    /// <inheritdoc />
    protected override bool TryDequeue(out Envelope envelope)
    {
        var queue = Volatile.Read(ref _queue);
        if (queue is null)
        {
            envelope = default;
            return false;
        }
        return queue.TryDequeue(out envelope);
    }

    /// <inheritdoc />
    protected override bool HasQueuedMessages => Volatile.Read(ref _queue) is { IsEmpty: false };

    /// <inheritdoc />
    public override int QueuedCount => Volatile.Read(ref _queue)?.Count ?? 0;
}

/// <summary>
/// A mailbox holding at most <c>capacity</c> user messages; messages beyond it go to dead letters
/// (a non-blocking bounded mailbox, so a producer never blocks a dispatcher thread).
/// </summary>
public sealed class BoundedMailbox(int capacity) : Mailbox
{
    private readonly ConcurrentQueue<Envelope> _queue = new();
    private int _count;

    /// <summary>The most user messages the mailbox holds.</summary>
    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <inheritdoc />
    protected override void Enqueue(Envelope envelope)
    {
        if (Interlocked.Increment(ref _count) > Capacity)
        {
            Interlocked.Decrement(ref _count);
            Actor.SendToDeadLetters(envelope);
            return;
        }
        _queue.Enqueue(envelope);
    }

    /// <inheritdoc />
    protected override bool TryDequeue(out Envelope envelope)
    {
        if (_queue.TryDequeue(out envelope))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }
        return false;
    }

    /// <inheritdoc />
    protected override bool HasQueuedMessages => !_queue.IsEmpty;

    /// <inheritdoc />
    public override int QueuedCount => Volatile.Read(ref _count);
}

/// <summary>How a <see cref="Props"/> gets its mailbox.</summary>
public static class Mailboxes
{
    /// <summary>Id of the default unbounded mailbox.</summary>
    public const string Unbounded = "unbounded";

    /// <summary>Id prefix of the bounded mailbox: <c>bounded:1000</c>.</summary>
    public const string BoundedPrefix = "bounded:";

    /// <summary>Creates a mailbox from its id; throws <see cref="ArgumentException"/> for an unknown id.</summary>
    public static Mailbox Create(string? id)
    {
        if (id is null or Unbounded)
        {
            return new UnboundedMailbox();
        }
        if (id.StartsWith(BoundedPrefix, StringComparison.Ordinal) && int.TryParse(id.AsSpan(BoundedPrefix.Length), out var capacity) && capacity > 0)
        {
            return new BoundedMailbox(capacity);
        }
        throw new ArgumentException($"Unknown mailbox [{id}]; use '{Unbounded}' or '{BoundedPrefix}N'", nameof(id));
    }
}
