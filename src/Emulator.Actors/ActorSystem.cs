using System.Collections.Concurrent;
using Emulator.Actors.Dispatch;
using Emulator.Actors.Event;
using Emulator.Actors.Scheduling;
using Microsoft.Extensions.Logging;

namespace Emulator.Actors;

/// <summary>
/// A named tree of actors: <c>/user</c> holds the application's actors, <c>/system</c> the kernel's.
/// Owns the dispatchers, the scheduler and clock, the event stream and dead letters.
/// </summary>
public sealed class ActorSystem : IActorRefFactory, IDisposable
{
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IDisposable> _loggers = [];
    private readonly ConcurrentDictionary<string, InternalActorRef> _temp = new(StringComparer.Ordinal);
    private readonly TimerQueueScheduler _scheduler;
    private readonly LocalActorRef _root;
    private readonly LocalActorRef _userGuardian;
    private readonly LocalActorRef _systemGuardian;
    private long _nextUid;
    private long _nextTempId;
    private long _liveActors;
    private int _deadLettersLogged;

    private ActorSystem(string name, ActorSystemSettings settings)
    {
        if (!ActorPath.IsValidPathElement(name) || name.Contains('@') || name.Contains(':'))
        {
            throw new ArgumentException($"Invalid actor system name [{name}]: use letters, digits, '-' and '_'", nameof(name));
        }
        Name = name;
        Settings = settings;
        Address = settings.RemoteAddress is { } remote
            ? new Address(Address.DefaultProtocol, name, remote.Host, remote.Port)
            : new Address(Address.DefaultProtocol, name);
        var uidSeed = settings.Mode == ExecutionMode.Deterministic ? new Random(settings.Seed).NextInt64(1, long.MaxValue / 2) : Random.Shared.NextInt64(1, long.MaxValue / 2);
        _nextUid = uidSeed;

        if (settings.Time == TimeMode.Virtual)
        {
            _scheduler = new VirtualTimeScheduler(new VirtualClock(settings.StartTime));
        }
        else
        {
            _scheduler = new RealTimeScheduler(new RealTimeClock(settings.TimeScale, settings.StartTime));
        }
        EventStream = new EventStream();
        _scheduler.ActionFailed += e => Log!.Error(e, "Scheduled action failed");
        Dispatchers = new Dispatchers(settings);
        Log = CreateLogger($"ActorSystem({name})", typeof(ActorSystem));
        AttachLoggers();

        var rootPath = new RootActorPath(Address);
        DeadLetters = new DeadLetterActorRef(this, rootPath / "deadLetters");
        TempPath = rootPath / "temp";
        var bubbleWalker = new BubbleWalker(this, rootPath / "bubble-walker");
        _root = new LocalActorRef(this, Props.Create<RootGuardian>(), Dispatchers.DefaultDispatcher, bubbleWalker, rootPath);
        _userGuardian = (LocalActorRef)_root.Cell.AttachChild(Props.Create<Guardian>(), "user", systemService: true);
        _systemGuardian = (LocalActorRef)_root.Cell.AttachChild(Props.Create<Guardian>(), "system", systemService: true);
        _root.Cell.Start();
        CoordinatedShutdown = new CoordinatedShutdown(this);
    }

    /// <summary>Creates and starts a system.</summary>
    public static ActorSystem Create(string name, ActorSystemSettings? settings = null) => new(name, settings ?? ActorSystemSettings.Default);

    /// <summary>The system's name (first element of every path's address).</summary>
    public string Name { get; }

    /// <summary>The address of this system.</summary>
    public Address Address { get; }

    /// <summary>The settings the system was created with.</summary>
    public ActorSystemSettings Settings { get; }

    /// <summary>Timers and delays, on the system's clock.</summary>
    public IScheduler Scheduler => _scheduler;

    /// <summary>The system's clock.</summary>
    public IClock Clock => _scheduler.Clock;

    /// <summary>The virtual-time scheduler, or null when time is real.</summary>
    public VirtualTimeScheduler? VirtualTime => _scheduler as VirtualTimeScheduler;

