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
}
