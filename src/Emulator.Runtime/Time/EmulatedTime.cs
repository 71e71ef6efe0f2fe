using Akka.Actor;
using Akka.Configuration;
using Akka.Event;

namespace Emulator.Runtime.Time;

/// <summary>
/// The emulated world's clock and scheduler, as an Akka extension beside the system scheduler (not a replacement for
/// it): emulated actors measure every duration on it, while Akka's own timers, asks, remoting heartbeats and failure
/// detectors stay on the wall clock, so a cluster neither runs 60 times faster nor stands still with the emulated world.
/// Configured by <c>emulator.time</c>: <c>mode = scaled</c> (with <c>scale</c>, emulated seconds per real second) or
/// <c>mode = virtual</c> (time moves only on <see cref="Advance"/>, starting at <c>virtual-start</c>).
/// </summary>
public sealed class EmulatedTime : IExtension
{
    /// <summary>Creates the extension from the system's <c>emulator.time</c> settings.</summary>
    public EmulatedTime(ExtendedActorSystem system)
    {
        var config = system.Settings.Config.WithFallback(RuntimeConfig.Defaults).GetConfig("emulator.time");
        var mode = config.GetString("mode", "scaled");
        switch (mode)
        {
            case "virtual":
                var startText = config.GetString("virtual-start", "");
                var start = string.IsNullOrEmpty(startText)
                    ? VirtualClock.DefaultStart
                    : DateTimeOffset.Parse(startText, System.Globalization.CultureInfo.InvariantCulture);
                Virtual = new VirtualTimeScheduler(new VirtualClock(start));
                Scheduler = Virtual;
                break;
            case "scaled":
                Scaled = new ScaledClock(config.GetDouble("scale", 1.0));
                Scheduler = new ScaledTimeScheduler(Scaled);
                break;
            default:
                throw new ConfigurationException($"emulator.time.mode must be 'scaled' or 'virtual', not '{mode}'");
        }
        Scheduler.ActionFailed += e => system.Log.Error(e, "An emulated timer's action failed");
        system.RegisterOnTermination(Scheduler.Dispose);
    }

    /// <summary>The emulated clock.</summary>
    public IEmulatedClock Clock => Scheduler.Clock;

    /// <summary>Schedules actions and messages on emulated time.</summary>
    public EmulatedScheduler Scheduler { get; }

    /// <summary>The virtual-time scheduler, or null when time is real or scaled.</summary>
    public VirtualTimeScheduler? Virtual { get; }

    /// <summary>The scaled clock, or null when time is virtual: its pace can change while the world runs.</summary>
    public ScaledClock? Scaled { get; }

    /// <summary>Moves virtual time forward (fails on real or scaled time).</summary>
    public void Advance(TimeSpan by) =>
        (Virtual ?? throw new InvalidOperationException("emulated time is not virtual: set emulator.time.mode = virtual")).Advance(by);

    /// <summary>Moves emulated time forward by <paramref name="by"/>, on virtual time as on scaled time (a jump: every timer due meanwhile fires).</summary>
    public void Jump(TimeSpan by)
    {
        if (Virtual is { } virtualTime)
        {
            virtualTime.Advance(by);
        }
        else
        {
            Scaled!.Advance(by);
        }
    }

    /// <summary>The extension of <paramref name="system"/>.</summary>
    public static EmulatedTime Get(ActorSystem system) => system.WithExtension<EmulatedTime, EmulatedTimeProvider>();

    /// <summary>Settings that put a system on scaled time (<paramref name="scale"/> emulated seconds per real second).</summary>
    public static Config ScaledConfig(double scale) =>
        ConfigurationFactory.ParseString($"emulator.time {{ mode = scaled, scale = {scale.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} }}");

    /// <summary>Settings that put a system on virtual time.</summary>
    public static Config VirtualConfig(DateTimeOffset? start = null) =>
        ConfigurationFactory.ParseString($"emulator.time {{ mode = virtual, virtual-start = \"{(start ?? VirtualClock.DefaultStart):O}\" }}");
}

/// <summary>Creates <see cref="EmulatedTime"/> (Akka's extension id).</summary>
public sealed class EmulatedTimeProvider : ExtensionIdProvider<EmulatedTime>
{
    /// <inheritdoc />
    public override EmulatedTime CreateExtension(ExtendedActorSystem system) => new(system);
}

/// <summary>Shortcuts to the emulated clock.</summary>
public static class EmulatedTimeExtensions
{
    /// <summary>The emulated clock of <paramref name="system"/>.</summary>
    public static IEmulatedClock EmulatedClock(this ActorSystem system) => EmulatedTime.Get(system).Clock;
}
