using System.Text.Json.Nodes;
using Emulator.Kubernetes.Kinds;

namespace Emulator.Kubernetes.CustomResources;

/// <summary>
/// A stored <c>apiextensions.k8s.io/v1</c> CustomResourceDefinition read for serving: the resource it defines, its
/// versions with their schemas, subresources and printer columns. Parsed once per stored version of the CRD.
/// </summary>
public sealed class CustomResourceDefinition
{
    /// <summary>The finalizer the API server puts on a CRD being deleted, removed once its objects are gone.</summary>
    public const string CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    /// <summary>The API group of CRDs.</summary>
    public const string ApiGroup = "apiextensions.k8s.io";

    private CustomResourceDefinition(JsonObject source)
    {
        Source = source;
        var spec = source["spec"] as JsonObject ?? [];
        var names = spec["names"] as JsonObject ?? [];
        Name = JsonTree.GetString(source, "metadata", "name") ?? "";
        Uid = JsonTree.GetString(source, "metadata", "uid") ?? "";
        Group = JsonTree.AsString(spec["group"]) ?? "";
        Kind = JsonTree.AsString(names["kind"]) ?? "";
        ListKind = JsonTree.AsString(names["listKind"]) is { Length: > 0 } listKind ? listKind : Kind + "List";
        Plural = JsonTree.AsString(names["plural"]) ?? "";
        Singular = JsonTree.AsString(names["singular"]) is { Length: > 0 } singular ? singular : Kind.ToLowerInvariant();
        ShortNames = Strings(names["shortNames"]);
        Categories = Strings(names["categories"]);
        Namespaced = JsonTree.AsString(spec["scope"]) != "Cluster";
        Versions = (spec["versions"] as JsonArray ?? []).OfType<JsonObject>().Select(v => CustomResourceVersion.Parse(v, Group, Kind)).ToArray();
        IsTerminating = JsonTree.GetString(source, "metadata", "deletionTimestamp") is not null;
        NamesAccepted = ConditionStatus(source, "NamesAccepted") != "False";
    }

    /// <summary>The CRD as stored.</summary>
    public JsonObject Source { get; }

    /// <summary><c>metadata.name</c> (<c>PLURAL.GROUP</c>).</summary>
    public string Name { get; }

    /// <summary><c>metadata.uid</c>.</summary>
    public string Uid { get; }

    /// <summary><c>spec.group</c>.</summary>
    public string Group { get; }

    /// <summary><c>spec.names.kind</c>.</summary>
    public string Kind { get; }

    /// <summary><c>spec.names.listKind</c> (<c>KIND</c>List by default).</summary>
    public string ListKind { get; }

    /// <summary><c>spec.names.plural</c>: the resource.</summary>
    public string Plural { get; }

    /// <summary><c>spec.names.singular</c> (the lower-case kind by default).</summary>
    public string Singular { get; }

    /// <summary><c>spec.names.shortNames</c>.</summary>
    public IReadOnlyList<string> ShortNames { get; }

    /// <summary><c>spec.names.categories</c>.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>True for <c>scope: Namespaced</c>.</summary>
    public bool Namespaced { get; }

    /// <summary><c>spec.versions</c>, as written.</summary>
    public IReadOnlyList<CustomResourceVersion> Versions { get; }

    /// <summary>True once the CRD is being deleted (its objects are being removed; no new ones are accepted).</summary>
    public bool IsTerminating { get; }

    /// <summary>False when the naming controller found its names taken by another CRD of the group.</summary>
    public bool NamesAccepted { get; }

    /// <summary>The version objects are stored at (exactly one is marked <c>storage</c>).</summary>
    public CustomResourceVersion StorageVersion => Versions.FirstOrDefault(v => v.Storage) ?? Versions[0];

    /// <summary>The served versions, most preferred first (Kubernetes' version priority: v2 &gt; v1 &gt; v1beta1 &gt; v1alpha1).</summary>
    public IReadOnlyList<CustomResourceVersion> ServedVersions =>
        Versions.Where(v => v.Served).OrderBy(v => v.Name, KubeVersionComparer.Instance).ToArray();

    /// <summary>The version named <paramref name="name"/>, or null.</summary>
    public CustomResourceVersion? Version(string name) => Versions.FirstOrDefault(v => v.Name == name);

    /// <summary>The kind as the API server's generic machinery (metadata validation, messages) sees it, at the storage version.</summary>
    public KindInfo KindInfo => new(Group, StorageVersion.Name, Kind, Plural, Singular, Namespaced, ShortNames, Categories,
        NameRule.Dns1123Subdomain, StorageVersion.Subresources, "");

    /// <summary>Reads a stored CRD; null when it lacks what serving needs (a group, names, a version).</summary>
    public static CustomResourceDefinition? TryParse(JsonObject source)
    {
        var crd = new CustomResourceDefinition(source);
        return crd.Group.Length == 0 || crd.Plural.Length == 0 || crd.Kind.Length == 0 || crd.Versions.Count == 0 ? null : crd;
    }

