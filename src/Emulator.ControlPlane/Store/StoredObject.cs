using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.ControlPlane.Store;

/// <summary>
/// An object as the store keeps it: its JSON as UTF-8 bytes (compact: 150,000 objects must fit comfortably) plus the
/// few fields selections need without parsing. Immutable: every write makes a new instance.
/// </summary>
public sealed class StoredObject
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    private StoredObject(string resource, string? ns, string name, string uid, long resourceVersion, IReadOnlyDictionary<string, string> labels, bool deleting, byte[] json, IReadOnlyList<string> ownerUids, IReadOnlyList<string> finalizers)
    {
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

    /// <summary><c>metadata.finalizers</c>.</summary>
    public IReadOnlyList<string> Finalizers { get; }

    /// <summary>True once <c>metadata.deletionTimestamp</c> is set.</summary>
    public bool IsDeleting { get; }

    /// <summary>The full object as UTF-8 JSON.</summary>
    public byte[] Json { get; }

    /// <summary>The key of the object.</summary>
    public ObjectKey Key => new(Resource, Namespace, Name);

    /// <summary>A fresh mutable copy of the object.</summary>
    public JsonObject ToJsonObject() => JsonNode.Parse(Json)!.AsObject();

    /// <summary>Reads the fields the store indexes from an object's JSON.</summary>
    public static StoredObject From(string resource, byte[] json)
    {
        var reader = JsonDocument.Parse(json);
        var root = reader.RootElement;
        var metadata = root.GetProperty("metadata");
        string? ns = metadata.TryGetProperty("namespace", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        var name = metadata.GetProperty("name").GetString()!;
        var uid = metadata.TryGetProperty("uid", out var u) ? u.GetString() ?? "" : "";
        var rv = metadata.TryGetProperty("resourceVersion", out var r) && long.TryParse(r.GetString(), out var parsed) ? parsed : 0;
        var deleting = metadata.TryGetProperty("deletionTimestamp", out var d) && d.ValueKind == JsonValueKind.String;
        IReadOnlyDictionary<string, string> labels = NoLabels;
        if (metadata.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
        {
            var dict = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in l.EnumerateObject())
            {
                dict[p.Name] = p.Value.GetString() ?? "";
            }
            labels = dict;
        }
        IReadOnlyList<string> owners = [];
        if (metadata.TryGetProperty("ownerReferences", out var o) && o.ValueKind == JsonValueKind.Array)
        {
            owners = o.EnumerateArray().Select(r => r.TryGetProperty("uid", out var ou) ? ou.GetString() ?? "" : "").ToArray();
        }
        IReadOnlyList<string> finalizers = [];
        if (metadata.TryGetProperty("finalizers", out var f) && f.ValueKind == JsonValueKind.Array)
        {
            finalizers = f.EnumerateArray().Select(x => x.GetString() ?? "").ToArray();
        }
        reader.Dispose();
        return new StoredObject(resource, ns, name, uid, rv, labels, deleting, json, owners, finalizers);
    }

    /// <summary>Serializes a mutable object and indexes it.</summary>
    public static StoredObject From(string resource, JsonObject obj) => From(resource, JsonSerializer.SerializeToUtf8Bytes(obj));
}
