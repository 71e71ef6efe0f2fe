using Emulator.Actors.Scheduling;
using Microsoft.Extensions.Logging;

namespace Emulator.Actors;

/// <summary>How mailboxes are run.</summary>
public enum ExecutionMode
{
    /// <summary>On the .NET thread pool, in parallel (production).</summary>
    ThreadPool,

    /// <summary>On one logical thread, in a seeded reproducible order, when the owner pumps the dispatcher (tests, simulations).</summary>
    Deterministic,
}

/// <summary>How time moves.</summary>
public enum TimeMode
{
    /// <summary>Wall-clock time scaled by <see cref="ActorSystemSettings.TimeScale"/>.</summary>
    Real,

    /// <summary>Time stands still until advanced explicitly.</summary>
    Virtual,
}

/// <summary>Settings of an <see cref="ActorSystem"/>.</summary>
public sealed record ActorSystemSettings
{
    /// <summary>The defaults: thread pool, real time, information-level logging to standard error.</summary>
    public static ActorSystemSettings Default { get; } = new();

    /// <summary>Deterministic dispatcher on virtual time with the given seed.</summary>
    public static ActorSystemSettings DeterministicWithSeed(int seed) => new() { Mode = ExecutionMode.Deterministic, Time = TimeMode.Virtual, Seed = seed };

    /// <summary>How mailboxes run.</summary>
    public ExecutionMode Mode { get; init; } = ExecutionMode.ThreadPool;

    /// <summary>Seed of the deterministic interleaving (and of actor uids in deterministic mode).</summary>
    public int Seed { get; init; }

    /// <summary>How time moves.</summary>
    public TimeMode Time { get; init; } = TimeMode.Real;

    /// <summary>Emulated seconds per real second, for <see cref="TimeMode.Real"/>.</summary>
    public double TimeScale { get; init; } = 1.0;

    /// <summary>Emulated start time; defaults to now (real) or 2026-01-01 (virtual).</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>User messages an actor processes per turn on the thread-pool dispatcher (Akka's default is 30).</summary>
    public int Throughput { get; init; } = 30;

    /// <summary>User messages per turn on the deterministic dispatcher; 1 gives the finest interleaving.</summary>
    public int DeterministicThroughput { get; init; } = 1;

    /// <summary>Lowest level published by loggers.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Where log events go; null writes warnings and errors to standard error (unless <see cref="LogToStandardError"/> is false).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Whether the system writes log events to standard error when no factory is given.</summary>
    public bool LogToStandardError { get; init; } = true;

    /// <summary>How many dead letters are logged before logging stops (0 disables).</summary>
    public int LogDeadLetters { get; init; } = 10;

    /// <summary>Whether dead letters are logged once coordinated shutdown has started (Akka's default: no).</summary>
    public bool LogDeadLettersDuringShutdown { get; init; }

    /// <summary>Maximum stash size; 0 or less for unbounded.</summary>
    public int StashCapacity { get; init; }

    /// <summary>Default timeout of each coordinated-shutdown phase (on the system clock).</summary>
    public TimeSpan ShutdownPhaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Host and port once the system is reachable by other processes; null for a local system.</summary>
    public (string Host, int Port)? RemoteAddress { get; init; }
}
