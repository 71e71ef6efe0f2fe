using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes;

/// <summary>
/// A Kubernetes object held as its full JSON document, so fields this model does not know survive
/// a read-modify-write (which kubectl apply and strategic merge patch rely on), with typed accessors
/// for the metadata the control plane needs.
/// </summary>
public sealed class KubeObject
{
    /// <summary>Wraps a document; the document is shared, not copied.</summary>
    public KubeObject(JsonObject document)
    {
        _document = document ?? throw new ArgumentNullException(nameof(document));
    }

    private KubeObject(Func<JsonObject> load) => _load = load;

    private JsonObject? _document;
    private readonly Func<JsonObject>? _load;

    /// <summary>
    /// An object whose document is obtained at its first read (once, whichever thread reads first): a holder that
    /// rarely reads it — the scheduler's view of a bound pod — does not make it exist.
    /// </summary>
    public static KubeObject Deferred(Func<JsonObject> load) => new(load ?? throw new ArgumentNullException(nameof(load)));

    /// <summary>Creates an object with <c>apiVersion</c>, <c>kind</c> and <c>metadata.name</c> (and namespace when given).</summary>
    public static KubeObject Create(string apiVersion, string kind, string name, string? @namespace = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (@namespace is not null)
        {
            metadata["namespace"] = @namespace;
        }
        return new KubeObject(new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = metadata });
    }

    /// <summary>Parses a single JSON object.</summary>
    /// <exception cref="Serialization.ManifestParseException">On malformed JSON or a non-object document.</exception>
    public static KubeObject ParseJson(string json) => Serialization.ManifestReader.ParseSingleJson(json);

    /// <summary>The whole document.</summary>
    public JsonObject Document => _document ?? LazyInitializer.EnsureInitialized(ref _document, _load!);

    /// <summary><c>apiVersion</c>.</summary>
    public string ApiVersion
    {
        get => JsonTree.GetString(Document, "apiVersion") ?? "";
        set => Document["apiVersion"] = value;
    }

    /// <summary><c>kind</c>.</summary>
    public string Kind
    {
        get => JsonTree.GetString(Document, "kind") ?? "";
        set => Document["kind"] = value;
    }

    /// <summary>Group, version and kind from <c>apiVersion</c> and <c>kind</c>.</summary>
    public GroupVersionKind GroupVersionKind => GroupVersionKind.From(ApiVersion, Kind);

    /// <summary><c>metadata</c>, created when missing.</summary>
    public JsonObject Metadata => JsonTree.Ensure(Document, "metadata");

    /// <summary><c>metadata.name</c>.</summary>
    public string? Name
    {
        get => MetaString("name");
        set => SetMeta("name", value);
    }

    /// <summary><c>metadata.generateName</c>.</summary>
    public string? GenerateName
    {
        get => MetaString("generateName");
        set => SetMeta("generateName", value);
    }

    /// <summary><c>metadata.namespace</c>.</summary>
    public string? Namespace
    {
        get => MetaString("namespace");
        set => SetMeta("namespace", value);
    }

    /// <summary><c>metadata.uid</c>.</summary>
    public string? Uid
    {
        get => MetaString("uid");
        set => SetMeta("uid", value);
    }

    /// <summary><c>metadata.resourceVersion</c> (opaque string).</summary>
    public string? ResourceVersion
    {
        get => MetaString("resourceVersion");
        set => SetMeta("resourceVersion", value);
    }

    /// <summary><c>metadata.generation</c>.</summary>
    public long? Generation
    {
        get => JsonTree.GetInt(Document, "metadata", "generation");
        set => SetMeta("generation", value is { } v ? JsonValue.Create(v) : null);
    }

    /// <summary><c>metadata.creationTimestamp</c>, stored with second precision.</summary>
    public DateTimeOffset? CreationTimestamp
    {
        get => MetaTime("creationTimestamp");
        set => SetMeta("creationTimestamp", value is { } v ? Rfc3339Time.Format(v) : null);
    }

    /// <summary><c>metadata.deletionTimestamp</c>: set when graceful deletion starts.</summary>
    public DateTimeOffset? DeletionTimestamp
    {
        get => MetaTime("deletionTimestamp");
        set => SetMeta("deletionTimestamp", value is { } v ? Rfc3339Time.Format(v) : null);
    }

    /// <summary><c>metadata.deletionGracePeriodSeconds</c>.</summary>
    public long? DeletionGracePeriodSeconds
    {
        get => JsonTree.GetInt(Document, "metadata", "deletionGracePeriodSeconds");
        set => SetMeta("deletionGracePeriodSeconds", value is { } v ? JsonValue.Create(v) : null);
    }

    /// <summary>A copy of <c>metadata.labels</c>.</summary>
    public IReadOnlyDictionary<string, string> Labels => JsonTree.StringMap(JsonTree.Get(Document, "metadata", "labels"));

    /// <summary>A copy of <c>metadata.annotations</c>.</summary>
    public IReadOnlyDictionary<string, string> Annotations => JsonTree.StringMap(JsonTree.Get(Document, "metadata", "annotations"));

    /// <summary>Sets (or with null removes) one label.</summary>
    public void SetLabel(string key, string? value) => SetMapEntry("labels", key, value);

    /// <summary>Sets (or with null removes) one annotation.</summary>
    public void SetAnnotation(string key, string? value) => SetMapEntry("annotations", key, value);

    /// <summary>Replaces all labels; an empty map removes the field.</summary>
    public void SetLabels(IEnumerable<KeyValuePair<string, string>> labels) => SetMap("labels", labels);

    /// <summary>Replaces all annotations; an empty map removes the field.</summary>
    public void SetAnnotations(IEnumerable<KeyValuePair<string, string>> annotations) => SetMap("annotations", annotations);

    /// <summary>A copy of <c>metadata.finalizers</c>.</summary>
    public IReadOnlyList<string> Finalizers =>
        JsonTree.GetArray(Document, "metadata", "finalizers")?.Select(JsonTree.AsString).OfType<string>().ToList() ?? [];

    /// <summary>Replaces the finalizers; an empty list removes the field.</summary>
    public void SetFinalizers(IEnumerable<string> finalizers)
    {
        var list = finalizers.ToList();
        SetMeta("finalizers", list.Count == 0 ? null : new JsonArray(list.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()));
    }

    /// <summary>A copy of <c>metadata.ownerReferences</c>.</summary>
    public IReadOnlyList<OwnerReference> OwnerReferences =>
        JsonTree.Objects(JsonTree.GetArray(Document, "metadata", "ownerReferences")).Select(OwnerReference.FromJson).ToList();

    /// <summary>Replaces the owner references; an empty list removes the field.</summary>
    public void SetOwnerReferences(IEnumerable<OwnerReference> references)
    {
        var list = references.ToList();
        SetMeta("ownerReferences", list.Count == 0 ? null : new JsonArray(list.Select(r => (JsonNode?)r.ToJson()).ToArray()));
    }

    /// <summary>The owner reference with <c>controller: true</c>, if any.</summary>
    public OwnerReference? ControllerReference => OwnerReferences.FirstOrDefault(r => r.Controller == true);

    /// <summary><c>spec</c>, or null when absent.</summary>
    public JsonObject? Spec => Document["spec"] as JsonObject;

    /// <summary><c>status</c>, or null when absent.</summary>
    public JsonObject? Status => Document["status"] as JsonObject;

    /// <summary><c>spec</c>, created when missing.</summary>
    public JsonObject EnsureSpec() => JsonTree.Ensure(Document, "spec");

    /// <summary><c>status</c>, created when missing.</summary>
    public JsonObject EnsureStatus() => JsonTree.Ensure(Document, "status");

    /// <summary>A deep copy.</summary>
    public KubeObject DeepClone() => new((JsonObject)Document.DeepClone());

    /// <summary>Compact JSON of the whole document.</summary>
    public string ToJson() => JsonTree.ToCompactJson(Document);

    /// <summary>Indented JSON of the whole document.</summary>
    public string ToIndentedJson() => Document.ToJsonString(new JsonSerializerOptions(JsonTree.CompactOptions) { WriteIndented = true });

    /// <summary>YAML of the whole document, kubectl style.</summary>
    public string ToYaml() => Serialization.YamlWriter.Write(Document);

    /// <summary>Structural equality of the documents (key order ignored).</summary>
    public bool ContentEquals(KubeObject other) => JsonTree.DeepEquals(Document, other.Document);

    /// <inheritdoc />
    public override string ToString() =>
        Namespace is { Length: > 0 } ns ? $"{Kind} {ns}/{Name}" : $"{Kind} {Name}";

    private string? MetaString(string key) => JsonTree.GetString(Document, "metadata", key);

    private DateTimeOffset? MetaTime(string key) =>
        Rfc3339Time.TryParse(MetaString(key), out var t) ? t : null;

    private void SetMeta(string key, JsonNode? value)
    {
        if (value is null)
        {
            (Document["metadata"] as JsonObject)?.Remove(key);
            return;
        }
        Metadata[key] = value;
    }

    private void SetMeta(string key, string? value) => SetMeta(key, value is null ? null : JsonValue.Create(value));

    private void SetMapEntry(string field, string key, string? value)
    {
        if (value is null)
        {
            if (JsonTree.GetObject(Document, "metadata", field) is { } existing)
            {
                existing.Remove(key);
                if (existing.Count == 0)
                {
                    Metadata.Remove(field);
                }
            }
            return;
        }
        JsonTree.Ensure(Metadata, field)[key] = value;
    }

    private void SetMap(string field, IEnumerable<KeyValuePair<string, string>> map)
    {
        var obj = JsonTree.ToObject(map);
        SetMeta(field, obj.Count == 0 ? null : obj);
    }
}
