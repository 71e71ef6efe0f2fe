namespace Emulator.Kubernetes.Schema;

/// <summary>A declared field with its strategic-merge-patch metadata.</summary>
/// <param name="Name">JSON field name.</param>
/// <param name="Type">Field type.</param>
/// <param name="MergeKey">The <c>patchMergeKey</c> of a list of objects merged by key.</param>
/// <param name="Strategies">The <c>patchStrategy</c> values: <c>merge</c>, <c>replace</c>, <c>retainKeys</c>.</param>
public sealed record FieldDefinition(string Name, TypeReference Type, string? MergeKey, IReadOnlySet<string> Strategies)
{
    /// <summary>True when a list is merged (by key for objects, as a set for scalars) rather than replaced.</summary>
    public bool MergesList => Strategies.Contains("merge");

    /// <summary>True when the patch strategy includes <c>retainKeys</c>.</summary>
    public bool RetainsKeys => Strategies.Contains("retainKeys");

    /// <summary>The field's server-side apply markers.</summary>
    public ApplySemantics Apply { get; init; } = new();

    /// <summary>
    /// The list type server-side apply merges this list by: the declared one, else a map keyed by the merge key, a set
    /// for a merged list of scalars, atomic otherwise (Kubernetes' schema conversion from the patch metadata).
    /// </summary>
    public ListType ListType => Apply.ListType ?? (MergeKey is not null ? ListType.Map : MergesList ? ListType.Set : ListType.Atomic);

    /// <summary>The keys of a map list: the declared ones, else the merge key.</summary>
    public IReadOnlyList<string> ListMapKeys => Apply.ListType == ListType.Map ? Apply.ListMapKeys : MergeKey is { } key ? [key] : [];
}
