namespace Emulator.Kubernetes.Selectors;

/// <summary>A label or field selector that does not parse or is not valid; the message is Kubernetes' wording.</summary>
public sealed class SelectorParseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SelectorParseException(string message)
        : base(message)
    {
    }
}