    /// <summary>The publish/subscribe bus.</summary>
    public EventStream EventStream { get; }

    /// <summary>Where undeliverable messages go.</summary>
    public IActorRef DeadLetters { get; }

    /// <summary>The dispatchers by id.</summary>
    public Dispatchers Dispatchers { get; }

    /// <summary>The system's logger.</summary>
    public ILoggingAdapter Log { get; }

    /// <summary>Ordered shutdown tasks run by <see cref="Terminate"/>.</summary>
    public CoordinatedShutdown CoordinatedShutdown { get; }

    /// <summary>Completes once every actor, guardians included, has stopped.</summary>
    public Task WhenTerminated => _terminated.Task;

    /// <summary>Number of actors currently alive, guardians included.</summary>
    public long LiveActorCount => Interlocked.Read(ref _liveActors);

    internal InternalActorRef RootGuardianRef => _root;

    internal IActorRef UserGuardian => _userGuardian;

    internal IActorRef SystemGuardian => _systemGuardian;

    internal ActorPath TempPath { get; }

    /// <summary>Creates a top-level actor under <c>/user</c>.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _userGuardian.Cell.AttachChild(props, name, systemService: false);

    /// <summary>Creates a kernel actor under <c>/system</c>.</summary>
    public IActorRef SystemActorOf(Props props, string? name = null) => _systemGuardian.Cell.AttachChild(props, name, systemService: true);

    /// <summary>Selects actors by absolute path (<c>/user/a/*</c> or <c>emu://name/user/a</c>).</summary>
    public ActorSelection ActorSelection(string path) => Actors.ActorSelection.Create(this, _root, path);

    /// <summary>Selects the actor(s) at <paramref name="path"/>.</summary>
    public ActorSelection ActorSelection(ActorPath path) => Actors.ActorSelection.Create(this, _root, path.ToStringWithoutAddress());

    /// <summary>Stops an actor asynchronously (after the message it is processing).</summary>
    public void Stop(IActorRef actor)
    {
        // A system message, never a change to the parent's state from this thread: the parent learns of the stop
        // through the child's termination notice, and the child's name stays taken until then.
        if (actor is InternalActorRef internalRef)
        {
            internalRef.Stop();
        }
    }

    /// <summary>A logger with the given source.</summary>
    public ILoggingAdapter CreateLogger(string logSource, Type logClass) => new BusLogging(EventStream, logSource, logClass, Settings.LogLevel, Clock);

    /// <summary>
    /// Runs coordinated shutdown: its phases, then the actors (children before parents, each <c>PostStop</c> once).
    /// Returns <see cref="WhenTerminated"/>. In deterministic mode, when called from outside the actors, it pumps the
    /// dispatcher until the system has terminated.
    /// </summary>
    public Task Terminate()
    {
        var run = CoordinatedShutdown.Run(CoordinatedShutdown.ActorSystemTerminateReason.Instance);
        if (Dispatchers.Deterministic is not null && ActorCell.Current is null)
        {
            WaitDeterministically(WhenTerminated, TimeSpan.FromSeconds(30));
        }
        return run.ContinueWith(_ => WhenTerminated, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Stops the guardians; the last step of coordinated shutdown.</summary>
    internal Task StopGuardians()
    {
        _userGuardian.Stop();
        return WhenTerminated;
    }

    /// <summary>
    /// Deterministic mode: runs ready actors (and due virtual timers) on this thread until <paramref name="task"/> completes
    /// or <paramref name="timeout"/> (real time) passes. Returns whether it completed.
    /// </summary>
    public bool WaitDeterministically(Task task, TimeSpan timeout)
    {
        var dispatcher = Dispatchers.Deterministic ?? throw new InvalidOperationException("The system is not in deterministic mode");
        using var signal = new SemaphoreSlim(0);
        void OnReady() => signal.Release();
        dispatcher.MailboxReady += OnReady;
        try
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                RunUntilIdle();
                if (task.IsCompleted)
                {
                    return true;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }
                Task.WaitAny([task, signal.WaitAsync(left)], left);
            }
        }
        finally
        {
            dispatcher.MailboxReady -= OnReady;
        }
    }

