using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Store;

/// <summary>
/// An object as the store keeps it: its JSON as UTF-8 bytes (compact: 150,000 objects must fit comfortably) plus the
/// few fields selections need without parsing. Immutable: every write makes a new instance.
/// </summary>
public sealed class StoredObject
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    private StoredObject(string resource, string? ns, string name, string uid, long resourceVersion, IReadOnlyDictionary<string, string> labels, bool deleting, byte[] json, IReadOnlyList<string> ownerUids, OwnerReference? controllerReference, IReadOnlyList<string> finalizers, string? nodeName, string? podPhase, PodSections podSections, bool podReady, DateTimeOffset? podReadySince)
    {
        _pod = podSections;
        IsPodReady = podReady;
        PodReadySince = podReadySince;
        NodeName = nodeName;
        PodPhase = podPhase;
        ControllerReference = controllerReference;
        OwnerUids = ownerUids;
        Finalizers = finalizers;
        Resource = resource;
        Namespace = ns;
        Name = name;
        Uid = uid;
        ResourceVersion = resourceVersion;
        Labels = labels;
        IsDeleting = deleting;
        Json = json;
    }

    /// <summary>The resource key (<c>pods</c>, <c>deployments.apps</c>).</summary>
    public string Resource { get; }

    /// <summary>The namespace, or null for cluster-scoped objects.</summary>
    public string? Namespace { get; }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary><c>metadata.uid</c>.</summary>
    public string Uid { get; }

    /// <summary><c>metadata.resourceVersion</c>: the store event that wrote this version.</summary>
    public long ResourceVersion { get; }

    /// <summary><c>metadata.labels</c>.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>The uids in <c>metadata.ownerReferences</c> (for the garbage collector).</summary>
    public IReadOnlyList<string> OwnerUids { get; }

    /// <summary>
    /// The owner reference with <c>controller: true</c>, if any: the workload controllers ask it of every pod change
    /// (their caches' indexes), so it is read with the other indexed fields instead of from the parsed object.
    /// </summary>
    public OwnerReference? ControllerReference { get; }

    /// <summary><c>metadata.finalizers</c>.</summary>
    public IReadOnlyList<string> Finalizers { get; }

    /// <summary>A pod's <c>spec.nodeName</c> (null when unbound, and for every other resource): the watch hub indexes kubelets' watches by it.</summary>
    public string? NodeName { get; }

    /// <summary>
    /// A pod's <c>status.phase</c> (null when unset, and for every other resource): controllers that only need to know
    /// whether a pod finished read it here instead of parsing the version.
    /// </summary>
    public string? PodPhase { get; }

    // Where a pod's sections lie in Json (empty ranges for every other resource).
    private readonly PodSections _pod;

    private readonly record struct PodSections(Range Spec, Range Annotations, Range Status);

    /// <summary>
    /// True when <paramref name="other"/> is a version of the same pod with the same spec, byte for byte: what a pod takes
    /// from its node (its requests, host ports, affinity) is read from the spec, which most pod writes (status, binding
    /// aside) leave as it was.
    /// </summary>
    public bool HasSamePodSpec(StoredObject other) =>
        Uid == other.Uid && _pod.Spec.End.Value > 0 && Json.AsSpan(_pod.Spec).SequenceEqual(other.Json.AsSpan(other._pod.Spec));

    /// <summary>
    /// True when this version of a pod differs from <paramref name="before"/> in its status only (and the store's
    /// bookkeeping: resourceVersion, managed fields): same spec, labels and annotations, and neither is being deleted.
    /// A kubelet sees its own status writes come back as such versions.
    /// </summary>
    public bool IsPodStatusChangeOf(StoredObject before) =>
        HasSamePodSpec(before) && !IsDeleting && !before.IsDeleting
        && Json.AsSpan(_pod.Annotations).SequenceEqual(before.Json.AsSpan(before._pod.Annotations)) && HasSameLabels(before);

    /// <summary>True when <paramref name="other"/> has the same labels.</summary>
    public bool HasSameLabels(StoredObject other) =>
        ReferenceEquals(Labels, other.Labels) || (Labels.Count == other.Labels.Count && Labels.All(l => other.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    /// <summary>True when a pod's status is <paramref name="json"/>, byte for byte.</summary>
    public bool HasPodStatus(ReadOnlySpan<byte> json) => _pod.Status.End.Value > 0 && Json.AsSpan(_pod.Status).SequenceEqual(json);

    /// <summary>
    /// A pod whose <c>Ready</c> condition is True (false for every other resource): a ReplicaSet counts the ready pods
    /// of its thousands on every sync, from these fields instead of each pod version's parse.
    /// </summary>
    public bool IsPodReady { get; }

    /// <summary>A ready pod's <c>Ready</c> condition's lastTransitionTime (null when not ready or unreadable).</summary>
    public DateTimeOffset? PodReadySince { get; }

    /// <summary>A pod whose phase is Succeeded or Failed.</summary>
    public bool IsTerminalPod => PodPhase is "Succeeded" or "Failed";

    /// <summary>True once <c>metadata.deletionTimestamp</c> is set.</summary>
    public bool IsDeleting { get; }

    /// <summary>The full object as UTF-8 JSON.</summary>
    public byte[] Json { get; }

    /// <summary>The key of the object.</summary>
    public ObjectKey Key => new(Resource, Namespace, Name);

    /// <summary>A fresh mutable copy of the object.</summary>
    /// <remarks>
    /// The tree reads the stored bytes in place (they never change) instead of a copy of them, which it would keep for
    /// as long as it lives.
    /// </remarks>
    public JsonObject ToJsonObject() => JsonObject.Create(JsonDocument.Parse(Json.AsMemory()).RootElement)!;

    /// <summary>
    /// The object parsed once and shared by every reader in this process (each informer cache of every controller
    /// that watches the type): read it, never change it — clone to write. Parsing a pod once per change instead of
    /// once per watching controller is most of what a pod change costs the control plane.
    /// </summary>
    public KubeObject Parsed => LazyInitializer.EnsureInitialized(ref _parsed, () => new KubeObject(Materialized(ToJsonObject())));

    private KubeObject? _parsed;

    /// <summary>The shared parsed form when a reader already made it, else null.</summary>
    public KubeObject? ParsedIfAny => Volatile.Read(ref _parsed);

    // JsonNode.Parse builds objects and arrays lazily on first access, and that first access is not safe from several
    // threads at once: the shared tree is built completely before it is published.
    private static JsonObject Materialized(JsonObject root)
    {
        var pending = new Stack<JsonNode>();
        pending.Push(root);
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (_, child) in obj)
                    {
                        if (child is JsonObject or JsonArray)
                        {
                            pending.Push(child);
                        }
                    }
                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        if (child is JsonObject or JsonArray)
                        {
                            pending.Push(child);
                        }
                    }
                    break;
            }
        }
        return root;
    }

    /// <summary>Reads the fields the store indexes from an object's JSON.</summary>
    public static StoredObject From(string resource, byte[] json) => From(resource, json, strict: false);

    /// <summary>
    /// Reads the fields the store indexes; <paramref name="strict"/> (every write) also requires the metadata the store
    /// and its watchers read to have its Kubernetes types (names, labels, annotations, finalizers, owner references),
    /// throwing <see cref="InvalidDataException"/> otherwise. Recovery reads leniently: what was stored must load.
    /// </summary>
    private static StoredObject From(string resource, byte[] json, bool strict, StoredObject? previous = null)
    {
        using var reader = JsonDocument.Parse(json);
        var root = reader.RootElement;
        var metadata = root.GetProperty("metadata");
        if (strict)
        {
            RequireWellFormed(metadata);
        }
        string? ns = metadata.TryGetProperty("namespace", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        var name = metadata.GetProperty("name").GetString()!;
        var uid = metadata.TryGetProperty("uid", out var u) ? u.GetString() ?? "" : "";
        var rv = metadata.TryGetProperty("resourceVersion", out var r) && long.TryParse(r.GetString(), out var parsed) ? parsed : 0;
        var deleting = metadata.TryGetProperty("deletionTimestamp", out var d) && d.ValueKind == JsonValueKind.String;
        IReadOnlyDictionary<string, string> labels = NoLabels;
        if (metadata.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
        {
            // Most writes leave the labels as they were: the versions then share one map (no copy kept per version).
            labels = previous is not null && SameLabels(l, previous.Labels) ? previous.Labels : ReadLabels(l);
        }
        IReadOnlyList<string> owners = [];
        OwnerReference? controller = null;
        if (metadata.TryGetProperty("ownerReferences", out var o) && o.ValueKind == JsonValueKind.Array)
        {
            owners = o.EnumerateArray().Select(r => r.TryGetProperty("uid", out var ou) ? ou.GetString() ?? "" : "").ToArray();
            controller = o.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("controller", out var c) && c.ValueKind == JsonValueKind.True)
                .Select(r => new OwnerReference(Text(r, "apiVersion"), Text(r, "kind"), Text(r, "name"), Text(r, "uid"), true, Flag(r, "blockOwnerDeletion")))
                .FirstOrDefault();
        }
        IReadOnlyList<string> finalizers = [];
        if (metadata.TryGetProperty("finalizers", out var f) && f.ValueKind == JsonValueKind.Array)
        {
            finalizers = f.EnumerateArray().Select(x => x.GetString() ?? "").ToArray();
        }
        string? nodeName = null;
        string? podPhase = null;
        var pod = default(PodSections);
        var podReady = false;
        DateTimeOffset? podReadySince = null;
        if (resource == ResourceTypes.Pods.Key)
        {
            pod = new PodSections(RangeOf(json, root, "spec"), RangeOf(json, metadata, "annotations"), RangeOf(json, root, "status"));
            if (root.TryGetProperty("spec", out var spec) && spec.ValueKind == JsonValueKind.Object
                && spec.TryGetProperty("nodeName", out var node) && node.ValueKind == JsonValueKind.String)
            {
                nodeName = node.GetString();
            }
            if (root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object)
            {
                podPhase = status.TryGetProperty("phase", out var phase) && phase.ValueKind == JsonValueKind.String ? phase.GetString() : null;
                (podReady, podReadySince) = Readiness(status);
            }
        }
        return new StoredObject(resource, ns, name, uid, rv, labels, deleting, json, owners, controller, finalizers, nodeName, podPhase, pod, podReady, podReadySince);
    }

    // Where a field's value lies in json: the document reads json in place, so its raw text is a slice of it.
    private static Range RangeOf(byte[] json, JsonElement parent, string field)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(field, out var value))
        {
            return default;
        }
        var raw = JsonMarshal.GetRawUtf8Value(value);
        var start = (int)Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(json), ref MemoryMarshal.GetReference(raw));
        return start..(start + raw.Length);
    }

    // The first Ready condition, as Conditions.Find reads it.
    private static (bool Ready, DateTimeOffset? Since) Readiness(JsonElement status)
    {
        if (!status.TryGetProperty("conditions", out var conditions) || conditions.ValueKind != JsonValueKind.Array)
        {
            return (false, null);
        }
        foreach (var condition in conditions.EnumerateArray())
        {
            if (condition.ValueKind != JsonValueKind.Object || Text(condition, "type") != "Ready")
            {
                continue;
            }
            if (Text(condition, "status") != "True")
            {
                return (false, null);
            }
            return (true, Rfc3339Time.TryParse(Text(condition, "lastTransitionTime"), out var since) ? since : null);
        }
        return (false, null);
    }

    private static string Text(JsonElement obj, string field) =>
        obj.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static bool? Flag(JsonElement obj, string field) =>
        obj.TryGetProperty(field, out var value) ? value.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null } : null;

    /// <summary>Serializes a mutable object about to be written and indexes it (strictly: see <see cref="From(string, byte[], bool, StoredObject)"/>).</summary>
    public static StoredObject From(string resource, JsonObject obj) => From(resource, JsonSerializer.SerializeToUtf8Bytes(obj), strict: true);

    /// <summary>As <see cref="From(string, JsonObject)"/>, for a new version of <paramref name="previous"/> (whose label map it shares when the labels are the same).</summary>
    public static StoredObject From(string resource, JsonObject obj, StoredObject previous) =>
        From(resource, JsonSerializer.SerializeToUtf8Bytes(obj), strict: true, previous);

    private static Dictionary<string, string> ReadLabels(JsonElement labels)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in labels.EnumerateObject())
        {
            map[p.Name] = p.Value.GetString() ?? "";
        }
        return map;
    }

    // Whether a labels object holds exactly the entries of a map, read without allocating.
    private static bool SameLabels(JsonElement labels, IReadOnlyDictionary<string, string> map)
    {
        if (labels.GetPropertyCount() != map.Count)
        {
            return false;
        }
        foreach (var (key, value) in map)
        {
            if (!labels.TryGetProperty(key, out var actual) || actual.ValueKind != JsonValueKind.String || !actual.ValueEquals(value))
            {
                return false;
            }
        }
        return true;
    }

    private static readonly string[] StringFields = ["name", "namespace", "generateName", "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp"];

    private static void RequireWellFormed(JsonElement metadata)
    {
        if (metadata.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"metadata: expected an object, found {Kind(metadata)}");
        }
        foreach (var field in StringFields)
        {
            if (metadata.TryGetProperty(field, out var value) && value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                throw new InvalidDataException($"metadata.{field}: expected a string, found {Kind(value)}");
            }
        }
        foreach (var map in new[] { "labels", "annotations" })
        {
            if (!metadata.TryGetProperty(map, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            if (value.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"metadata.{map}: expected a map of strings, found {Kind(value)}");
            }
            foreach (var entry in value.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidDataException($"metadata.{map}.{entry.Name}: expected a string, found {Kind(entry.Value)}");
                }
            }
        }
        if (metadata.TryGetProperty("finalizers", out var finalizers) && finalizers.ValueKind != JsonValueKind.Null
            && (finalizers.ValueKind != JsonValueKind.Array || finalizers.EnumerateArray().Any(f => f.ValueKind != JsonValueKind.String)))
        {
            throw new InvalidDataException($"metadata.finalizers: expected a list of strings, found {Kind(finalizers)}");
        }
        if (metadata.TryGetProperty("ownerReferences", out var owners) && owners.ValueKind != JsonValueKind.Null)
        {
            if (owners.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"metadata.ownerReferences: expected a list, found {Kind(owners)}");
            }
            foreach (var owner in owners.EnumerateArray())
            {
                if (owner.ValueKind != JsonValueKind.Object
                    || owner.EnumerateObject().Any(p => p.Name is "apiVersion" or "kind" or "name" or "uid" && p.Value.ValueKind != JsonValueKind.String))
                {
                    throw new InvalidDataException("metadata.ownerReferences: expected owner references with string apiVersion, kind, name and uid");
                }
            }
        }
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
