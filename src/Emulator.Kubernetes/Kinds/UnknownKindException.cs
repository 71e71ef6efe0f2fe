namespace Emulator.Kubernetes.Kinds;

/// <summary>Raised when an apiVersion/kind pair or a resource name is not served.</summary>
public sealed class UnknownKindException : Exception
{
    /// <summary>Creates the exception for an apiVersion and kind, worded like Kubernetes' REST mapper.</summary>
    public UnknownKindException(string apiVersion, string kind)
        : base(MessageFor(apiVersion, kind))
    {
        ApiVersion = apiVersion;
        Kind = kind;
    }

    /// <summary>Creates the exception with a custom message.</summary>
    public UnknownKindException(string message)
        : base(message)
    {
        ApiVersion = "";
        Kind = "";
    }

    /// <summary>The apiVersion asked for.</summary>
    public string ApiVersion { get; }

    /// <summary>The kind asked for.</summary>
    public string Kind { get; }

    private static string MessageFor(string apiVersion, string kind) =>
        kind.Length == 0 ? "Object 'Kind' is missing"
        : apiVersion.Length == 0 ? "Object 'apiVersion' is missing"
        : $"no matches for kind \"{kind}\" in version \"{apiVersion}\"";
}
