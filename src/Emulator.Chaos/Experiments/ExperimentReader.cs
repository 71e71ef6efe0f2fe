using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Serialization;
using Emulator.Management;
using Emulator.Management.Palettes;

namespace Emulator.Chaos.Experiments;

/// <summary>An experiment file that cannot be run: the message names the file and the field.</summary>
public sealed class ExperimentException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads an experiment file (YAML): <c>name</c>, <c>description</c>, <c>cluster</c>, <c>workload</c>, <c>schedule</c>,
/// <c>faults</c> and <c>invariants</c>. Every mistake is reported with its field (<c>faults[1].every: ...</c>), and
/// nothing runs until the whole file reads.
/// </summary>
public static class ExperimentReader
{
    /// <summary>The invariants an experiment may watch, and whether each takes an argument.</summary>
    public static readonly IReadOnlyDictionary<string, bool> InvariantTypes = new Dictionary<string, bool>
    {
        ["replicas-converge"] = true,
        ["daemonset-one-pod-per-node"] = true,
        ["statefulset-ordered"] = true,
        ["job-parallelism"] = true,
        ["no-acknowledged-write-lost"] = false,
        ["killed-node-pods-replaced"] = false,
        ["converges-within"] = true,
    };

    private static readonly string[] TopLevel = ["name", "description", "cluster", "workload", "schedule", "faults", "invariants"];

