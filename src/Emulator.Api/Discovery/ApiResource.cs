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

    /// <summary><c>v1</c> or <c>apps/v1</c>.</summary>
    public string ApiVersion => string.IsNullOrEmpty(Group) ? Version : $"{Group}/{Version}";

    /// <summary>The store's view of the type.</summary>
    public ResourceType StoreType { get; } = new(Group, Version, Resource, Kind, Namespaced, HasStatus);
}
