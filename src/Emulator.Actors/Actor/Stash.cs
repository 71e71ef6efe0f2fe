using Emulator.Actors.Dispatch;

namespace Emulator.Actors;

/// <summary>
/// Messages an actor set aside to handle later. <see cref="UnstashAll()"/> puts them back at the head of the
/// mailbox in their original order. On restart the stash is returned to the mailbox (so the fresh instance
/// sees the messages first); on stop stashed messages go to dead letters.
/// </summary>
public interface IStash
{
    /// <summary>Sets the current message aside.</summary>
    void Stash();

    /// <summary>Puts the oldest stashed message back.</summary>
    void Unstash();

    /// <summary>Puts every stashed message back, oldest first.</summary>
    void UnstashAll();

    /// <summary>Puts back the stashed messages matching <paramref name="predicate"/>, oldest first.</summary>
    void UnstashAll(Func<Envelope, bool> predicate);

    /// <summary>Drops every stashed message and returns them.</summary>
    IReadOnlyList<Envelope> ClearStash();

    /// <summary>Number of stashed messages.</summary>
    int Count { get; }
}

internal sealed class ActorStash(ActorCell cell, int capacity) : IStash
{
    private readonly List<Envelope> _stashed = [];

    public int Count => _stashed.Count;

    public void Stash()
    {
        var current = cell.CurrentEnvelope ?? throw new IllegalActorStateException("Stash() called outside message handling");
        if (_stashed.Count > 0 && ReferenceEquals(_stashed[^1].Message, current.Message) && Equals(_stashed[^1].Sender, current.Sender))
        {
            throw new IllegalActorStateException($"Can't stash the same message [{current.Message}] more than once");
        }
        if (capacity > 0 && _stashed.Count >= capacity)
        {
            throw new StashOverflowException($"Couldn't enqueue message [{current.Message}] to the stash of [{cell.Self}]: capacity {capacity} reached");
        }
        _stashed.Add(current);
    }

    public void Unstash()
    {
        if (_stashed.Count == 0)
        {
            return;
        }
        var first = _stashed[0];
        _stashed.RemoveAt(0);
        Requeue([first]);
    }

    public void UnstashAll()
    {
        if (_stashed.Count == 0)
        {
            return;
        }
        Requeue(_stashed.ToArray());
        _stashed.Clear();
    }

    public void UnstashAll(Func<Envelope, bool> predicate)
    {
        var selected = _stashed.Where(predicate).ToArray();
        if (selected.Length == 0)
        {
            return;
        }
        _stashed.RemoveAll(e => predicate(e));
        Requeue(selected);
    }

    private void Requeue(IReadOnlyList<Envelope> envelopes)
    {
        cell.Mailbox.EnqueueFirst(envelopes);
        foreach (var envelope in envelopes)
        {
            if (envelope.Message is Terminated terminated)
            {
                cell.TerminatedRequeued(terminated.ActorRef);
            }
        }
    }

    public IReadOnlyList<Envelope> ClearStash()
    {
        var all = _stashed.ToArray();
        _stashed.Clear();
        return all;
    }
}
