namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>
/// What changed between two versions of an object (structured-merge-diff's <c>typed.Comparison</c>): the fields the
/// new version adds, the ones whose value differs, the ones it removes. No path is in more than one set.
/// </summary>
/// <param name="Added">Fields only the new version has.</param>
/// <param name="Modified">Fields both have, with different values.</param>
/// <param name="Removed">Fields only the old version has.</param>
public sealed record Comparison(FieldSet Added, FieldSet Modified, FieldSet Removed)
{
    /// <summary>True when nothing changed.</summary>
    public bool IsSame => Added.IsEmpty && Modified.IsEmpty && Removed.IsEmpty;

    /// <summary>The comparison without the fields a filter drops (the strategy's reset fields).</summary>
    public Comparison Filter(FieldFilter filter) => new(filter.Apply(Added), filter.Apply(Modified), filter.Apply(Removed));
}
