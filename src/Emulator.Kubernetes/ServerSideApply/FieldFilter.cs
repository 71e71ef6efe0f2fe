namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>
/// The fields a write may not own, as each resource's strategy declares them (<c>GetResetFields</c>): the main
/// resource of a kind with a status subresource never owns <c>status</c>, the status subresource owns nothing else,
/// the scale subresource only the replica count.
/// </summary>
public sealed class FieldFilter
{
    private readonly FieldSet? _excluded;
    private readonly FieldSet? _kept;

    private FieldFilter(FieldSet? excluded, FieldSet? kept)
    {
        _excluded = excluded;
        _kept = kept;
    }

    /// <summary>Keeps every field.</summary>
    public static FieldFilter None { get; } = new(null, null);

    /// <summary>Drops these fields and everything below them.</summary>
    public static FieldFilter Excluding(params FieldPath[] paths) => new(FieldSet.Of(paths), null);

    /// <summary>Keeps only these fields and what is below them.</summary>
    public static FieldFilter KeepingOnly(params FieldPath[] paths) => new(null, FieldSet.Of(paths));

    /// <summary>
    /// The top-level field a comparison can be limited to (<c>status</c> for the status subresource), or null: a
    /// cheaper walk that gives the same result.
    /// </summary>
    internal string? OnlyTopLevelField =>
        _kept is { } kept && kept.Members.Count == 1 && kept.Children.Count == 0 ? kept.Members[0].FieldName : null;

    /// <summary>The top-level field a comparison can skip (<c>status</c> for the main resource), or null.</summary>
    internal string? SkippedTopLevelField =>
        _excluded is { } excluded && excluded.Members.Count == 1 && excluded.Children.Count == 0 ? excluded.Members[0].FieldName : null;

    /// <summary>The set without the filtered fields.</summary>
    public FieldSet Apply(FieldSet set) => _excluded is { } excluded ? set.RecursiveDifference(excluded) : _kept is { } kept ? set.KeepOnly(kept) : set;
}
