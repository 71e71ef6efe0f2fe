namespace Emulator.Kubernetes.Decoding;

/// <summary>
/// A body does not decode into its kind's Go type (HTTP 400 BadRequest on create and update):
/// <c>Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal ...</c>.
/// </summary>
public sealed class TypedDecodingException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The API server's whole message.</param>
    /// <param name="decodingError">The decoder's own error (<c>json: cannot unmarshal ...</c>), as a patch failure quotes it.</param>
    public TypedDecodingException(string message, string decodingError)
        : base(message)
    {
        DecodingError = decodingError;
    }

    /// <summary>The decoder's own error, without the kind prefix.</summary>
    public string DecodingError { get; }
}
