namespace Emulator.Kubernetes.Validation;

/// <summary>Builds the texts Kubernetes shows for an Invalid error.</summary>
public static class InvalidMessage
{
    /// <summary>
    /// The API server's <c>Status.message</c>: <c>Deployment.apps "web" is invalid: &lt;errors&gt;</c>, where
    /// several errors print as <c>[e1, e2]</c> (Go's aggregate error, duplicates dropped).
    /// </summary>
    public static string ForStatus(string group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var qualified = group.Length == 0 ? kind : $"{kind}.{group}";
        var head = $"{qualified} \"{name}\" is invalid";
        return errors.Count == 0 ? head : head + ": " + Aggregate(errors.Select(e => e.ToString()));
    }

    /// <summary>
    /// What kubectl prints for an Invalid Status: <c>The Deployment "web" is invalid: spec.x: Invalid value: …</c>
    /// (built from <c>details.kind</c>, <c>details.name</c> and each cause's <c>field: message</c>).
    /// </summary>
    public static string ForKubectl(string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var head = $"The {kind} \"{name}\" is invalid";
        return errors.Count == 0 ? head : head + ": " + Aggregate(errors.Select(e => e.ToString()));
    }

    /// <summary>Go's <c>utilerrors.NewAggregate(...).Error()</c>: one message bare, several in brackets, duplicates removed.</summary>
    public static string Aggregate(IEnumerable<string> messages)
    {
        var distinct = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in messages)
        {
            if (seen.Add(m))
            {
                distinct.Add(m);
            }
        }
        return distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
    }
}