    /// <summary>The status of condition <paramref name="type"/> of a CRD, or null.</summary>
    public static string? ConditionStatus(JsonObject crd, string type) =>
        (JsonTree.GetArray(crd, "status", "conditions") ?? []).OfType<JsonObject>()
            .FirstOrDefault(c => JsonTree.AsString(c["type"]) == type) is { } condition ? JsonTree.AsString(condition["status"]) : null;

    private static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(JsonTree.AsString).OfType<string>().ToArray() : [];
}

/// <summary>One entry of a CRD's <c>spec.versions</c>.</summary>
/// <param name="Name">The version name (<c>v1</c>).</param>
/// <param name="Served">Whether the version is served.</param>
/// <param name="Storage">Whether objects are stored at this version.</param>
/// <param name="DeprecationWarning">The warning sent with responses of a deprecated version, or null.</param>
/// <param name="Schema">The structural schema (anything goes when the version has none).</param>
/// <param name="Subresources">The subresources served: <c>status</c>, <c>scale</c>.</param>
/// <param name="Scale">The <c>scale</c> subresource's paths, or null.</param>
/// <param name="PrinterColumns">The columns of <c>kubectl get</c> (Age when the version declares none).</param>
public sealed record CustomResourceVersion(
    string Name,
    bool Served,
    bool Storage,
    string? DeprecationWarning,
    StructuralSchema Schema,
    IReadOnlyList<string> Subresources,
    ScaleSubresource? Scale,
    IReadOnlyList<PrinterColumn> PrinterColumns)
{
    /// <summary>Reads one version of the CRD of <paramref name="group"/> and <paramref name="kind"/>.</summary>
    public static CustomResourceVersion Parse(JsonObject version, string group, string kind)
    {
        var name = JsonTree.AsString(version["name"]) ?? "";
        var subresources = version["subresources"] as JsonObject;
        var scale = subresources?["scale"] is JsonObject s
            ? new ScaleSubresource(JsonTree.AsString(s["specReplicasPath"]) ?? ".spec.replicas", JsonTree.AsString(s["statusReplicasPath"]) ?? ".status.replicas", JsonTree.AsString(s["labelSelectorPath"]))
            : null;
        var served = new List<string>();
        if (subresources?["status"] is JsonObject)
        {
            served.Add("status");
        }
        if (scale is not null)
        {
            served.Add("scale");
        }
        var columns = (version["additionalPrinterColumns"] as JsonArray ?? []).OfType<JsonObject>().Select(PrinterColumn.Parse).ToArray();
        string? warning = null;
        if (JsonTree.AsBool(version["deprecated"]) == true)
        {
            warning = JsonTree.AsString(version["deprecationWarning"]) ?? $"{group}/{name} {kind} is deprecated";
        }
        return new CustomResourceVersion(
            name,
            JsonTree.AsBool(version["served"]) ?? false,
            JsonTree.AsBool(version["storage"]) ?? false,
            warning,
            JsonTree.GetObject(version, "schema", "openAPIV3Schema") is { } schema ? StructuralSchema.Parse(schema) : StructuralSchema.PreserveAll,
            served,
            scale,
            columns.Length > 0 ? columns : [PrinterColumn.Age]);
    }

    /// <summary>True when the version serves a status subresource.</summary>
    public bool HasStatus => Subresources.Contains("status");
}

/// <summary>A CRD's <c>scale</c> subresource: where the replicas and the selector are in a custom object.</summary>
/// <param name="SpecReplicasPath">JSON path of the desired replicas (<c>.spec.replicas</c>).</param>
/// <param name="StatusReplicasPath">JSON path of the observed replicas.</param>
/// <param name="LabelSelectorPath">JSON path of the selector string, or null.</param>
public sealed record ScaleSubresource(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath);

/// <summary>One of a CRD version's <c>additionalPrinterColumns</c>.</summary>
/// <param name="Name">Header.</param>
/// <param name="Type">integer, number, string, boolean or date.</param>
/// <param name="Format">OpenAPI format hint.</param>
/// <param name="Description">Description.</param>
/// <param name="Priority">0 shows always, more only with <c>-o wide</c>.</param>
/// <param name="JsonPath">Simple JSON path evaluated against each object.</param>
public sealed record PrinterColumn(string Name, string Type, string Format, string Description, int Priority, string JsonPath)
{
    /// <summary>The column a version without printer columns gets.</summary>
    public static PrinterColumn Age { get; } = new("Age", "date", "",
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
        0, ".metadata.creationTimestamp");

    /// <summary>Reads one column definition.</summary>
    public static PrinterColumn Parse(JsonObject column) => new(
        JsonTree.AsString(column["name"]) ?? "",
        JsonTree.AsString(column["type"]) ?? "string",
        JsonTree.AsString(column["format"]) ?? "",
        JsonTree.AsString(column["description"]) ?? "",
        (int)(JsonTree.AsInt(column["priority"]) ?? 0),
        JsonTree.AsString(column["jsonPath"]) ?? "");
}
