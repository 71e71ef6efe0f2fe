using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Emulator.Runtime.Actors;

namespace Emulator.Runtime.Persistence;

/// <summary>
/// A journal plugin that wraps the configured one (its <c>inner</c> plugin id) and, while <see cref="JournalDelay"/>
/// says so, acknowledges each write only after a delay on emulated time: a slow disk as the persistent actors see it.
/// The write itself reaches the inner journal at once, so what a writer was told is written is always durable (an
/// acknowledgement comes after the write, never before); replays, deletions and everything else pass through untouched.
/// Built on Akka.Persistence's plugin extension point: any actor can be a journal plugin if it speaks the journal
/// protocol (<see cref="WriteMessages"/> in, <see cref="WriteMessagesSuccessful"/> and one reply per message out).
/// </summary>
public sealed class DelayableJournal : UntypedActor
{
    /// <summary>The plugin's configuration path (its id, as <c>akka.persistence.journal.plugin</c> names it).</summary>
    public const string PluginId = "emulator.persistence.delayable-journal";

    private readonly IActorRef _inner;
    private readonly JournalDelay _delay;

    /// <summary>Creates the plugin from its configuration (Akka.Persistence passes it).</summary>
    public DelayableJournal(Config config)
    {
        var inner = config.GetString("inner", "");
        if (inner.Length == 0 || inner == PluginId)
        {
            throw new ConfigurationException($"{PluginId}.inner must name the journal plugin it wraps, got \"{inner}\"");
        }
        _inner = Akka.Persistence.Persistence.Instance.Apply(Context.System).JournalFor(inner);
        _delay = JournalDelay.Get(Context.System);
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        if (message is WriteMessages write && _delay.Delay is { } delay && delay > TimeSpan.Zero)
        {
            // The journal answers the writer once for the batch and once per message (an atomic write counts its
            // events): the relay holds that many replies until the delay is over, in the order the journal sent them.
            var replies = 1 + write.Messages.Sum(m => m.Size);
            var relay = Context.ActorOf(Props.Create(() => new DelayedAcknowledgements(write.PersistentActor, delay, replies)));
            _inner.Tell(new WriteMessages(write.Messages, relay, write.ActorInstanceId), Sender);
            return;
        }
        _inner.Forward(message);
    }

    /// <summary>Holds the journal's replies to one write until the delay is over, then passes them on to the writer.</summary>
    private sealed class DelayedAcknowledgements(IActorRef writer, TimeSpan delay, int replies) : EmulatedActor
    {
        private readonly List<(object Reply, IActorRef Sender)> _held = [];
        private bool _due;
        private int _passed;

        private sealed record Due;

        protected override void PreStart() => Timers.StartSingleTimer("due", new Due(), delay);

        protected override void OnReceive(object message)
        {
            if (message is Due)
            {
                _due = true;
                foreach (var (reply, sender) in _held)
                {
                    Pass(reply, sender);
                }
                _held.Clear();
            }
            else if (_due)
            {
                Pass(message, Sender);
            }
            else
            {
                _held.Add((message, Sender));
            }
            if (_due && _passed >= replies)
            {
                Context.Stop(Self);
            }
        }

        private void Pass(object reply, IActorRef sender)
        {
            writer.Tell(reply, sender);
            _passed++;
        }
    }
}

/// <summary>
/// How long the <see cref="DelayableJournal"/> of this actor system holds each write's acknowledgement (zero: not at
/// all). Set by the console (<c>persistence delay</c>) and by chaos experiments; read at each write.
/// </summary>
public sealed class JournalDelay : IExtension
{
    private readonly ActorSystem _system;
    private long _ticks;

    /// <summary>Creates the extension of <paramref name="system"/>.</summary>
    public JournalDelay(ActorSystem system)
    {
        _system = system;
    }

    /// <summary>The delay of each write's acknowledgement; zero when writes are acknowledged as soon as they are durable.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));
        set => Interlocked.Exchange(ref _ticks, value < TimeSpan.Zero ? 0 : value.Ticks);
    }

    /// <summary>True when the system's journal is the <see cref="DelayableJournal"/> (otherwise a delay changes nothing).</summary>
    public bool Installed => _system.Settings.Config.GetString("akka.persistence.journal.plugin", "") == DelayableJournal.PluginId;

    /// <summary>The journal the delayable one wraps (the configured plugin when it is not installed).</summary>
    public string InnerPlugin => JournalSettings.InnerPlugin(_system.Settings.Config);

    /// <summary>The extension of <paramref name="system"/>.</summary>
    public static JournalDelay Get(ActorSystem system) => system.WithExtension<JournalDelay, JournalDelayProvider>();
}

/// <summary>Creates the <see cref="JournalDelay"/> extension.</summary>
public sealed class JournalDelayProvider : ExtensionIdProvider<JournalDelay>
{
    /// <inheritdoc />
    public override JournalDelay CreateExtension(ExtendedActorSystem system) => new(system);
}
