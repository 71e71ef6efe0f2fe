namespace Emulator.Kubernetes.Validation;

/// <summary>
/// An object failed validation (HTTP 422, reason <c>Invalid</c>). Carries the causes and both the API
/// server's <c>Status.message</c> and the text kubectl prints for it.
/// </summary>
public sealed class InvalidObjectException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="group">API group of the kind (empty for core).</param>
    /// <param name="kind">Kind, e.g. <c>Deployment</c>.</param>
    /// <param name="name">Object name (may be empty when only generateName was given).</param>
    /// <param name="errors">The causes; at least one.</param>
    public InvalidObjectException(string group, string kind, string name, IReadOnlyList<FieldError> errors)
        : base(InvalidMessage.ForStatus(group, kind, name, errors))
    {
        Group = group;
        Kind = kind;
        Name = name;
        Errors = errors;
    }

    /// <summary>API group of the kind.</summary>
    public string Group { get; }

    /// <summary>Kind.</summary>
    public string Kind { get; }

    /// <summary>Object name.</summary>
    public string Name { get; }

    /// <summary>The causes.</summary>
    public IReadOnlyList<FieldError> Errors { get; }

    /// <summary>What kubectl prints: <c>The Deployment "web" is invalid: …</c>.</summary>
    public string KubectlMessage => InvalidMessage.ForKubectl(Kind, Name, Errors);
}
