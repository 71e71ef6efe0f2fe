using Emulator.Actors.Event;

namespace Emulator.Actors;

/// <summary>
/// Ordered shutdown, as Akka's CoordinatedShutdown: named phases run one after another; the tasks of one phase
/// run concurrently and the phase ends when all are done or its timeout (on the system clock) passes.
/// The last phase stops the actors. Running it twice returns the same task.
/// </summary>
public sealed class CoordinatedShutdown
{
    /// <summary>The phases in order (Akka's default phase names).</summary>
    public static readonly IReadOnlyList<string> Phases =
    [
        "before-service-unbind", "service-unbind", "service-requests-done", "service-stop",
        "before-cluster-shutdown", "cluster-leave", "cluster-exiting", "cluster-exiting-done", "cluster-shutdown",
        "before-actor-system-terminate", "actor-system-terminate", AfterActorSystemTerminate,
    ];

    /// <summary>
    /// Runs once every actor has stopped (the system's clock and scheduler are gone by then): resources the actors
    /// used until their last <c>PostStop</c>, such as journal stores, close here. Not one of Akka's phases.
    /// </summary>
    public const string AfterActorSystemTerminate = "after-actor-system-terminate";

    private readonly ActorSystem _system;
    private readonly Dictionary<string, List<(string Name, Func<Task> Task)>> _tasks = [];
    private readonly object _gate = new();
    private Task? _run;

    internal CoordinatedShutdown(ActorSystem system) => _system = system;

    /// <summary>Why shutdown ran; null until it started.</summary>
    public Reason? ShutdownReason { get; private set; }

    /// <summary>Adds a task to a phase; tasks added after shutdown started are ignored for phases already run.</summary>
    public void AddTask(string phase, string taskName, Func<Task> task)
    {
        if (!Phases.Contains(phase))
        {
            throw new ArgumentException($"Unknown coordinated shutdown phase [{phase}]", nameof(phase));
        }
        ArgumentNullException.ThrowIfNull(task);
        lock (_gate)
        {
            if (!_tasks.TryGetValue(phase, out var list))
            {
                _tasks[phase] = list = [];
            }
            list.Add((taskName, task));
        }
    }

    /// <summary>Starts the shutdown (once) and returns its completion.</summary>
    public Task Run(Reason reason)
    {
        lock (_gate)
        {
            if (_run is not null)
            {
                return _run;
            }
            ShutdownReason = reason;
            _run = RunPhasesAsync();
            return _run;
        }
    }

    private async Task RunPhasesAsync()
    {
        foreach (var phase in Phases)
        {
            List<(string Name, Func<Task> Task)> tasks;
            lock (_gate)
            {
                tasks = _tasks.TryGetValue(phase, out var list) ? [.. list] : [];
            }
            if (phase == "actor-system-terminate")
            {
                tasks.Add(("terminate-system", _system.StopGuardians));
            }
            if (tasks.Count == 0)
            {
                continue;
            }
            var running = tasks.Select(t => RunTask(phase, t.Name, t.Task)).ToArray();
            var all = Task.WhenAll(running);
            if (phase is "actor-system-terminate" or AfterActorSystemTerminate)
            {
                await all.ConfigureAwait(false);
                continue;
            }
            var timeout = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var timer = _system.Scheduler.ScheduleOnce(_system.Settings.ShutdownPhaseTimeout, () => timeout.TrySetResult());
            if (await Task.WhenAny(all, timeout.Task).ConfigureAwait(false) != all)
            {
                _system.Log.Warning("Coordinated shutdown phase [{Phase}] timed out after {Timeout}", phase, _system.Settings.ShutdownPhaseTimeout);
            }
            timer.Cancel();
        }
    }

    private async Task RunTask(string phase, string name, Func<Task> task)
    {
        try
        {
            await task().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _system.Log.Error(e, "Coordinated shutdown task [{Task}] in phase [{Phase}] failed", name, phase);
        }
    }

    /// <summary>Why the system shuts down.</summary>
    public abstract class Reason;

    /// <summary>Shutdown requested by <see cref="ActorSystem.Terminate"/>.</summary>
    public sealed class ActorSystemTerminateReason : Reason
    {
        private ActorSystemTerminateReason() { }

        /// <summary>The single instance.</summary>
        public static ActorSystemTerminateReason Instance { get; } = new();
    }
}
