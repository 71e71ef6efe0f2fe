namespace Emulator.Actors.Dispatch;

/// <summary>Runs mailboxes: decides on which thread, and how many messages an actor handles per turn.</summary>
public abstract class MessageDispatcher
{
    /// <summary>Creates a dispatcher.</summary>
    protected MessageDispatcher(string id, int throughput)
    {
        if (throughput < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(throughput), "throughput must be at least 1");
        }
        Id = id;
        Throughput = throughput;
    }

    /// <summary>The id actors use in <see cref="Props.WithDispatcher"/>.</summary>
    public string Id { get; }

    /// <summary>How many user messages an actor processes before it yields its thread.</summary>
    public int Throughput { get; }

    internal void RegisterForExecution(Mailbox mailbox, bool hasMessageHint, bool hasSystemMessageHint, bool afterOwnTurn = false)
    {
        if (mailbox.CanBeScheduledForExecution(hasMessageHint, hasSystemMessageHint) && mailbox.SetAsScheduled())
        {
            ExecuteMailbox(mailbox, afterOwnTurn);
        }
    }

    /// <summary>
    /// Arranges for <see cref="Mailbox.Execute"/> to be called once. <paramref name="afterOwnTurn"/> is true when the
    /// mailbox still has work at the end of its own turn (it must queue behind others, for fairness).
    /// </summary>
    protected abstract void ExecuteMailbox(Mailbox mailbox, bool afterOwnTurn);
}

/// <summary>The default dispatcher: mailboxes run on the .NET thread pool.</summary>
public sealed class ThreadPoolDispatcher(string id, int throughput) : MessageDispatcher(id, throughput)
{
    /// <inheritdoc />
    protected override void ExecuteMailbox(Mailbox mailbox, bool afterOwnTurn) =>
        // A message just sent wakes its receiver on this worker's local queue (a ping-pong stays on one core; idle
        // workers steal the rest). A mailbox that used up its turn goes to the global FIFO queue instead: the local
        // queue is LIFO for its owner, and re-pushing there would let one busy actor starve the others.
        ThreadPool.UnsafeQueueUserWorkItem(mailbox, preferLocal: !afterOwnTurn);
}

/// <summary>
/// Runs every mailbox on the thread that calls <see cref="RunOne"/> / <see cref="RunUntilIdle"/>, picking the
/// next ready actor with a seeded random source: the same seed gives the same interleaving, so a whole run is
/// reproducible. Ready mailboxes may be registered from any thread.
/// </summary>
public sealed class DeterministicDispatcher : MessageDispatcher
{
    private readonly List<Mailbox> _ready = [];
    private readonly Random _random;
    private readonly object _gate = new();
    private long _steps;

    /// <summary>Creates the dispatcher with a seed; throughput defaults to 1 for the finest interleaving.</summary>
    public DeterministicDispatcher(string id, int seed, int throughput = 1) : base(id, throughput)
    {
        Seed = seed;
        _random = new Random(seed);
    }

    /// <summary>The seed of the interleaving.</summary>
    public int Seed { get; }

    /// <summary>Turns run so far.</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Raised (under no lock) when a mailbox becomes ready; lets waiters wake up.</summary>
    public event Action? MailboxReady;

    /// <summary>True when no mailbox is ready to run.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return _ready.Count == 0;
            }
        }
    }

    /// <inheritdoc />
    protected override void ExecuteMailbox(Mailbox mailbox, bool afterOwnTurn)
    {
        lock (_gate)
        {
            _ready.Add(mailbox);
        }
        MailboxReady?.Invoke();
    }

    /// <summary>Runs one turn of one ready actor, chosen by the seeded random source.</summary>
    public bool RunOne()
    {
        Mailbox next;
        lock (_gate)
        {
            if (_ready.Count == 0)
            {
                return false;
            }
            var index = _random.Next(_ready.Count);
            next = _ready[index];
            _ready[index] = _ready[^1];
            _ready.RemoveAt(_ready.Count - 1);
        }
        Interlocked.Increment(ref _steps);
        next.Execute();
        return true;
    }

    /// <summary>Runs turns until no actor is ready (or <paramref name="maxSteps"/> turns ran); returns the turns run.</summary>
    public int RunUntilIdle(int maxSteps = int.MaxValue)
    {
        var steps = 0;
        while (steps < maxSteps && RunOne())
        {
            steps++;
        }
        return steps;
    }
}
