namespace Emulator.Kubernetes.Kinds;

/// <summary>What the API server knows about one kind: how it is addressed, scoped and named.</summary>
/// <param name="Group">API group, empty for core.</param>
/// <param name="Version">Served version.</param>
/// <param name="Kind">Kind name.</param>
/// <param name="Resource">Plural resource name used in URLs (<c>deployments</c>).</param>
/// <param name="Singular">Singular resource name (<c>deployment</c>).</param>
/// <param name="Namespaced">True for namespaced kinds.</param>
/// <param name="ShortNames">kubectl short names (<c>deploy</c>).</param>
/// <param name="Categories">Discovery categories (<c>all</c> for <c>kubectl get all</c>).</param>
/// <param name="NameRule">Syntax required of <c>metadata.name</c>.</param>
/// <param name="Subresources">Subresources served (<c>status</c>, <c>scale</c>, <c>log</c>).</param>
/// <param name="SchemaType">Name of the root type in the field schema.</param>
/// <param name="Verbs">
/// The verbs discovery lists for the resource (null: the full set of a stored kind). Reviews and <c>bindings</c> are
/// create-only, <c>componentstatuses</c> get/list only, <c>namespaces</c> have no <c>deletecollection</c>.
/// </param>
/// <param name="Stored">
/// False for the resources the API server answers without storing anything (reviews, <c>bindings</c>,
/// <c>componentstatuses</c>).
/// </param>
public sealed record KindInfo(
    string Group,
    string Version,
    string Kind,
    string Resource,
    string Singular,
    bool Namespaced,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories,
    NameRule NameRule,
    IReadOnlyList<string> Subresources,
    string SchemaType,
    IReadOnlyList<string>? Verbs = null,
    bool Stored = true)
{
    /// <summary>The verbs of a stored kind (<c>kubectl api-resources -o wide</c>).</summary>
    public static readonly IReadOnlyList<string> StandardVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>The verbs discovery lists for this resource.</summary>
    public IReadOnlyList<string> ServedVerbs => Verbs ?? StandardVerbs;

    /// <summary>True when the resource serves <paramref name="verb"/>.</summary>
    public bool Serves(string verb) => ServedVerbs.Contains(verb);

    /// <summary>The <c>apiVersion</c> value for this kind.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The kind of the list type (<c>DeploymentList</c>).</summary>
    public string ListKind => Kind + "List";

    /// <summary>Group, version and kind.</summary>
    public GroupVersionKind GroupVersionKind => new(Group, Version, Kind);

    /// <summary>
    /// The resource qualified by its group as Kubernetes prints it in messages
    /// (<c>deployments.apps</c>; core resources stay bare: <c>pods</c>).
    /// </summary>
    public string QualifiedResource => Group.Length == 0 ? Resource : $"{Resource}.{Group}";

    /// <summary>The kind qualified by its group (<c>Deployment.apps</c>), as in the API server's Invalid messages.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    /// <summary>True when the kind serves a <c>scale</c> subresource (autoscaling/v1 Scale).</summary>
    public bool HasScale => Subresources.Contains("scale");

    /// <summary>True when the kind serves a <c>status</c> subresource.</summary>
    public bool HasStatus => Subresources.Contains("status");
}