    /// <summary>
    /// Deterministic mode: runs ready actors and timers due now until nothing is left to do; returns the turns run.
    /// </summary>
    public int RunUntilIdle()
    {
        var dispatcher = Dispatchers.Deterministic ?? throw new InvalidOperationException("The system is not in deterministic mode");
        var total = 0;
        while (true)
        {
            var steps = dispatcher.RunUntilIdle();
            VirtualTime?.Advance(TimeSpan.Zero);
            total += steps;
            if (steps == 0 && dispatcher.IsIdle)
            {
                return total;
            }
        }
    }

    /// <summary>
    /// Virtual time: moves the clock forward by <paramref name="by"/>, firing due timers in order; in deterministic
    /// mode the actors run until idle after every timer, so chains of timers behave as in real time.
    /// </summary>
    public void Advance(TimeSpan by)
    {
        var virtualTime = VirtualTime ?? throw new InvalidOperationException("The system does not run on virtual time");
        if (Dispatchers.Deterministic is null)
        {
            virtualTime.Advance(by);
            return;
        }
        RunUntilIdle();
        virtualTime.AfterEachTimer = () => Dispatchers.Deterministic.RunUntilIdle();
        try
        {
            virtualTime.Advance(by);
        }
        finally
        {
            virtualTime.AfterEachTimer = null;
        }
        RunUntilIdle();
    }

    internal long NewUid() => Interlocked.Increment(ref _nextUid);

    internal void OnActorCreated() => Interlocked.Increment(ref _liveActors);

    internal void OnActorTerminated(ActorCell cell) => Interlocked.Decrement(ref _liveActors);

    internal void OnRootTerminated()
    {
        _scheduler.Dispose();
        foreach (var logger in _loggers)
        {
            logger.Dispose();
        }
        _terminated.TrySetResult();
    }

    internal ActorPath NextTempPath(out string name)
    {
        name = "$" + Interlocked.Increment(ref _nextTempId);
        return TempPath.Child(name, NewUid());
    }

    internal void AddTemp(string name, InternalActorRef actor) => _temp[name] = actor;

    internal void RemoveTemp(string name) => _temp.TryRemove(name, out _);

    internal InternalActorRef? GetTemp(string name) => _temp.TryGetValue(name, out var actor) ? actor : null;

    private void AttachLoggers()
    {
        if (Settings.LoggerFactory is { } factory)
        {
            _loggers.Add(LoggerBridge.Attach(EventStream, factory));
        }
        else if (Settings.LogToStandardError)
        {
            _loggers.Add(StandardErrorLogger.Attach(EventStream));
        }
        if (Settings.LogDeadLetters > 0)
        {
            _loggers.Add(EventStream.Subscribe<DeadLetter>(LogDeadLetter));
        }
    }

    private void LogDeadLetter(DeadLetter d)
    {
        // As Akka's log-dead-letters-during-shutdown = off: messages to actors already stopped by the shutdown are expected.
        if (!Settings.LogDeadLettersDuringShutdown && CoordinatedShutdown.ShutdownReason is not null)
        {
            return;
        }
        var count = Interlocked.Increment(ref _deadLettersLogged);
        if (count > Settings.LogDeadLetters)
        {
            return;
        }
        var suffix = count == Settings.LogDeadLetters ? ", no more dead letters will be logged" : "";
        Log.Info("Message [{MessageType}] from {Sender} to {Recipient} was not delivered. [{Count}] dead letters encountered{Suffix}.",
            d.Message.GetType().Name, d.Sender?.ToString() ?? "NoSender", d.Recipient, count, suffix);
    }

    /// <summary>Terminates the system and waits (up to the shutdown timeout).</summary>
    public void Dispose()
    {
        if (!WhenTerminated.IsCompleted)
        {
            Terminate().Wait(TimeSpan.FromSeconds(30));
        }
    }

    /// <inheritdoc />
    public override string ToString() => Address.ToString();
}
