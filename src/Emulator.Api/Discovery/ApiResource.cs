using Emulator.ControlPlane.Store;

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

    /// <summary>The store's view of the type.</summary>
    public ResourceType StoreType { get; } = new(Group, Version, Resource, Kind, Namespaced, HasStatus);
}
