using Emulator.Actors.Event;
using Microsoft.Extensions.Logging;

namespace Emulator.Actors.TestKit;

/// <summary>
/// Base class for xunit tests: owns one <see cref="ActorSystem"/> per test, a default <see cref="TestActor"/>,
/// probes, event filters and time control. By default the system is deterministic (seed 0) on virtual time:
/// every expectation runs the actors on the test thread until the expected message is there or nothing is left to run.
/// Disposing terminates the system and fails when actors do not stop (leaked actors).
/// </summary>
public abstract class TestKitBase : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0);
    private readonly List<EventFilter> _filters = [];
    private readonly IDisposable _logSubscription;
    private readonly IDisposable _deadLetterSubscription;
    private readonly Action<string>? _output;
    private TestProbe? _testActor;
    private int _probeCount;
    private bool _disposed;

    /// <summary>Creates the system (deterministic, virtual time, seed 0 unless <paramref name="settings"/> say otherwise).</summary>
    /// <param name="settings">System settings; logging to standard error is switched off, the kit logs to <paramref name="output"/>.</param>
    /// <param name="output">Receives log lines that no event filter muted (e.g. xunit's ITestOutputHelper.WriteLine).</param>
    /// <param name="systemName">Name of the actor system.</param>
    protected TestKitBase(ActorSystemSettings? settings = null, Action<string>? output = null, string systemName = "test")
    {
        settings ??= ActorSystemSettings.DeterministicWithSeed(0);
        _output = output;
        Sys = ActorSystem.Create(systemName, settings with { LogToStandardError = false });
        IsDeterministic = Sys.Dispatchers.Deterministic is not null;
        if (Sys.Dispatchers.Deterministic is { } dispatcher)
        {
            dispatcher.MailboxReady += Signal;
        }
        _logSubscription = Sys.EventStream.Subscribe<LogEvent>(OnLogEvent);
        _deadLetterSubscription = Sys.EventStream.Subscribe<DeadLetter>(OnDeadLetter);
    }

    /// <summary>The system under test.</summary>
    public ActorSystem Sys { get; }

    /// <summary>True when the system runs on the deterministic dispatcher.</summary>
    public bool IsDeterministic { get; }

    /// <summary>How long expectations wait (real time) by default.</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The default probe; <see cref="ExpectMsg{T}(Func{T, bool}?, TimeSpan?, string?)"/> and friends read from it.</summary>
    public TestProbe TestActorProbe
    {
        get
        {
            // Created once even when first used from several threads (e.g. inside actor constructors).
            lock (_filters)
            {
                return _testActor ??= CreateTestProbe("testActor");
            }
        }
    }

    /// <summary>The default probe's ref (use as sender or reply-to).</summary>
    public IActorRef TestActor => TestActorProbe.Ref;

    /// <summary>The sender of the last message the default probe took.</summary>
    public IActorRef LastSender => TestActorProbe.LastSender;

    /// <summary>Creates another probe.</summary>
    public TestProbe CreateTestProbe(string? name = null) =>
        new(this, name ?? $"testProbe{Interlocked.Increment(ref _probeCount)}");

    /// <summary>Creates a top-level actor.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => Sys.ActorOf(props, name);

    /// <summary>Creates a top-level actor from a factory.</summary>
    public IActorRef ActorOf<TActor>(Func<TActor> factory, string? name = null) where TActor : ActorBase => Sys.ActorOf(Props.Create(factory), name);

    /// <summary>Moves virtual time forward, firing due timers (and running the actors after each, in deterministic mode).</summary>
    public void Advance(TimeSpan by) => Sys.Advance(by);

    /// <summary>Deterministic mode: runs the actors until nothing is ready.</summary>
    public void RunUntilIdleIfDeterministic()
    {
        if (IsDeterministic)
        {
            Sys.RunUntilIdle();
        }
    }

    internal void Signal() => _signal.Release();

    /// <summary>
    /// Waits until <paramref name="condition"/> holds or <paramref name="timeout"/> passes. In deterministic mode the actors run
    /// on this thread between checks; when they are idle the wait only continues for work arriving from outside (tasks, I/O).
    /// </summary>
    public bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (condition())
            {
                return true;
            }
            if (IsDeterministic)
            {
                Sys.RunUntilIdle();
                if (condition())
                {
                    return true;
                }
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }
            _signal.Wait(left < TimeSpan.FromMilliseconds(20) ? left : TimeSpan.FromMilliseconds(20));
        }
    }

    /// <summary>Expects a message of type <typeparamref name="T"/> on the default probe.</summary>
    public T ExpectMsg<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null, string? hint = null) => TestActorProbe.ExpectMsg(predicate, timeout, hint);

    /// <summary>Expects a message equal to <paramref name="expected"/> on the default probe.</summary>
    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null) where T : notnull => TestActorProbe.ExpectMsg(expected, timeout);

    /// <summary>Expects no message on the default probe.</summary>
    public void ExpectNoMsg(TimeSpan? duration = null) => TestActorProbe.ExpectNoMsg(duration);

    /// <summary>Expects the <see cref="Terminated"/> of an actor the default probe watches.</summary>
    public Terminated ExpectTerminated(IActorRef actor, TimeSpan? timeout = null) => TestActorProbe.ExpectTerminated(actor, timeout);

    /// <summary>Fishes on the default probe.</summary>
    public object FishForMessage(Func<object, bool> isTarget, TimeSpan? timeout = null) => TestActorProbe.FishForMessage(isTarget, timeout);

    /// <summary>Fishes for a typed message on the default probe.</summary>
    public T FishForMessage<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null) => TestActorProbe.FishForMessage(predicate, timeout);

    /// <summary>Receives <paramref name="count"/> messages on the default probe.</summary>
    public IReadOnlyList<object> ReceiveN(int count, TimeSpan? timeout = null) => TestActorProbe.ReceiveN(count, timeout);

    /// <summary>Takes the next message on the default probe, or null.</summary>
    public object? ReceiveOne(TimeSpan? timeout = null) => TestActorProbe.ReceiveOne(timeout);

    /// <summary>The default probe watches <paramref name="actor"/>.</summary>
    public IActorRef Watch(IActorRef actor) => TestActorProbe.Watch(actor);

    /// <summary>The default probe stops watching <paramref name="actor"/>.</summary>
    public IActorRef Unwatch(IActorRef actor) => TestActorProbe.Unwatch(actor);

    /// <summary>Retries <paramref name="assertion"/> until it passes or <paramref name="duration"/> passes; rethrows the last failure.</summary>
    public void AwaitAssert(Action assertion, TimeSpan? duration = null)
    {
        Exception? last = null;
        var ok = WaitFor(() =>
        {
            try
            {
                assertion();
                return true;
            }
            catch (Exception e)
            {
                last = e;
                return false;
            }
        }, duration ?? DefaultTimeout);
        if (!ok)
        {
            throw last ?? new TestKitAssertionException("AwaitAssert failed");
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? duration = null, string? message = null)
    {
        if (!WaitFor(condition, duration ?? DefaultTimeout))
        {
            throw new TestKitAssertionException($"Condition not met within {duration ?? DefaultTimeout}{(message is null ? "" : ": " + message)}");
        }
    }

    /// <summary>Starts an event filter (expected errors, warnings, dead letters).</summary>
    public EventFilterFactory EventFilter => new(this);

    internal void AddFilter(EventFilter filter)
    {
        lock (_filters)
        {
            _filters.Add(filter);
        }
    }

    internal void RemoveFilter(EventFilter filter)
    {
        lock (_filters)
        {
            _filters.Remove(filter);
        }
    }

    private bool TryMute(object e)
    {
        lock (_filters)
        {
            foreach (var filter in _filters)
            {
                if (filter.TryMatch(e))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private void OnLogEvent(LogEvent e)
    {
        if (TryMute(e))
        {
            return;
        }
        if (_output is not null && e.Level >= LogLevel.Debug)
        {
            try
            {
                _output(e.ToString());
            }
            catch (InvalidOperationException)
            {
                // The test has finished; xunit's output helper refuses late lines.
            }
        }
    }

    private void OnDeadLetter(DeadLetter d) => TryMute(d);

    /// <summary>Terminates the system; throws when it does not terminate (an actor that does not stop).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Terminates the system.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }
        _disposed = true;
        var terminated = Sys.Terminate().Wait(TimeSpan.FromSeconds(10));
        _logSubscription.Dispose();
        _deadLetterSubscription.Dispose();
        if (!terminated || Sys.LiveActorCount != 0)
        {
            throw new TestKitAssertionException(
                $"Actor system did not terminate cleanly: {Sys.LiveActorCount} actor(s) still alive (leaked actors that did not stop)");
        }
    }
}