    /// <summary>Reads the experiment in <paramref name="path"/>; workload files are relative to it.</summary>
    public static Experiment ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ExperimentException($"{path}: {e.Message}", e);
        }
        try
        {
            return Read(text, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
        }
        catch (ExperimentException e)
        {
            throw new ExperimentException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads an experiment from <paramref name="text"/>; workload files are relative to <paramref name="directory"/>.</summary>
    public static Experiment Read(string text, string directory)
    {
        JsonNode? root;
        try
        {
            root = ManifestReader.ParseNode(text);
        }
        catch (ManifestParseException e)
        {
            throw new ExperimentException($"not valid YAML: {e.Message}", e);
        }
        if (root is not JsonObject document)
        {
            throw new ExperimentException("an experiment is a YAML mapping with name, cluster, workload, schedule, faults and invariants");
        }
        Unknown(document, TopLevel, "");
        var name = Text(document, "name", "") ?? throw new ExperimentException("name: Required value");
        var cluster = ReadCluster(document["cluster"]);
        var workload = ReadWorkload(document["workload"], directory);
        var schedule = ReadSchedule(document["schedule"]);
        var faults = ReadList(document["faults"], "faults").Select((f, i) => ReadFault(f, i, directory, cluster)).ToArray();
        var invariants = ReadList(document["invariants"], "invariants").Select(ReadInvariant).ToArray();
        if (invariants.Length == 0)
        {
            throw new ExperimentException("invariants: Required value: an experiment checks at least one invariant");
        }
        return new Experiment(name, Text(document, "description", "") ?? "", cluster, workload, schedule, faults, invariants);
    }

    private static ClusterSpec ReadCluster(JsonNode? node)
    {
        if (node is null)
        {
            return new ClusterSpec(ClusterMode.Virtual, 3, [], null);
        }
        var cluster = node as JsonObject ?? throw new ExperimentException("cluster: must be a mapping (mode, nodes, consoles, api)");
        Unknown(cluster, ["mode", "nodes", "workers", "consoles", "api"], "cluster.");
        var mode = (Text(cluster, "mode", "cluster.") ?? "virtual") switch
        {
            "virtual" => ClusterMode.Virtual,
            "attach" => ClusterMode.Attach,
            var other => throw new ExperimentException($"cluster.mode: Unsupported value: \"{other}\": supported values: \"virtual\", \"attach\""),
        };
        var nodes = Integer(cluster, "nodes", "cluster.", 1, 100) ?? 3;
        var workers = Integer(cluster, "workers", "cluster.", 1, 10) ?? 1;
        var consoles = ReadList(cluster["consoles"], "cluster.consoles").Select((c, i) => c is JsonValue v && v.TryGetValue<string>(out var s) && s.Contains(':', StringComparison.Ordinal)
            ? s : throw new ExperimentException($"cluster.consoles[{i}]: must be HOST:PORT")).ToArray();
        Uri? api = null;
        if (Text(cluster, "api", "cluster.") is { } apiText && (!Uri.TryCreate(apiText, UriKind.Absolute, out api) || api.Scheme is not ("http" or "https")))
        {
            throw new ExperimentException($"cluster.api: must be an http(s) URL, got \"{apiText}\"");
        }
        if (mode == ClusterMode.Attach && (consoles.Length == 0 || api is null))
        {
            throw new ExperimentException("cluster: an attached cluster needs consoles (HOST:PORT of each member's console) and api (its Kubernetes API URL)");
        }
        if (mode == ClusterMode.Attach && cluster["workers"] is not null)
        {
            throw new ExperimentException("cluster.workers: an attached cluster's workers are its running members (consoles)");
        }
        return new ClusterSpec(mode, nodes, consoles, api) { Workers = workers };
    }

    private static List<string> ReadWorkload(JsonNode? node, string directory)
    {
        var manifests = new List<string>();
        var items = ReadList(node, "workload");
        for (var i = 0; i < items.Count; i++)
        {
            switch (items[i])
            {
                case JsonValue value when value.TryGetValue<string>(out var file):
                    manifests.Add(ReadManifestFile(file, directory, $"workload[{i}]"));
                    break;
                case JsonObject { Count: 1 } item when item["file"] is JsonValue fileValue && fileValue.TryGetValue<string>(out var named):
                    manifests.Add(ReadManifestFile(named, directory, $"workload[{i}].file"));
                    break;
                case JsonObject { Count: 1 } item when item["manifest"] is JsonValue manifestValue && manifestValue.TryGetValue<string>(out var manifest):
                    manifests.Add(Checked(manifest, $"workload[{i}].manifest"));
                    break;
                default:
                    throw new ExperimentException($"workload[{i}]: must be a file path, {{file: PATH}} or {{manifest: YAML}}");
            }
        }
        return manifests;
    }

    private static string ReadManifestFile(string file, string directory, string field)
    {
        var path = Path.IsPathRooted(file) ? file : Path.Combine(directory, file);
        try
        {
            return Checked(File.ReadAllText(path), field);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ExperimentException($"{field}: {e.Message}", e);
        }
    }

    // A manifest is read when the experiment is, so a typo fails before anything runs.
    private static string Checked(string manifest, string field)
    {
        try
        {
            if (ManifestReader.ReadObjects(manifest).Count == 0)
            {
                throw new ExperimentException($"{field}: no objects in the manifest");
            }
            return manifest;
        }
        catch (ManifestParseException e)
        {
            throw new ExperimentException($"{field}: {e.Message}", e);
        }
    }

    private static ScheduleSpec ReadSchedule(JsonNode? node)
    {
        var schedule = node as JsonObject ?? (node is null ? [] : throw new ExperimentException("schedule: must be a mapping (warmup, duration, settle, step)"));
        Unknown(schedule, ["warmup", "duration", "settle", "step"], "schedule.");
        return new ScheduleSpec(
            Duration(schedule, "warmup", "schedule.") ?? TimeSpan.FromMinutes(1),
            Duration(schedule, "duration", "schedule.") ?? TimeSpan.FromMinutes(5),
            Duration(schedule, "settle", "schedule.") ?? TimeSpan.FromMinutes(10),
            Duration(schedule, "step", "schedule.") ?? TimeSpan.FromSeconds(1));
    }

    private static FaultSpec ReadFault(JsonNode? node, int index, string directory, ClusterSpec cluster)
    {
        var field = $"faults[{index}].";
        var fault = node as JsonObject ?? throw new ExperimentException($"faults[{index}]: must be a mapping (action, target, at, every, pick, for)");
        Unknown(fault, ["action", "target", "at", "every", "pick", "for", "manifest", "file", "member", "delay", "drop"], field);
        var actionText = Text(fault, "action", field) ?? throw new ExperimentException($"{field}action: Required value");
        var action = actionText switch
        {
            "kill-actor" => FaultAction.KillActor,
            "stop-actor" => FaultAction.StopActor,
            "stop-node" => FaultAction.StopNode,
            "apply" => FaultAction.Apply,
            "partition" => FaultAction.Partition,
            "kill-process" => FaultAction.KillProcess,
            "delay-journal" => FaultAction.DelayJournal,
            "lossy-link" => FaultAction.LossyLink,
            _ => throw new ExperimentException($"{field}action: Unsupported value: \"{actionText}\": supported values: \"kill-actor\", \"stop-actor\", \"stop-node\", \"apply\", \"partition\", \"lossy-link\", \"kill-process\", \"delay-journal\""),
        };
        string? manifest = null;
        if (action == FaultAction.Apply)
        {
            manifest = Text(fault, "manifest", field) is { } inline ? Checked(inline, field + "manifest")
                : Text(fault, "file", field) is { } file ? ReadManifestFile(file, directory, field + "file")
                : throw new ExperimentException($"{field}manifest: Required value: an apply fault needs manifest or file");
        }
        // A killed process is any worker unless named; a journal delay has no target.
        var target = Text(fault, "target", field) ?? action switch
        {
            FaultAction.Apply or FaultAction.DelayJournal => "",
            FaultAction.KillProcess => "*",
            _ => throw new ExperimentException($"{field}target: Required value"),
        };
        if (action is FaultAction.KillActor or FaultAction.StopActor && !target.StartsWith("/user/", StringComparison.Ordinal))
        {
            throw new ExperimentException($"{field}target: must be an actor path pattern under /user (e.g. /user/nodes/*/kubelet), got \"{target}\"");
        }
        if (action == FaultAction.Partition && cluster.Mode == ClusterMode.Virtual)
        {
            throw new ExperimentException($"{field}action: a partition cuts a link between processes: it needs cluster.mode attach");
        }
        if (action == FaultAction.LossyLink && cluster.Mode == ClusterMode.Virtual)
        {
            throw new ExperimentException($"{field}action: a lossy link is a link between processes: it needs cluster.mode attach");
        }
        double? drop = null;
        if (action == FaultAction.LossyLink)
        {
            drop = fault["drop"] switch
            {
                null => throw new ExperimentException($"{field}drop: Required value: the probability (0 to 1) with which each message on the link is lost"),
                JsonValue value when value.TryGetValue<double>(out var p) && p is > 0 and <= 1 => p,
                var other => throw new ExperimentException($"{field}drop: must be a number above 0 and at most 1, got {other.ToJsonString()}"),
            };
        }
        else if (fault["drop"] is not null)
        {
            throw new ExperimentException($"{field}drop: only a lossy-link fault has a drop probability");
        }
        var member = Integer(fault, "member", field, 0, 99) ?? 0;
        if (cluster.Mode == ClusterMode.Attach && member >= cluster.Consoles.Count)
        {
            throw new ExperimentException($"{field}member: Invalid value: {member}: the cluster lists {cluster.Consoles.Count} consoles");
        }
        if (action == FaultAction.KillProcess && cluster.Mode == ClusterMode.Attach)
        {
            if (member == 0)
            {
                throw new ExperimentException($"{field}member: the experiment observes the cluster through consoles[0]: kill-process needs member, the console of another member");
            }
        }
        TimeSpan? delay = null;
        if (action == FaultAction.DelayJournal)
        {
            delay = Duration(fault, "delay", field) ?? throw new ExperimentException($"{field}delay: Required value: how long each journal write waits for its acknowledgement (e.g. 500ms)");
        }
        else if (fault["delay"] is not null)
        {
            throw new ExperimentException($"{field}delay: only a delay-journal fault has a delay");
        }
        // A repeating fault without a start first happens one interval into the window.
        var every = Duration(fault, "every", field);
        return new FaultSpec(index, action, target, Duration(fault, "at", field) ?? every ?? TimeSpan.Zero, every,
            Integer(fault, "pick", field, 1, 1000) ?? 1, Duration(fault, "for", field), manifest, member)
        {
            Delay = delay,
            Drop = drop,
        };
    }

    private static InvariantSpec ReadInvariant(JsonNode? node, int index)
    {
        var field = $"invariants[{index}]";
        var (type, argument) = node switch
        {
            JsonValue value when value.TryGetValue<string>(out var bare) => (bare, (string?)null),
            JsonObject { Count: 1 } one => (one.First().Key, one.First().Value switch
            {
                null => null,
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                JsonValue v => v.ToJsonString(),
                _ => throw new ExperimentException($"{field}.{one.First().Key}: must be a string"),
            }),
            _ => throw new ExperimentException($"{field}: must be an invariant name or {{name: argument}}"),
        };
        if (!InvariantTypes.TryGetValue(type, out var takesArgument))
        {
            throw new ExperimentException($"{field}: Unsupported value: \"{type}\": supported values: {string.Join(", ", InvariantTypes.Keys.Select(k => $"\"{k}\""))}");
        }
        if (takesArgument && string.IsNullOrEmpty(argument))
        {
            throw new ExperimentException($"{field}.{type}: Required value");
        }
        if (type == "replicas-converge" && argument!.Split('/') is not [("deployment" or "replicaset" or "statefulset" or "daemonset"), { Length: > 0 }])
        {
            throw new ExperimentException($"{field}.{type}: must be deployment/NAME, replicaset/NAME, statefulset/NAME or daemonset/NAME, got \"{argument}\"");
        }
        if (type == "converges-within")
        {
            ParseDuration(argument!, $"{field}.{type}");
        }
        return new InvariantSpec(type, argument);
    }

    private static IReadOnlyList<JsonNode?> ReadList(JsonNode? node, string field) => node switch
    {
        null => [],
        JsonArray array => array.ToArray(),
        _ => throw new ExperimentException($"{field}: must be a list"),
    };

    private static void Unknown(JsonObject obj, string[] known, string prefix)
    {
        if (obj.Select(p => p.Key).FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new ExperimentException($"{prefix}{unknown}: unknown field (known: {string.Join(", ", known)})");
        }
    }

    private static string? Text(JsonObject obj, string key, string prefix) => obj[key] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => throw new ExperimentException($"{prefix}{key}: must be a string"),
    };

    private static int? Integer(JsonObject obj, string key, string prefix, int min, int max)
    {
        if (obj[key] is null)
        {
            return null;
        }
        if (obj[key] is JsonValue value && value.TryGetValue<long>(out var number) && number >= min && number <= max)
        {
            return (int)number;
        }
        throw new ExperimentException($"{prefix}{key}: must be a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
    }

    // Offsets (a fault's `at`, the warm-up) may be zero; lengths and intervals may not.
    private static TimeSpan? Duration(JsonObject obj, string key, string prefix) =>
        obj[key] is null ? null : ParseDuration(obj[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : obj[key]!.ToJsonString(), prefix + key, key is "at" or "warmup");

    /// <summary>A Go-style duration (<c>90s</c>, <c>5m</c>, <c>1h30m</c>), or an error naming the field.</summary>
    internal static TimeSpan ParseDuration(string text, string field, bool zeroAllowed = false)
    {
        if (zeroAllowed && Regex.IsMatch(text, "^0+(ms|s|m|h|d)?$"))
        {
            return TimeSpan.Zero;
        }
        try
        {
            return TimePalette.ParseDuration(text);
        }
        catch (ConsoleUsageException e)
        {
            throw new ExperimentException($"{field}: {e.Message.Replace("DURATION", "a duration", StringComparison.Ordinal)}", e);
        }
    }
}
