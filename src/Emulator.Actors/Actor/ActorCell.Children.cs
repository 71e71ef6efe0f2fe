namespace Emulator.Actors;

internal sealed partial class ActorCell
{
    // Guarded by locking the dictionary: guardians get children from any thread, selections read from any thread.
    private Dictionary<string, ChildRestartStats>? _children;
    // Children asked to stop whose Terminated has not arrived yet; their names stay reserved until then (as in Akka).
    // Guarded by the children lock too: ActorSystem.Stop marks a child from the caller's thread.
    private HashSet<IActorRef>? _stoppingChildren;
    private long _nextChildNameId;

    public IReadOnlyCollection<IActorRef> Children
    {
        get
        {
            var children = Volatile.Read(ref _children);
            if (children is null)
            {
                return [];
            }
            lock (children)
            {
                return children.Values.Select(s => (IActorRef)s.Child).ToArray();
            }
        }
    }

    public IActorRef? Child(string name) => GetChildByName(name);

    internal bool HasChildren
    {
        get
        {
            var children = Volatile.Read(ref _children);
            if (children is null)
            {
                return false;
            }
            lock (children)
            {
                return children.Count > 0;
            }
        }
    }

    internal InternalActorRef? GetChildByName(string name)
    {
        var children = Volatile.Read(ref _children);
        if (children is null)
        {
            return null;
        }
        lock (children)
        {
            return children.TryGetValue(name, out var stats) ? stats.Child : null;
        }
    }

    internal IEnumerable<InternalActorRef> ChildrenSnapshot()
    {
        var children = Volatile.Read(ref _children);
        if (children is null)
        {
            return [];
        }
        lock (children)
        {
            return children.Values.Select(s => s.Child).ToArray();
        }
    }

    private ChildRestartStats? GetChildStats(IActorRef child)
    {
        var children = Volatile.Read(ref _children);
        if (children is null)
        {
            return null;
        }
        lock (children)
        {
            return children.TryGetValue(child.Path.Name, out var stats) && stats.Child.Equals(child) ? stats : null;
        }
    }

    private List<ChildRestartStats> AllChildStats()
    {
        var children = Volatile.Read(ref _children);
        if (children is null)
        {
            return [];
        }
        lock (children)
        {
            return [.. children.Values];
        }
    }

    /// <summary>Creates, registers and starts a child.</summary>
    internal IActorRef AttachChild(Props props, string? name, bool systemService)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (name is null)
        {
            name = "$" + EncodeChildId(Interlocked.Increment(ref _nextChildNameId));
        }
        else if (!ActorPath.IsValidPathElement(name) || (name.StartsWith('$') && !systemService))
        {
            throw new InvalidActorNameException(
                $"Illegal actor name [{name}]. Actor paths MUST: not start with `$`, include only ASCII letters and can only contain these special characters: -_.*$+:@&=,!~';.");
        }
        var dispatcher = System.Dispatchers.Lookup(props.Dispatcher);
        var children = Volatile.Read(ref _children);
        if (children is null)
        {
            Interlocked.CompareExchange(ref _children, new Dictionary<string, ChildRestartStats>(StringComparer.Ordinal), null);
            children = _children!;
        }
        LocalActorRef child;
        lock (children)
        {
            if (IsTerminating || IsTerminated)
            {
                // As Akka's makeChild: a stopping or stopped actor (the user guardian once the system terminates) refuses.
                throw new InvalidOperationException($"Cannot create child [{name}] of [{Self}] while terminating or terminated");
            }
            if (children.ContainsKey(name))
            {
                throw new InvalidActorNameException($"Actor name [{name}] is not unique!");
            }
            var path = Self.Path.Child(name, System.NewUid());
            child = new LocalActorRef(System, props, dispatcher, _self, path);
            children.Add(name, new ChildRestartStats(child));
        }
        child.Cell.Start();
        return child;
    }

    private static string EncodeChildId(long id)
    {
        // Base64-like, as Akka: $a, $b, ..., $ba ...
        const string chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+~";
        Span<char> buffer = stackalloc char[12];
        var pos = buffer.Length;
        var n = id - 1;
        do
        {
            buffer[--pos] = chars[(int)(n & 63)];
            n >>= 6;
        }
        while (n > 0);
        return new string(buffer[pos..]);
    }

    /// <summary>Stops this actor (when <paramref name="child"/> is self) or one of its children.</summary>
    public void Stop(IActorRef child)
    {
        if (child.Equals(_self))
        {
            _self.Stop();
            return;
        }
        if (child is InternalActorRef internalRef)
        {
            MarkStopping(child);
            internalRef.Stop();
        }
    }

    private void StopAllChildren()
    {
        foreach (var stats in AllChildStats())
        {
            MarkStopping(stats.Child);
            stats.Child.Stop();
        }
    }

    /// <summary>Records that a child was asked to stop (no-op when it is not a child).</summary>
    private void MarkStopping(IActorRef child)
    {
        var children = Volatile.Read(ref _children);
        if (children is null)
        {
            return;
        }
        lock (children)
        {
            if (children.TryGetValue(child.Path.Name, out var stats) && stats.Child.Equals(child))
            {
                (_stoppingChildren ??= []).Add(child);
            }
        }
    }

    private bool IsStopping(IActorRef child)
    {
        var children = Volatile.Read(ref _children);
        if (children is null)
        {
            return false;
        }
        lock (children)
        {
            return _stoppingChildren?.Contains(child) == true;
        }
    }

    private bool HasStoppingChildren
    {
        get
        {
            var children = Volatile.Read(ref _children);
            if (children is null)
            {
                return false;
            }
            lock (children)
            {
                return _stoppingChildren is { Count: > 0 };
            }
        }
    }

    private void SuspendChildren(IActorRef? except = null)
    {
        foreach (var stats in AllChildStats())
        {
            if (except is null || !stats.Child.Equals(except))
            {
                stats.Child.Suspend();
            }
        }
    }

    private void ResumeChildren(Exception? causedByFailure, IActorRef? perpetrator)
    {
        foreach (var stats in AllChildStats())
        {
            stats.Child.Resume(perpetrator is not null && stats.Child.Equals(perpetrator) ? causedByFailure : null);
        }
    }

    /// <summary>Removes a stopped child; returns true when no children are left.</summary>
    private bool RemoveChild(IActorRef child)
    {
        var children = Volatile.Read(ref _children);
        if (children is null)
        {
            return true;
        }
        lock (children)
        {
            _stoppingChildren?.Remove(child);
            if (children.TryGetValue(child.Path.Name, out var stats) && stats.Child.Equals(child))
            {
                children.Remove(child.Path.Name);
            }
            return children.Count == 0;
        }
    }
}
