using Akka.Configuration;

namespace Emulator.Runtime;

/// <summary>The runtime's HOCON defaults (embedded <c>reference.conf</c>): emulated time, dispatchers, serializers, journals.</summary>
public static class RuntimeConfig
{
    /// <summary>The defaults, to be used as the last fallback of a system's configuration.</summary>
    /// <remarks>
    /// Akka.Persistence.Sql's own defaults come last, below the runtime's tuning of them (batch sizes, query latency), so
    /// that a host's chain of settings — flags, journal, <c>--config</c> file, these defaults — keeps the tuning.
    /// </remarks>
    public static Config Defaults { get; } = Load(typeof(RuntimeConfig).Assembly, "Emulator.Runtime.reference.conf")
        .WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);

    /// <summary>
    /// Settings that run every actor of the default dispatcher on the seeded <see cref="Dispatch.DeterministicDispatcher"/>
    /// (tests, simulations, chaos replay).
    /// </summary>
    public static Config Deterministic(int seed) => ConfigurationFactory.ParseString($$"""
        akka.actor.default-dispatcher {
          type = "Emulator.Runtime.Dispatch.DeterministicDispatcherConfigurator, Emulator.Runtime"
          seed = {{seed}}
          throughput = 1
        }
        # One thread for everything the actors do, journals included: idleness is then known exactly. That includes the
        # guardians and system actors (Akka's internal dispatcher): the /user guardian starts every top-level actor, and
        # on a thread pool of its own the first messages to a new actor would wait there, unseen by idleness and the seed.
        akka.actor.internal-dispatcher = "akka.actor.default-dispatcher"
        akka.persistence.dispatchers.default-plugin-dispatcher = "akka.actor.default-dispatcher"
        """).WithFallback(Defaults);

    /// <summary>Reads an embedded HOCON resource (each project that has settings embeds its own defaults).</summary>
    public static Config Load(System.Reflection.Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource {resource} not found in {assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
