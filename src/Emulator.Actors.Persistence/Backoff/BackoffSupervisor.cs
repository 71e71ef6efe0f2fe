using Emulator.Actors.Scheduling;

namespace Emulator.Actors.Persistence.Backoff;

/// <summary>When the backoff supervisor restarts its child.</summary>
public enum BackoffMode
{
    /// <summary>Restart after the child stopped (a persistent actor stops on a journal failure).</summary>
    OnStop,

    /// <summary>Restart after the child failed (threw); a child that stops by itself stops the supervisor too.</summary>
    OnFailure,
}

/// <summary>Settings of a <see cref="BackoffSupervisor"/>, as Akka's BackoffOptions.</summary>
/// <param name="ChildProps">The child to run.</param>
/// <param name="ChildName">Its name.</param>
/// <param name="MinBackoff">Delay before the first restart.</param>
/// <param name="MaxBackoff">Upper bound of the delay (it doubles per restart).</param>
/// <param name="RandomFactor">Extra random delay: 0.2 adds up to 20 %.</param>
/// <param name="Mode">Restart on stop or on failure.</param>
public sealed record BackoffOptions(Props ChildProps, string ChildName, TimeSpan MinBackoff, TimeSpan MaxBackoff, double RandomFactor, BackoffMode Mode = BackoffMode.OnStop)
{
    /// <summary>After the child ran this long without stopping, the delay starts again from <see cref="MinBackoff"/> (default: MinBackoff).</summary>
    public TimeSpan? ResetBackoffAfter { get; init; }

    /// <summary>Restarts allowed before the supervisor gives up and stops; -1 for no limit.</summary>
    public int MaxNrOfRetries { get; init; } = -1;
}

/// <summary>
/// Runs one child and restarts it with exponential backoff (<c>min(max, min·2ⁿ)·(1 + random·factor)</c>) when it stops
/// or fails, so a persistent actor whose store is down retries without hammering it. Messages sent to the supervisor are
/// forwarded to the current child. Answers <see cref="GetCurrentChild"/> and <see cref="GetRestartCount"/>.
/// </summary>
public sealed class BackoffSupervisor : UntypedActor
{
    private readonly BackoffOptions _options;
    private readonly Random _random;
    private IActorRef? _child;
    private int _restartCount;
    private int _childGeneration;
    private ICancelable? _resetTimer;
    private bool _childFailed;

    /// <summary>Creates the supervisor; use <see cref="Props(BackoffOptions)"/>.</summary>
    public BackoffSupervisor(BackoffOptions options)
    {
        _options = options;
        _random = Context.System.Settings.Mode == ExecutionMode.Deterministic ? new Random(Context.System.Settings.Seed) : new Random();
    }

    /// <summary>Props for a backoff supervisor.</summary>
    public static Props Props(BackoffOptions options) => Actors.Props.Create(() => new BackoffSupervisor(options));

    /// <summary>Asks for the current child; the answer is <see cref="CurrentChild"/>.</summary>
    public sealed record GetCurrentChild
    {
        /// <summary>The single instance.</summary>
        public static GetCurrentChild Instance { get; } = new();
    }

    /// <summary>The current child, or null while waiting to restart it.</summary>
    public sealed record CurrentChild(IActorRef? Ref);

    /// <summary>Asks for the restart count; the answer is <see cref="RestartCount"/>.</summary>
    public sealed record GetRestartCount
    {
        /// <summary>The single instance.</summary>
        public static GetRestartCount Instance { get; } = new();
    }

    /// <summary>Restarts since the last reset.</summary>
    public sealed record RestartCount(int Count);

    private sealed record StartChild;

    private sealed record ResetRestartCount(int Generation);

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() =>
        _options.Mode == BackoffMode.OnFailure
            // A failing child is stopped; its Terminated schedules the restart.
            ? new OneForOneStrategy(_ =>
            {
                _childFailed = true;
                return Directive.Stop;
            })
            : Actors.SupervisorStrategy.DefaultStrategy;

    /// <inheritdoc />
    protected override void PreStart() => StartChildNow();

    private void StartChildNow()
    {
        _child = Context.Watch(Context.ActorOf(_options.ChildProps, _options.ChildName));
        var generation = ++_childGeneration;
        _resetTimer?.Cancel();
        _resetTimer = Context.System.Scheduler.ScheduleTellOnce(_options.ResetBackoffAfter ?? _options.MinBackoff, Self, new ResetRestartCount(generation), Self);
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Terminated t when t.ActorRef.Equals(_child):
                _child = null;
                _resetTimer?.Cancel();
                if (_options.Mode == BackoffMode.OnFailure && !_childFailed)
                {
                    Context.Stop(Self);
                    return;
                }
                _childFailed = false;
                if (_options.MaxNrOfRetries >= 0 && _restartCount >= _options.MaxNrOfRetries)
                {
                    Context.Stop(Self);
                    return;
                }
                Context.System.Scheduler.ScheduleTellOnce(NextDelay(), Self, new StartChild(), Self);
                _restartCount++;
                break;
            case StartChild:
                if (_child is null)
                {
                    StartChildNow();
                }
                break;
            case ResetRestartCount reset:
                if (reset.Generation == _childGeneration && _child is not null)
                {
                    _restartCount = 0;
                }
                break;
            case GetCurrentChild:
                Sender.Tell(new CurrentChild(_child), Self);
                break;
            case GetRestartCount:
                Sender.Tell(new RestartCount(_restartCount), Self);
                break;
            default:
                if (_child is not null)
                {
                    _child.Forward(message);
                }
                else
                {
                    Context.System.DeadLetters.Tell(new DeadLetter(message, Sender, Self), Sender);
                }
                break;
        }
    }

    /// <inheritdoc />
    protected override void PreRestart(Exception reason, object? message)
    {
        // The supervisor itself keeps its child across its own restarts.
    }

    internal TimeSpan NextDelay()
    {
        var exponent = Math.Min(_restartCount, 30);
        var ticks = Math.Min(_options.MaxBackoff.Ticks, _options.MinBackoff.Ticks * Math.Pow(2, exponent));
        var random = 1.0 + (_random.NextDouble() * _options.RandomFactor);
        return TimeSpan.FromTicks((long)Math.Min(_options.MaxBackoff.Ticks * (1 + _options.RandomFactor), ticks * random));
    }
}
