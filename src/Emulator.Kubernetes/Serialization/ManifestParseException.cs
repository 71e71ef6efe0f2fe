namespace Emulator.Kubernetes.Serialization;

/// <summary>
/// Malformed JSON or YAML input. Carries the 1-based line and column of the failure so the API can
/// answer 400 BadRequest pointing at the position.
/// </summary>
public sealed class ManifestParseException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Full message including the position.</param>
    /// <param name="line">1-based line, 0 when unknown.</param>
    /// <param name="column">1-based column, 0 when unknown.</param>
    /// <param name="inner">Underlying parser exception.</param>
    public ManifestParseException(string message, int line, int column, Exception? inner = null)
        : base(message, inner)
    {
        Line = line;
        Column = column;
    }

    /// <summary>1-based line of the error (0 when not tied to a position).</summary>
    public int Line { get; }

    /// <summary>1-based column of the error (0 when not tied to a position).</summary>
    public int Column { get; }
}
