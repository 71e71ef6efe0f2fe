using Akka.Configuration;
using Emulator.Runtime;
using Emulator.Runtime.Dispatch;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;
using Emulator.Runtime.Time;
using Xunit.Abstractions;

namespace Emulator.TestKit;

/// <summary>
/// Akka.TestKit.Xunit2's <see cref="Akka.TestKit.Xunit2.TestKit"/> set up as the emulator's tests need it: virtual
/// emulated time (<see cref="Advance"/>), the seeded deterministic dispatcher (seed 0 unless told otherwise; null runs
/// on the thread pool), in-memory journals, and waits that let the actors settle instead of sleeping.
/// </summary>
public abstract class EmulatorTestKit : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>How long (real time) the actors may take to settle after a step before a wait gives up.</summary>
    public static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(10);

    static EmulatorTestKit()
    {
        // Test threads block in expectations and settling while journals, asks and system shutdown continue on the thread
        // pool: with the default floor (one thread per core) the pool starves and each reply waits for it to grow
        // (about half a second a thread). A higher floor keeps replies immediate.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
    }

    /// <summary>Creates the system under test.</summary>
    /// <param name="config">Settings that take precedence over the test defaults.</param>
    /// <param name="output">xunit's output, for Akka's log.</param>
    /// <param name="seed">Seed of the deterministic dispatcher; null runs the actors on the thread pool.</param>
    protected EmulatorTestKit(Config? config = null, ITestOutputHelper? output = null, int? seed = 0)
        : base(TestConfig(config, seed), "test", output)
    {
        Driver = new VirtualRun(Sys, SettleTimeout);
        Deterministic = Driver.Dispatcher;
    }

    /// <summary>The settings every emulator test system starts from.</summary>
    public static Config TestConfig(Config? config, int? seed) =>
        (config ?? Config.Empty)
            .WithFallback(EmulatedTime.VirtualConfig())
            .WithFallback(JournalSettings.InMemory())
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.test.single-expect-default = 5s"))
            .WithFallback(seed is { } s ? RuntimeConfig.Deterministic(s) : RuntimeConfig.Defaults);

    /// <summary>The deterministic dispatcher, when the system runs on one.</summary>
    public DeterministicDispatcher? Deterministic { get; }

    /// <summary>True when the system runs on the deterministic dispatcher.</summary>
    public bool IsDeterministic => Deterministic is not null;

    /// <summary>The emulated time of the system under test.</summary>
    public EmulatedTime Time => EmulatedTime.Get(Sys);

    /// <summary>The emulated clock.</summary>
    public IEmulatedClock Clock => Time.Clock;

    /// <summary>The event manifests of the system under test (register journal types here).</summary>
    public EventManifests Manifests => EventSerialization.Get(Sys).Manifests;

    /// <summary>The driver of the system's virtual time and deterministic dispatcher.</summary>
    public VirtualRun Driver { get; }

    /// <summary>Moves virtual time forward, firing due timers and letting the actors react after each.</summary>
    public void Advance(TimeSpan by) => Driver.Advance(by);

    /// <summary>
    /// Lets the actors run until nothing is queued (deterministic dispatcher), or briefly (thread pool); on virtual time,
    /// timers already due (zero delays) fire too, as they would at once on a real clock.
    /// </summary>
    public void Settle() => Driver.Settle();

    /// <summary>Deterministic mode: runs the actors until nothing is ready (kept for the tests' wording).</summary>
    public void RunUntilIdleIfDeterministic() => Settle();

    /// <summary>Waits until <paramref name="condition"/> holds or <paramref name="timeout"/> (real time) passes, letting the actors settle between checks.</summary>
    public bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (condition())
            {
                return true;
            }
            Settle();
            if (condition())
            {
                return true;
            }
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            Thread.Sleep(5);
        }
    }

    /// <summary>Retries <paramref name="assertion"/> until it passes (settling the actors between tries) or <paramref name="duration"/> passes; rethrows the last failure.</summary>
    public void AwaitAssert(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null)
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
        }, duration ?? TimeSpan.FromSeconds(5));
        if (!ok)
        {
            throw last ?? new InvalidOperationException("AwaitAssert failed");
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, settling the actors between checks.</summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? duration = null, string? message = null)
    {
        if (!WaitFor(condition, duration ?? TimeSpan.FromSeconds(5)))
        {
            throw new Xunit.Sdk.XunitException($"Condition not met within {duration ?? TimeSpan.FromSeconds(5)}{(message is null ? "" : ": " + message)}");
        }
    }

    /// <summary>Expects no message on the test actor once the actors have settled (a short real-time window).</summary>
    public void ExpectNoMsg() => ExpectNoMsg(TimeSpan.FromMilliseconds(100));

    /// <summary>Expects no message on the test actor for <paramref name="duration"/> after the actors have settled.</summary>
    public void ExpectNoMsg(TimeSpan duration)
    {
        Settle();
        base.ExpectNoMsg(duration);
    }
}
