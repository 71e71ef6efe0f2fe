using Akka.Configuration;

namespace Emulator.Runtime;

/// <summary>The runtime's HOCON defaults (embedded <c>reference.conf</c>): emulated time, dispatchers, serializers, journals.</summary>
public static class RuntimeConfig
{
    /// <summary>The defaults, to be used as the last fallback of a system's configuration.</summary>
    public static Config Defaults { get; } = Load(typeof(RuntimeConfig).Assembly, "Emulator.Runtime.reference.conf");

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
        # One thread for everything the actors do, journals included: idleness is then known exactly.
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
