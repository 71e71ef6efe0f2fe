namespace Emulator.Kubernetes.Validation;

/// <summary>
/// A request carried fields the kind does not have, under <c>fieldValidation=Strict</c> (HTTP 400 BadRequest).
/// The message is the API server's: <c>strict decoding error: unknown field "spec.foo"</c>.
/// </summary>
public sealed class UnknownFieldException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UnknownFieldException(string kind, string version, IReadOnlyList<string> paths)
        : base($"{kind} in version \"{version}\" cannot be handled as a {kind}: " + Schema.UnknownFields.StrictDecodingMessage(paths))
    {
        Paths = paths;
    }

    /// <summary>The unknown field paths.</summary>
    public IReadOnlyList<string> Paths { get; }
}
