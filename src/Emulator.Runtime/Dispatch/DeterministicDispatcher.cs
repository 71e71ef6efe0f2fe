using Akka.Configuration;
using Akka.Dispatch;

namespace Emulator.Runtime.Dispatch;

/// <summary>
/// A dispatcher that runs every mailbox on one thread, choosing the next ready one with a seeded random generator, so
/// that — with virtual time — one seed reproduces one interleaving of the actors: the generator restarts from the seed
/// whenever the actors are idle, so everything one outside message (a test's tell, a virtual timer) sets off runs in
/// the same order every time. It also knows when the actors are
/// idle (<see cref="IsIdle"/>), which virtual time uses to let actors react to one timer before the next fires.
/// Each mailbox runs with the dispatcher's own <see cref="TaskScheduler"/> as the current one, so the task
/// continuations actors and plugins chain without naming a scheduler (Akka's snapshot store answers through
/// <c>ContinueWith</c> and <c>PipeTo</c>) run on the same thread as part of the run, instead of arriving from the
/// thread pool whenever it gets to them. Plugged in by HOCON: <c>type = "Emulator.Runtime.Dispatch.DeterministicDispatcherConfigurator, Emulator.Runtime"</c>
/// with <c>seed = N</c>.
/// </summary>
public sealed class DeterministicDispatcher : MessageDispatcher
{
    private readonly List<IRunnable> _ready = [];
    private readonly object _gate = new();
    private readonly RunScheduler _scheduler;
    private Random _random;
    private Thread? _thread;
    private int _pending;
    private long _completed;
    private bool _stopping;

    /// <summary>Creates the dispatcher.</summary>
    public DeterministicDispatcher(MessageDispatcherConfigurator configurator, string id, int seed, int throughput)
        : base(configurator)
    {
        Id = id;
        Seed = seed;
        Throughput = throughput;
        _random = new Random(seed);
        ShutdownTimeout = TimeSpan.FromSeconds(1);
        _scheduler = new RunScheduler(this);
    }

    /// <summary>The seed of the run order.</summary>
    public int Seed { get; }

    /// <summary>How many runs have finished (a settled system's count stops moving).</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>True when no mailbox is queued or running.</summary>
    public bool IsIdle => Volatile.Read(ref _pending) == 0;

    /// <summary>Raised (on the dispatcher thread) whenever the last queued work finished.</summary>
    public event Action? BecameIdle;

    /// <summary>Waits until the actors are idle, or <paramref name="timeout"/> (real time) passes.</summary>
    public bool WaitForIdle(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (_pending > 0)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }
                Monitor.Wait(_gate, left);
            }
            return true;
        }
    }

    /// <inheritdoc />
    protected override void ExecuteTask(IRunnable run)
    {
        lock (_gate)
        {
            _ready.Add(run);
            _pending++;
            _stopping = false;
            if (_thread is null)
            {
                _thread = new Thread(Loop) { IsBackground = true, Name = $"deterministic-{Id}" };
                _thread.Start();
            }
            Monitor.PulseAll(_gate);
        }
    }

    /// <inheritdoc />
    protected override void Shutdown()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Loop()
    {
        while (true)
        {
            IRunnable next;
            lock (_gate)
            {
                while (_ready.Count == 0)
                {
                    if (_stopping)
                    {
                        _thread = null;
                        return;
                    }
                    Monitor.Wait(_gate);
                }
                // The seeded choice among everything ready is what makes one seed one interleaving.
                var index = _ready.Count == 1 ? 0 : _random.Next(_ready.Count);
                next = _ready[index];
                _ready[index] = _ready[^1];
                _ready.RemoveAt(_ready.Count - 1);
            }
            try
            {
                // Run as a task of the dispatcher's scheduler (inline, on this thread): it is then TaskScheduler.Current
                // for whatever the run chains.
                var run = new Task(next.Run);
                run.RunSynchronously(_scheduler);
                if (run.Exception is { } failure)
                {
                    ReportFailure(failure.InnerExceptions.Count == 1 ? failure.InnerExceptions[0] : failure);
                }
            }
            catch (Exception e)
            {
                ReportFailure(e);
            }
            bool idle;
            lock (_gate)
            {
                _pending--;
                _completed++;
                idle = _pending == 0;
                if (idle)
                {
                    // Every busy period starts from the seed: how many choices the system made before (start-up, work
                    // that raced in from other threads) cannot shift the order of what an outside message sets off.
                    _random = new Random(Seed);
                    Monitor.PulseAll(_gate);
                }
            }
            if (idle)
            {
                BecameIdle?.Invoke();
            }
        }
    }

    /// <summary>
    /// The dispatcher as a task scheduler: a queued task is one more piece of work in the seeded order, run on the
    /// dispatcher's thread; a task is inlined only there.
    /// </summary>
    private sealed class RunScheduler(DeterministicDispatcher dispatcher) : TaskScheduler
    {
        public override int MaximumConcurrencyLevel => 1;

        // On the dispatcher's thread (a continuation chained in a run, its antecedent done): run it at once, as part of
        // the run, so what it sets off (a PipeTo's tell) is part of the run too. A continuation whose antecedent
        // finishes on another thread later is one more piece of work in the seeded order.
        protected override void QueueTask(Task task)
        {
            if (Thread.CurrentThread == dispatcher._thread)
            {
                TryExecuteTask(task);
            }
            else
            {
                dispatcher.ExecuteTask(new TaskRun(this, task));
            }
        }

        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
            Thread.CurrentThread == dispatcher._thread && TryExecuteTask(task);

        protected override IEnumerable<Task> GetScheduledTasks() => [];

        private sealed class TaskRun(RunScheduler scheduler, Task task) : IRunnable
        {
            public void Run() => scheduler.TryExecuteTask(task);

            public void Execute() => Run();
        }
    }
}

/// <summary>Creates the one <see cref="DeterministicDispatcher"/> of a dispatcher id (Akka's configurator extension point).</summary>
public sealed class DeterministicDispatcherConfigurator : MessageDispatcherConfigurator
{
    private readonly DeterministicDispatcher _instance;

    /// <summary>Reads <c>seed</c> and <c>throughput</c> from the dispatcher's settings.</summary>
    public DeterministicDispatcherConfigurator(Config config, IDispatcherPrerequisites prerequisites)
        : base(config, prerequisites)
    {
        _instance = new DeterministicDispatcher(this, config.GetString("id"), config.GetInt("seed", 0), config.GetInt("throughput", 1));
    }

    /// <inheritdoc />
    public override MessageDispatcher Dispatcher() => _instance;
}
