using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Runtime.Persistence;

namespace Emulator.Management.Palettes;

/// <summary>
/// <c>persistence ids | journal PERSISTENCE-ID | delay [DURATION|off]</c>: what the journal holds, decoded — the API
/// store's objects, the container runtime's records — read back through Akka.Persistence.Query; and a slow journal on
/// demand (each write acknowledged only after DURATION of emulated time, see <see cref="DelayableJournal"/>).
/// </summary>
public sealed class PersistencePalette(JournalReader journal, JournalDelay? delay = null) : Palette
{
    /// <inheritdoc />
    public override string Name => "persistence";

    /// <inheritdoc />
    public override string Description => "the event journal";

    /// <inheritdoc />
    public override IReadOnlyList<ConsoleCommandInfo> Commands { get; } =
    [
        new("ids", "ids", "every persistence id in the journal"),
        new("journal", "journal PERSISTENCE-ID [--from N] [--to N]", "the decoded events of one persistent actor (e.g. api-store)"),
        new("delay", "delay [DURATION|off]", "acknowledge each journal write only after DURATION of emulated time (a slow disk); off: at once"),
    ];

    /// <inheritdoc />
    public override async Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken)
    {
        if (command == "ids")
        {
            arguments.Done();
            var ids = await journal.Ids(cancellationToken).ConfigureAwait(false);
            await output.Table(["PERSISTENCE-ID"], ids.Order(StringComparer.Ordinal).Select(id => (IReadOnlyList<string>)[id])).ConfigureAwait(false);
            return 0;
        }
        if (command == "delay")
        {
            return await Delay(arguments, output).ConfigureAwait(false);
        }
        var persistenceId = arguments.Next("PERSISTENCE-ID");
        var from = arguments.Number("--from", 0, long.MaxValue) ?? 0;
        var to = arguments.Number("--to", 0, long.MaxValue) ?? long.MaxValue;
        arguments.Done();
        var events = await journal.Events(persistenceId, from, to, cancellationToken).ConfigureAwait(false);
        if (events.Count == 0)
        {
            throw new ConsoleCommandException($"no events for {persistenceId} from {from} to {(to == long.MaxValue ? "the end" : to.ToString(CultureInfo.InvariantCulture))}");
        }
        await output.Table(["SEQ", "TIME", "EVENT", "DETAIL"], events.Select(e => (IReadOnlyList<string>)
        [
            e.SequenceNr.ToString(CultureInfo.InvariantCulture),
            ConsoleOutput.Time(JournalReader.WrittenAt(e)),
            e.Event.GetType().Name,
            Describe(e.Event, output.Json),
        ])).ConfigureAwait(false);
        return 0;
    }

    private async Task<int> Delay(CommandArguments arguments, ConsoleOutput output)
    {
        if (delay is not { Installed: true })
        {
            throw new ConsoleCommandException("this process's journal cannot be delayed: its journal plugin is not the delayable journal");
        }
        var setting = arguments.NextOrDefault();
        arguments.Done();
        if (setting is not null)
        {
            delay.Delay = setting == "off" ? TimeSpan.Zero : TimePalette.ParseDuration(setting);
        }
        var current = delay.Delay;
        var text = current == TimeSpan.Zero ? "off" : Format(current);
        await output.Value(new JsonObject { ["delay"] = text, ["journal"] = delay.InnerPlugin },
            () => current == TimeSpan.Zero ? $"journal delay off: {delay.InnerPlugin} acknowledges writes as soon as they are durable" : $"journal delay {text}: each write to {delay.InnerPlugin} is acknowledged {text} (emulated) after it arrives").ConfigureAwait(false);
        return 0;
    }

    private static string Format(TimeSpan span) =>
        span < TimeSpan.FromSeconds(1) ? span.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms" : span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    /// <summary>One event in a line: the API store's events name the object and its resourceVersion; others show their fields.</summary>
    internal static string Describe(object @event, bool full)
    {
        switch (@event)
        {
            case ObjectStored stored:
                var obj = JsonNode.Parse(stored.Json) as JsonObject;
                if (full)
                {
                    return obj?.ToJsonString() ?? "";
                }
                var metadata = obj?["metadata"];
                var ns = metadata?["namespace"]?.GetValue<string>();
                return $"{stored.Resource} {(ns is null ? "" : ns + "/")}{metadata?["name"]?.GetValue<string>()} resourceVersion={metadata?["resourceVersion"]?.GetValue<string>()}";
            case ObjectRemoved removed:
                return $"{removed.Resource} {(removed.Namespace is null ? "" : removed.Namespace + "/")}{removed.Name}";
            default:
                try
                {
                    return JsonSerializer.Serialize(@event, @event.GetType());
                }
                catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
                {
                    return @event.ToString() ?? "";
                }
        }
    }
}
