using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Emulator.Runtime;
using Emulator.Runtime.Time;

namespace Emulator.Benchmarks;

/// <summary>Actor systems configured as the product's host configures them.</summary>
internal static class BenchSystems
{
    /// <summary>Quiet logging: the benchmarks print their own figures.</summary>
    private static readonly Config Quiet = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        """);

    /// <summary>
    /// A system as <c>emulator up</c> builds one (scaled time, then the journal, then the runtime defaults), with the
    /// given journal settings (none: Akka's in-memory plugins, never touched by the actor benchmarks).
    /// </summary>
    public static ActorSystem Create(string name, Config? journal = null, Config? time = null) =>
        ActorSystem.Create(name, Quiet
            .WithFallback(time ?? EmulatedTime.ScaledConfig(1))
            .WithFallback(journal ?? Emulator.Runtime.Persistence.JournalSettings.InMemory())
            .WithFallback(RuntimeConfig.Defaults));

    public static void Stop(ActorSystem system)
    {
        if (!system.Terminate().Wait(TimeSpan.FromMinutes(5)))
        {
            throw new TimeoutException($"actor system {system.Name} did not terminate");
        }
    }
}

/// <summary>An actor whose messages a benchmark thread takes one by one.</summary>
internal sealed class BlockingInbox
{
    private readonly BlockingCollection<object> _messages = [];

    public BlockingInbox(ActorSystem system) => Ref = system.ActorOf(Props.Create(() => new InboxActor(_messages)));

    public IActorRef Ref { get; }

    public object Receive() => _messages.TryTake(out var message, TimeSpan.FromMinutes(5)) ? message : throw new TimeoutException("benchmark inbox timed out");

    private sealed class InboxActor(BlockingCollection<object> messages) : UntypedActor
    {
        protected override void OnReceive(object message) => messages.Add(message);
    }
}

/// <summary>Percentiles of sorted samples.</summary>
internal static class Stats
{
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
