using System.Text.Json.Nodes;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.CustomResources;

namespace Emulator.Api.Discovery;

/// <summary>A resource as discovery lists it and as the REST layer routes it.</summary>
public sealed record ApiResource(
    string Group,
    string Version,
    string Resource,
    string Singular,
    string Kind,
    bool Namespaced,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories,
    bool HasStatus = true,
    bool HasScale = false)
{
    /// <summary>The verbs every resource here supports.</summary>
    public static readonly IReadOnlyList<string> Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>The verbs discovery lists for this resource (those of a stored kind unless the kind says otherwise).</summary>
    public IReadOnlyList<string> ResourceVerbs { get; init; } = Verbs;

    /// <summary>False for the resources answered without being stored (reviews, bindings, component statuses).</summary>
    public bool Stored { get; init; } = true;

    /// <summary>True when the resource serves <paramref name="verb"/>.</summary>
    public bool Serves(string verb) => ResourceVerbs.Contains(verb);

    /// <summary><c>v1</c> or <c>apps/v1</c>.</summary>
    public string ApiVersion => string.IsNullOrEmpty(Group) ? Version : $"{Group}/{Version}";

    /// <summary>The store's view of the type (a custom resource is stored at its CRD's storage version).</summary>
    public ResourceType StoreType { get; init; } = new(Group, Version, Resource, Kind, Namespaced, HasStatus);

    /// <summary>The CustomResourceDefinition serving this resource, null for built-in kinds.</summary>
    public CustomResourceDefinition? Definition { get; init; }

    /// <summary>The CRD version this entry serves, null for built-in kinds.</summary>
    public CustomResourceVersion? CustomVersion { get; init; }

    /// <summary>How a built-in kind served at another version than it is stored at converts; null when none is needed.</summary>
    public VersionConversion? Conversion { get; init; }

    /// <summary>The kind of this resource's lists (a CRD may name its own).</summary>
    public string ListKind => Definition?.ListKind ?? Kind + "List";

    /// <summary>The entry of one served version of a custom resource.</summary>
    public static ApiResource ForCustomResource(CustomResourceDefinition crd, CustomResourceVersion version) =>
        new(crd.Group, version.Name, crd.Plural, crd.Singular, crd.Kind, crd.Namespaced, crd.ShortNames, crd.Categories, version.HasStatus, version.Scale is not null)
        {
            StoreType = CustomResourceTypes.Of(crd),
            Definition = crd,
            CustomVersion = version,
        };

    /// <summary>
    /// An object's JSON as this resource serves it: a custom object stored at another version of its CRD is shown at
    /// this one (the <c>None</c> conversion strategy changes only <c>apiVersion</c>).
    /// </summary>
    public byte[] JsonOf(StoredObject obj)
    {
        if (Conversion is { } conversion)
        {
            return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(conversion.ToServed(obj.ToJsonObject()));
        }
        if (Definition is null || StoreType.Version == Version)
        {
            return obj.Json;
        }
        var json = obj.ToJsonObject();
        json["apiVersion"] = ApiVersion;
        return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(json);
    }

    /// <summary>An object as this resource serves it (see <see cref="JsonOf"/>).</summary>
    public JsonObject ObjectOf(StoredObject obj)
    {
        var json = obj.ToJsonObject();
        if (Conversion is { } conversion)
        {
            return conversion.ToServed(json);
        }
        if (Definition is not null)
        {
            json["apiVersion"] = ApiVersion;
        }
        return json;
    }
}
