namespace Emulator.Kubernetes.Serialization.Protobuf;

/// <summary>The protobuf scalar types Kubernetes messages use (plus <see cref="Message"/> for nested messages).</summary>
public enum ProtobufKind
{
    /// <summary>UTF-8 string (length-delimited).</summary>
    String,

    /// <summary>Raw bytes (length-delimited), base64 in JSON.</summary>
    Bytes,

    /// <summary>Boolean (varint).</summary>
    Bool,

    /// <summary>Signed 32-bit integer (varint, two's complement).</summary>
    Int32,

    /// <summary>Signed 64-bit integer (varint, two's complement).</summary>
    Int64,

    /// <summary>A nested message (length-delimited).</summary>
    Message,
}

/// <summary>How a field is declared.</summary>
[Flags]
public enum ProtobufFlags
{
    /// <summary>A Go value field: its zero value means "unset" and is left out of the JSON (<c>omitempty</c>).</summary>
    None = 0,

    /// <summary>A <c>repeated</c> field: a JSON array.</summary>
    Repeated = 1,

    /// <summary>A Go pointer field: present means set, so a present zero value stays in the JSON (<c>replicas: 0</c>).</summary>
    Nullable = 2,

    /// <summary>A <c>map&lt;string, V&gt;</c>: repeated entry messages {1 key, 2 value}, a JSON object.</summary>
    Map = 4,

    /// <summary>An embedded Go struct (<c>json:",inline"</c>): its fields go into the enclosing JSON object.</summary>
    Inline = 8,
}

/// <summary>Messages whose JSON form is not an object of their fields.</summary>
public enum ProtobufSpecial
{
    /// <summary>An ordinary message: a JSON object of its fields.</summary>
    None,

    /// <summary><c>metav1.Time</c> {1 seconds, 2 nanos}: RFC 3339 with second precision; left out when zero.</summary>
    Time,

    /// <summary><c>metav1.MicroTime</c> {1 seconds, 2 nanos}: RFC 3339 with microseconds; left out when zero.</summary>
    MicroTime,

    /// <summary><c>metav1.Duration</c> {1 duration (nanoseconds)}: a Go duration string such as <c>1m30s</c>.</summary>
    Duration,

    /// <summary><c>resource.Quantity</c> {1 string}: the quantity string.</summary>
    Quantity,

    /// <summary><c>intstr.IntOrString</c> {1 type, 2 intVal, 3 strVal}: a JSON number or string.</summary>
    IntOrString,

    /// <summary><c>runtime.RawExtension</c> / <c>metav1.FieldsV1</c> {1 raw}: embedded JSON.</summary>
    RawJson,
}

/// <summary>One field of a message: its number, JSON name and type.</summary>
/// <param name="Number">The protobuf field number.</param>
/// <param name="JsonName">The JSON property name.</param>
/// <param name="Kind">The field's type; for maps, the value's type.</param>
/// <param name="Flags">Repeated, pointer (nullable) or map.</param>
/// <param name="MessageType">The full message name when <paramref name="Kind"/> is <see cref="ProtobufKind.Message"/>.</param>
public sealed record ProtobufField(int Number, string JsonName, ProtobufKind Kind, ProtobufFlags Flags, string? MessageType)
{
    /// <summary>A <c>map&lt;string, V&gt;</c> field.</summary>
    public static ProtobufField Map(int number, string jsonName, ProtobufKind valueKind, string? valueMessageType) =>
        new(number, jsonName, valueKind, ProtobufFlags.Map, valueMessageType);

    /// <summary>Whether the field is <c>repeated</c> (maps excluded).</summary>
    public bool IsRepeated => (Flags & ProtobufFlags.Repeated) != 0;

    /// <summary>Whether the field is a Go pointer (a present zero value is kept).</summary>
    public bool IsNullable => (Flags & ProtobufFlags.Nullable) != 0;

    /// <summary>Whether the field is an embedded struct whose fields are inlined into the enclosing object.</summary>
    public bool IsInline => (Flags & ProtobufFlags.Inline) != 0;

    /// <summary>Whether the field is a map.</summary>
    public bool IsMap => (Flags & ProtobufFlags.Map) != 0;
}

/// <summary>A message type: its full protobuf name and fields.</summary>
public sealed class ProtobufMessage
{
    /// <summary>Creates a message type.</summary>
    public ProtobufMessage(string name, ProtobufSpecial special, IEnumerable<ProtobufField> fields)
    {
        Name = name;
        Special = special;
        Fields = fields.ToDictionary(f => f.Number);
    }

    /// <summary>The full name, e.g. <c>k8s.io.api.core.v1.ConfigMap</c>.</summary>
    public string Name { get; }

    /// <summary>Whether the JSON form is special (time, quantity, int-or-string, raw JSON).</summary>
    public ProtobufSpecial Special { get; }

    /// <summary>The fields by number.</summary>
    public IReadOnlyDictionary<int, ProtobufField> Fields { get; }
}

/// <summary>
/// The protobuf message table for the kinds the emulator accepts as <c>application/vnd.kubernetes.protobuf</c>
/// bodies, generated from the descriptors in kubectl (see <c>generate_schema.py</c>).
/// </summary>
public static partial class KubernetesProtobufSchema
{
    private static readonly Dictionary<string, ProtobufMessage> MessagesByName = GeneratedMessages().ToDictionary(m => m.Name, StringComparer.Ordinal);
    private static readonly Dictionary<(string ApiVersion, string Kind), string> RootsByKind = GeneratedRoots().ToDictionary(r => (r.ApiVersion, r.Kind), r => r.Message);

    /// <summary>Every message type by full name.</summary>
    public static IReadOnlyDictionary<string, ProtobufMessage> Messages => MessagesByName;

    /// <summary>The top-level kinds that can be decoded, by apiVersion and kind.</summary>
    public static IReadOnlyDictionary<(string ApiVersion, string Kind), string> Roots => RootsByKind;

    /// <summary>The message type of a top-level kind, or null when it is not in the table.</summary>
    public static ProtobufMessage? FindRoot(string apiVersion, string kind) =>
        RootsByKind.TryGetValue((apiVersion, kind), out var name) ? MessagesByName[name] : null;
}
