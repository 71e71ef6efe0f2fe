using System.Globalization;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Kinds;

namespace Emulator.Management.Palettes;

/// <summary>
/// <c>k8s objects KIND | history KIND/NAME</c>: the emulated cluster's objects straight from the API store (no API
/// server, no kubectl), and every stored version of one object read back from the store's journal — with the
/// resourceVersion, when it was written and what changed: why is this pod gone, who scaled this Deployment.
/// </summary>
public sealed class KubernetesPalette(IActorRef store, JournalReader journal, TimeSpan askTimeout) : Palette
{
    /// <summary>The API store's persistence id.</summary>
    public const string StorePersistenceId = "api-store";

    // Written by the store on every write: a change in them alone is not what a reader of the history looks for.
    private static readonly HashSet<string> Bookkeeping = new(StringComparer.Ordinal) { "metadata.resourceVersion", "metadata.managedFields", "metadata.generation" };

    /// <inheritdoc />
    public override string Name => "k8s";

    /// <inheritdoc />
    public override string Description => "the emulated cluster's objects, from the store and its journal";

    /// <inheritdoc />
    public override IReadOnlyList<ConsoleCommandInfo> Commands { get; } =
    [
        new("objects", "objects KIND [-n NAMESPACE]", "the stored objects of a kind (pods, deploy, nodes, widgets.example.com, ...)"),
        new("history", "history KIND/NAME [-n NAMESPACE]", "every stored version of one object: resourceVersion, time, what changed"),
    ];

    /// <inheritdoc />
    public override async Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken)
    {
        if (command == "objects")
        {
            var type = Resolve(arguments.Next("KIND"));
            var ns = arguments.Option("-n", "--namespace");
            arguments.Done();
            var list = await store.Ask<ListReply>(new ListObjects(type, type.Namespaced ? ns : null), askTimeout, cancellationToken).ConfigureAwait(false);
            if (output.Json)
            {
                await output.Value(new JsonArray(list.Items.Select(i => (JsonNode?)i.ToJsonObject()).ToArray()), () => "").ConfigureAwait(false);
                return 0;
            }
            await output.Table(["NAMESPACE", "NAME", "RESOURCEVERSION", "STATE"], list.Items.Select(i => (IReadOnlyList<string>)
            [
                i.Namespace ?? "",
                i.Name,
                i.ResourceVersion.ToString(CultureInfo.InvariantCulture),
                State(i.Parsed),
            ])).ConfigureAwait(false);
            return 0;
        }
        var target = arguments.Next("KIND/NAME");
        var namespaceName = arguments.Option("-n", "--namespace");
        arguments.Done();
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == target.Length - 1)
        {
            throw new ConsoleUsageException($"expected KIND/NAME (e.g. pod/web-0 or deploy/web), got \"{target}\"");
        }
        var historyType = Resolve(target[..slash]);
        var name = target[(slash + 1)..];
        var wantedNamespace = historyType.Namespaced ? namespaceName ?? "default" : null;
        var events = await journal.Events(StorePersistenceId, 0, long.MaxValue, cancellationToken).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<string>>();
        var versions = new JsonArray();
        JsonObject? previous = null;
        foreach (var envelope in events)
        {
            var time = ConsoleOutput.Time(JournalReader.WrittenAt(envelope));
            switch (envelope.Event)
            {
                case ObjectStored stored when stored.Resource == historyType.Key:
                    var obj = JsonNode.Parse(stored.Json) as JsonObject;
                    if (obj?["metadata"] is not JsonObject metadata || metadata["name"]?.GetValue<string>() != name
                        || metadata["namespace"]?.GetValue<string>() != wantedNamespace)
                    {
                        continue;
                    }
                    // A new uid is a new object of the same name (deleted and created again).
                    var created = previous is null || previous["metadata"]?["uid"]?.GetValue<string>() != metadata["uid"]?.GetValue<string>();
                    var what = created ? "created" : metadata["deletionTimestamp"] is not null && previous!["metadata"]?["deletionTimestamp"] is null ? "deleting" : "updated";
                    var changed = created ? "" : string.Join(", ", Changes(previous!, obj).Where(c => !Bookkeeping.Contains(c)));
                    rows.Add([metadata["resourceVersion"]?.GetValue<string>() ?? "", time, what, changed]);
                    versions.Add(new JsonObject { ["time"] = time, ["change"] = what, ["object"] = obj.DeepClone() });
                    previous = obj;
                    break;
                case ObjectRemoved removed when removed.Resource == historyType.Key && removed.Name == name && removed.Namespace == wantedNamespace:
                    rows.Add(["", time, "removed", ""]);
                    versions.Add(new JsonObject { ["time"] = time, ["change"] = "removed" });
                    previous = null;
                    break;
            }
        }
        if (rows.Count == 0)
        {
            throw new ConsoleCommandException($"{target}{(wantedNamespace is null ? "" : $" in namespace {wantedNamespace}")}: no stored version in the journal");
        }
        if (output.Json)
        {
            await output.Value(versions, () => "").ConfigureAwait(false);
            return 0;
        }
        await output.Table(["RESOURCEVERSION", "TIME", "CHANGE", "FIELDS"], rows).ConfigureAwait(false);
        return 0;
    }

    /// <inheritdoc />
    public override IEnumerable<string> Complete(string command, string partial) =>
        command == "objects"
            ? KindRegistry.Default.Kinds.Select(k => k.Resource).Distinct().Where(r => r.StartsWith(partial, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            : [];

    /// <summary>A kind as kubectl takes it (<c>pods</c>, <c>po</c>, <c>Deployment</c>), or <c>RESOURCE.GROUP</c> for custom resources.</summary>
    internal static ResourceType Resolve(string name)
    {
        if (KindRegistry.Default.FindByAnyName(name) is { } kind)
        {
            return new ResourceType(kind.Group, kind.Version, kind.Resource, kind.Kind, kind.Namespaced);
        }
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0 && dot < name.Length - 1)
        {
            // A custom resource: the store keys it by resource.group; whether it is namespaced is the CRD's business,
            // so the namespace filter (-n) applies as given.
            return new ResourceType(name[(dot + 1)..], "", name[..dot].ToLowerInvariant(), "", Namespaced: true);
        }
        throw new ConsoleUsageException($"unknown kind \"{name}\" (a built-in kind as kubectl names it, or RESOURCE.GROUP for a custom resource)");
    }

    private static string State(KubeObject obj)
    {
        if (obj.DeletionTimestamp is not null)
        {
            return "Terminating";
        }
        return JsonTree.GetString(obj.Document, "status", "phase") ?? "";
    }

    /// <summary>The fields (two levels deep: <c>spec.replicas</c>, <c>status.phase</c>) that differ between two versions.</summary>
    internal static IEnumerable<string> Changes(JsonObject before, JsonObject after)
    {
        foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            var (a, b) = (before[key], after[key]);
            if (JsonNode.DeepEquals(a, b))
            {
                continue;
            }
            if (a is JsonObject objectA && b is JsonObject objectB)
            {
                foreach (var inner in objectA.Select(p => p.Key).Union(objectB.Select(p => p.Key)).Order(StringComparer.Ordinal))
                {
                    if (!JsonNode.DeepEquals(objectA[inner], objectB[inner]))
                    {
                        yield return $"{key}.{inner}";
                    }
                }
            }
            else
            {
                yield return key;
            }
        }
    }
}
