using System.Net;
using Akka.Actor;
using Emulator.Management.Palettes;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Time;
using Microsoft.Extensions.Logging;

namespace Emulator.Management;

/// <summary>What one emulator process offers its console: its actor system and, where it runs them, the store and nodes.</summary>
/// <param name="System">The process's actor system.</param>
/// <param name="Store">The API store (null on a process that holds none).</param>
/// <param name="Nodes">The node host (null on a process that hosts no nodes).</param>
/// <param name="AskTimeout">How long to wait for the store and the nodes (wall clock).</param>
public sealed record ProcessConsoleTargets(ActorSystem System, IActorRef? Store, IActorRef? Nodes, TimeSpan AskTimeout);

/// <summary>Starts the console endpoint of an emulator process with every palette that applies to it.</summary>
public static class ProcessConsole
{
    /// <summary>
    /// Starts the endpoint on <paramref name="address"/>:<paramref name="port"/> (0 picks a free port).
    /// </summary>
    /// <exception cref="System.Net.Sockets.SocketException">The address cannot be bound.</exception>
    public static ConsoleEndpoint Start(ProcessConsoleTargets targets, IPAddress address, int port, ILogger log)
    {
        var system = targets.System;
        var recorder = system.ActorOf(Props.Create(() => new LogRecorder(1000)), "console-log");
        var journal = new JournalReader(system);
        var palettes = new List<Palette>
        {
            new ClusterPalette(system),
            new RemotePalette(system),
            new ActorPalette(system),
            new LogPalette(recorder),
            new PersistencePalette(journal, JournalDelay.Get(system)),
            new TimePalette(EmulatedTime.Get(system)),
            new ProcessPalette(system),
        };
        if (targets.Store is { } store)
        {
            palettes.Add(new KubernetesPalette(store, journal, targets.AskTimeout));
        }
        if (targets.Nodes is { } nodes)
        {
            palettes.Add(new NodePalette(nodes, targets.AskTimeout));
        }
        try
        {
            return ConsoleEndpoint.Start(address, port, palettes, log);
        }
        catch
        {
            system.Stop(recorder);
            throw;
        }
    }
}
