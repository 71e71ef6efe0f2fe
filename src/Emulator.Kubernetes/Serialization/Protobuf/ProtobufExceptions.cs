namespace Emulator.Kubernetes.Serialization.Protobuf;

/// <summary>A protobuf body that is malformed (truncated, bad varint, wrong envelope): a 400 for the API.</summary>
public sealed class ProtobufFormatException(string message) : Exception(message);

/// <summary>A well-formed protobuf body the emulator cannot decode (kind not in the table, encoded payload): a 415 for the API.</summary>
public sealed class ProtobufUnsupportedException(string message, string? apiVersion = null, string? kind = null) : Exception(message)
{
    /// <summary>The apiVersion named by the body, when known.</summary>
    public string? ApiVersion { get; } = apiVersion;

    /// <summary>The kind named by the body, when known.</summary>
    public string? Kind { get; } = kind;
}
