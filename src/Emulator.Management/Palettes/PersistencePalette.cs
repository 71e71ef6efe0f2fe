using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;

namespace Emulator.Management.Palettes;

/// <summary>
/// <c>persistence ids | journal PERSISTENCE-ID</c>: what the journal holds, decoded — the API store's objects, the
/// container runtime's records — read back through Akka.Persistence.Query.
/// </summary>
public sealed class PersistencePalette(JournalReader journal) : Palette
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
