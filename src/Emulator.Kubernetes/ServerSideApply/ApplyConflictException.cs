namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>
/// An apply that would change fields other managers own (409 Conflict). The message and causes are the API server's:
/// <c>Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas</c>.
/// </summary>
public sealed class ApplyConflictException : Exception
{
    /// <summary>The conflicts, grouped by manager (in identifier order), each manager's fields in path order.</summary>
    public ApplyConflictException(IReadOnlyList<(ManagerIdentity Manager, FieldPath Field)> conflicts)
        : base(MessageOf(conflicts))
    {
        Conflicts = conflicts;
    }

    /// <summary>The conflicting fields and their managers.</summary>
    public IReadOnlyList<(ManagerIdentity Manager, FieldPath Field)> Conflicts { get; }

    /// <summary>The status causes: <c>FieldManagerConflict</c>, <c>conflict with "m" using v</c>, the field path.</summary>
    public IEnumerable<(string Reason, string Message, string Field)> Causes =>
        Conflicts.Select(c => ("FieldManagerConflict", $"conflict with {c.Manager.Describe()}", c.Field.ToString()));

    private static string MessageOf(IReadOnlyList<(ManagerIdentity Manager, FieldPath Field)> conflicts)
    {
        if (conflicts.Count == 1)
        {
            return $"Apply failed with 1 conflict: conflict with {conflicts[0].Manager.Describe()}: {conflicts[0].Field}";
        }
        var lines = new List<string>();
        foreach (var group in conflicts.GroupBy(c => c.Manager).OrderBy(g => g.Key.Key, StringComparer.Ordinal))
        {
            lines.Add($"conflicts with {group.Key.Describe()}:");
            lines.AddRange(group.Select(c => $"- {c.Field}"));
        }
        return $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
    }
}
