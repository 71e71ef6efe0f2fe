using Emulator.Actors.Dispatch;

namespace Emulator.Actors;

internal sealed partial class ActorCell
{
    // Actors this actor watches, with the custom message of WatchWith (or null for Terminated).
    private Dictionary<IActorRef, object?>? _watching;
    // Terminated messages already queued to self; Unwatch removes the entry so the message is dropped (as in Akka).
    private Dictionary<IActorRef, object?>? _terminatedQueued;
    // Actors watching this one.
    private HashSet<InternalActorRef>? _watchedBy;

    public IActorRef Watch(IActorRef subject) => WatchCore(subject, null);

    public IActorRef WatchWith(IActorRef subject, object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return WatchCore(subject, message);
    }

    private IActorRef WatchCore(IActorRef subject, object? message)
    {
        if (subject is not InternalActorRef watchee || watchee.Equals(_self))
        {
            return subject;
        }
        _watching ??= [];
        if (_watching.TryGetValue(subject, out var existing))
        {
            if (!Equals(existing, message))
            {
                throw new InvalidOperationException(
                    $"Watch({Self}, {subject}) termination message was not overwritten from [{existing}] to [{message}]. Unwatch before watching again with another message.");
            }
            return subject;
        }
        _watching[subject] = message;
        watchee.SendSystemMessage(new Watch(watchee, _self));
        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        if (subject is InternalActorRef watchee && !watchee.Equals(_self) && _watching is not null && _watching.Remove(subject))
        {
            watchee.SendSystemMessage(new Unwatch(watchee, _self));
        }
        _terminatedQueued?.Remove(subject);
        return subject;
    }

    /// <summary>A <see cref="Terminated"/> for <paramref name="subject"/> is back in the mailbox (unstashed): let it through once more.</summary>
    internal void TerminatedQueuedFor(IActorRef subject) => (_terminatedQueued ??= []).TryAdd(subject, null);

    private void ReceivedTerminated(Terminated terminated)
    {
        if (_terminatedQueued is null || !_terminatedQueued.Remove(terminated.ActorRef, out var custom))
        {
            // Unwatched after the notification was queued: Akka drops it.
            return;
        }
        ReceiveMessage(custom ?? terminated);
    }


    /// <summary>A watched actor (or a child) has stopped.</summary>
    private void WatchedActorTerminated(IActorRef actor, bool existenceConfirmed, bool addressTerminated)
    {
        if (_watching is not null && _watching.Remove(actor, out var custom) && !IsTerminating)
        {
            _self.Tell(new Terminated(actor, existenceConfirmed, addressTerminated), actor);
            (_terminatedQueued ??= [])[actor] = custom;
        }
        if (GetChildStats(actor) is not null)
        {
            HandleChildTerminated(actor);
        }
    }

    private void AddWatcher(InternalActorRef watchee, InternalActorRef watcher)
    {
        var watcheeSelf = watchee.Equals(_self);
        var watcherSelf = watcher.Equals(_self);
        if (watcheeSelf && !watcherSelf)
        {
            if (IsTerminated)
            {
                watcher.SendSystemMessage(new DeathWatchNotification(_self, existenceConfirmed: true, addressTerminated: false));
            }
            else
            {
                (_watchedBy ??= []).Add(watcher);
            }
        }
    }

    private void RemoveWatcher(InternalActorRef watchee, InternalActorRef watcher)
    {
        if (watchee.Equals(_self) && !watcher.Equals(_self))
        {
            _watchedBy?.Remove(watcher);
        }
    }

    private void TellWatchersWeDied()
    {
        if (_watchedBy is null)
        {
            return;
        }
        foreach (var watcher in _watchedBy)
        {
            // The parent was told already through the child-terminated path.
            if (!watcher.Equals(ParentRef))
            {
                watcher.SendSystemMessage(new DeathWatchNotification(_self, existenceConfirmed: true, addressTerminated: false));
            }
        }
        _watchedBy = null;
    }

    private void UnwatchWatchedActors()
    {
        if (_watching is null)
        {
            return;
        }
        foreach (var watchee in _watching.Keys)
        {
            ((InternalActorRef)watchee).SendSystemMessage(new Unwatch((InternalActorRef)watchee, _self));
        }
        _watching = null;
        _terminatedQueued = null;
    }
}
