using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Serialization.Protobuf;

/// <summary>The JSON object decoded from a protobuf body, and what was skipped on the way.</summary>
/// <param name="Object">The object, with <c>apiVersion</c> and <c>kind</c> from the envelope.</param>
/// <param name="Warnings">Unknown fields (skipped by wire type) and fields whose wire type did not match.</param>
public sealed record ProtobufDecodeResult(JsonObject Object, IReadOnlyList<string> Warnings);

/// <summary>
/// Decodes Kubernetes protobuf bodies (<c>application/vnd.kubernetes.protobuf</c>): the 4-byte magic
/// <c>k8s\0</c> followed by a <c>runtime.Unknown</c> {1 typeMeta {1 apiVersion, 2 kind}, 2 raw,
/// 3 contentEncoding, 4 contentType} whose <c>raw</c> is the object's own message. The object becomes the
/// JSON the API server would produce from the same Go struct: proto2 presence for pointer fields
/// (<c>replicas: 0</c> stays), Go <c>omitempty</c> for value fields (empty strings, zero numbers and false
/// are left out), maps as objects, bytes as base64, <c>Time</c> as RFC 3339, <c>Quantity</c> as a string,
/// <c>IntOrString</c> as a number or a string.
/// </summary>
public static class ProtobufDecoder
{
    /// <summary>The media type of Kubernetes protobuf bodies.</summary>
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private const int MaxDepth = 64;
    private static readonly byte[] Magic = [0x6B, 0x38, 0x73, 0x00];

    /// <summary>Whether a Content-Type header names the Kubernetes protobuf media type.</summary>
    public static bool IsProtobufContentType(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }
        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return string.Equals(mediaType, MediaType, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Decodes a whole body (magic, envelope and object).</summary>
    /// <exception cref="ProtobufFormatException">When the bytes are not a well-formed Kubernetes protobuf body.</exception>
    /// <exception cref="ProtobufUnsupportedException">When the kind is not in <see cref="KubernetesProtobufSchema"/> or the payload is encoded.</exception>
    public static ProtobufDecodeResult Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length < Magic.Length || !body[..Magic.Length].SequenceEqual(Magic))
        {
            throw new ProtobufFormatException("the protobuf body does not start with the Kubernetes magic prefix \"k8s\\x00\"");
        }
        var envelope = body[Magic.Length..];
        string apiVersion = "", kind = "", contentEncoding = "";
        var raw = ReadOnlySpan<byte>.Empty;
        var context = new DecodeContext();
        var pos = 0;
        while (pos < envelope.Length)
        {
            var (number, wireType) = ReadTag(envelope, ref pos);
            switch (number)
            {
                case 1 when wireType == WireLength:
                    var typeMeta = ReadLength(envelope, ref pos);
                    var tpos = 0;
                    while (tpos < typeMeta.Length)
                    {
                        var (tnumber, twire) = ReadTag(typeMeta, ref tpos);
                        if (tnumber == 1 && twire == WireLength)
                        {
                            apiVersion = ReadString(typeMeta, ref tpos);
                        }
                        else if (tnumber == 2 && twire == WireLength)
                        {
                            kind = ReadString(typeMeta, ref tpos);
                        }
                        else
                        {
                            SkipField(typeMeta, ref tpos, tnumber, twire, 0);
                        }
                    }
                    break;
                case 2 when wireType == WireLength:
                    raw = ReadLength(envelope, ref pos);
                    break;
                case 3 when wireType == WireLength:
                    contentEncoding = ReadString(envelope, ref pos);
                    break;
                case 4 when wireType == WireLength:
                    _ = ReadString(envelope, ref pos);
                    break;
                default:
                    context.Warnings.Add($"unknown field {number} in runtime.Unknown skipped");
                    SkipField(envelope, ref pos, number, wireType, 0);
                    break;
            }
        }
        if (apiVersion.Length == 0 || kind.Length == 0)
        {
            throw new ProtobufFormatException("the protobuf body does not name its apiVersion and kind");
        }
        if (contentEncoding.Length != 0)
        {
            throw new ProtobufUnsupportedException($"protobuf bodies with content encoding \"{contentEncoding}\" are not supported", apiVersion, kind);
        }
        var type = KubernetesProtobufSchema.FindRoot(apiVersion, kind)
            ?? throw new ProtobufUnsupportedException(
                $"protobuf bodies of kind {kind} (apiVersion {apiVersion}) are not supported - send application/json or application/yaml", apiVersion, kind);
        var result = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        DecodeMessage(type, raw, result, context, 1);
        return new ProtobufDecodeResult(result, context.Warnings);
    }

    /// <summary>Decodes one message (no magic, no envelope) of a type in <see cref="KubernetesProtobufSchema.Messages"/>.</summary>
    /// <exception cref="ProtobufFormatException">When the bytes are malformed.</exception>
    public static ProtobufDecodeResult DecodeMessage(string messageType, ReadOnlySpan<byte> data)
    {
        if (!KubernetesProtobufSchema.Messages.TryGetValue(messageType, out var type))
        {
            throw new ProtobufUnsupportedException($"protobuf message {messageType} is not known");
        }
        var context = new DecodeContext();
        var node = DecodeValueMessage(type, data, context, 1, present: true);
        return new ProtobufDecodeResult(node as JsonObject ?? new JsonObject { ["value"] = node }, context.Warnings);
    }

    private sealed class DecodeContext
    {
        public List<string> Warnings { get; } = [];
    }

    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLength = 2;
    private const int WireStartGroup = 3;
    private const int WireEndGroup = 4;
    private const int WireFixed32 = 5;

    private static void DecodeMessage(ProtobufMessage type, ReadOnlySpan<byte> data, JsonObject target, DecodeContext context, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ProtobufFormatException($"the protobuf body nests messages deeper than {MaxDepth} levels");
        }
        var pos = 0;
        while (pos < data.Length)
        {
            var (number, wireType) = ReadTag(data, ref pos);
            if (!type.Fields.TryGetValue(number, out var field))
            {
                context.Warnings.Add($"unknown field {number} (wire type {wireType}) in {ShortName(type.Name)} skipped");
                SkipField(data, ref pos, number, wireType, 0);
                continue;
            }
            if (field.IsMap)
            {
                if (wireType != WireLength)
                {
                    WrongWireType(type, field, wireType, data, ref pos, context);
                    continue;
                }
                var entry = ReadLength(data, ref pos);
                var map = target[field.JsonName] as JsonObject;
                if (map is null)
                {
                    map = [];
                    target[field.JsonName] = map;
                }
                DecodeMapEntry(type, field, entry, map, context, depth);
                continue;
            }
            if (field.IsRepeated && wireType == WireLength && field.Kind is ProtobufKind.Int32 or ProtobufKind.Int64 or ProtobufKind.Bool)
            {
                // Packed repeated scalars (proto3 style); Kubernetes writes them unpacked, but both are valid.
                var packed = ReadLength(data, ref pos);
                var ppos = 0;
                var array = RepeatedArray(target, field);
                while (ppos < packed.Length)
                {
                    array.Add(ScalarNode(field.Kind, ReadVarint(packed, ref ppos)));
                }
                continue;
            }
            if (wireType != ExpectedWireType(field.Kind))
            {
                WrongWireType(type, field, wireType, data, ref pos, context);
                continue;
            }
            JsonNode? value;
            var keep = true;
            switch (field.Kind)
            {
                case ProtobufKind.String:
                    var text = ReadString(data, ref pos);
                    value = text;
                    keep = text.Length != 0;
                    break;
                case ProtobufKind.Bytes:
                    var bytes = ReadLength(data, ref pos);
                    value = Convert.ToBase64String(bytes);
                    keep = bytes.Length != 0;
                    break;
                case ProtobufKind.Bool:
                    var flag = ReadVarint(data, ref pos) != 0;
                    value = flag;
                    keep = flag;
                    break;
                case ProtobufKind.Int32:
                case ProtobufKind.Int64:
                    var number64 = ReadVarint(data, ref pos);
                    value = ScalarNode(field.Kind, number64);
                    keep = number64 != 0;
                    break;
                case ProtobufKind.Message:
                    var message = ReadLength(data, ref pos);
                    var messageType = LookupMessage(field);
                    if (field.IsInline && messageType.Special == ProtobufSpecial.None)
                    {
                        // An embedded struct: Go's JSON writes its fields into the enclosing object.
                        DecodeMessage(messageType, message, target, context, depth + 1);
                        continue;
                    }
                    if (messageType.Special == ProtobufSpecial.None && !field.IsRepeated && target[field.JsonName] is JsonObject existing)
                    {
                        // A repeated occurrence of a singular message merges into the first (protobuf semantics).
                        DecodeMessage(messageType, message, existing, context, depth + 1);
                        continue;
                    }
                    value = DecodeValueMessage(messageType, message, context, depth + 1, field.IsNullable || field.IsRepeated);
                    keep = value is not null;
                    break;
                default:
                    throw new InvalidOperationException($"unexpected field kind {field.Kind}");
            }
            if (field.IsRepeated)
            {
                RepeatedArray(target, field).Add(value);
            }
            else if (keep || field.IsNullable)
            {
                target[field.JsonName] = value;
            }
            else
            {
                // A Go value field at its zero value: omitempty leaves it out (and it overrides an earlier occurrence).
                target.Remove(field.JsonName);
            }
        }
    }

    private static JsonArray RepeatedArray(JsonObject target, ProtobufField field)
    {
        if (target[field.JsonName] is JsonArray array)
        {
            return array;
        }
        array = [];
        target[field.JsonName] = array;
        return array;
    }

    private static void DecodeMapEntry(ProtobufMessage owner, ProtobufField field, ReadOnlySpan<byte> entry, JsonObject map, DecodeContext context, int depth)
    {
        var key = "";
        JsonNode? value = null;
        var hasValue = false;
        var pos = 0;
        while (pos < entry.Length)
        {
            var (number, wireType) = ReadTag(entry, ref pos);
            if (number == 1 && wireType == WireLength)
            {
                key = ReadString(entry, ref pos);
            }
            else if (number == 2 && wireType == ExpectedWireType(field.Kind))
            {
                hasValue = true;
                value = field.Kind switch
                {
                    ProtobufKind.String => ReadString(entry, ref pos),
                    ProtobufKind.Bytes => Convert.ToBase64String(ReadLength(entry, ref pos)),
                    ProtobufKind.Bool => ReadVarint(entry, ref pos) != 0,
                    ProtobufKind.Int32 or ProtobufKind.Int64 => ScalarNode(field.Kind, ReadVarint(entry, ref pos)),
                    _ => DecodeValueMessage(LookupMessage(field), ReadLength(entry, ref pos), context, depth + 1, present: true),
                };
            }
            else
            {
                context.Warnings.Add($"unknown field {number} (wire type {wireType}) in an entry of {ShortName(owner.Name)}.{field.JsonName} skipped");
                SkipField(entry, ref pos, number, wireType, 0);
            }
        }
        if (!hasValue)
        {
            value = field.Kind switch
            {
                ProtobufKind.String or ProtobufKind.Bytes => "",
                ProtobufKind.Bool => false,
                ProtobufKind.Int32 or ProtobufKind.Int64 => 0,
                _ => DecodeValueMessage(LookupMessage(field), [], context, depth + 1, present: true),
            };
        }
        map[key] = value;
    }

    /// <summary>
    /// The JSON of a message value; null when it is to be left out (a zero <c>Time</c>, or a zero
    /// <c>IntOrString</c>/<c>Duration</c>/raw extension in a value field, which Kubernetes treats as unset).
    /// </summary>
    private static JsonNode? DecodeValueMessage(ProtobufMessage type, ReadOnlySpan<byte> data, DecodeContext context, int depth, bool present)
    {
        switch (type.Special)
        {
            case ProtobufSpecial.None:
                var obj = new JsonObject();
                DecodeMessage(type, data, obj, context, depth);
                return obj;
            case ProtobufSpecial.Time:
            case ProtobufSpecial.MicroTime:
                {
                    long seconds = 0, nanos = 0;
                    ReadFields(type, data, context, (number, value) =>
                    {
                        if (number == 1)
                        {
                            seconds = value;
                        }
                        else if (number == 2)
                        {
                            nanos = (int)value;
                        }
                    });
                    if (seconds == 0 && nanos == 0)
                    {
                        return null;
                    }
                    DateTimeOffset time;
                    try
                    {
                        time = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
                    }
                    catch (ArgumentOutOfRangeException)
                    {
                        throw new ProtobufFormatException($"the protobuf body has a time out of range ({seconds} seconds)");
                    }
                    return type.Special == ProtobufSpecial.Time ? Rfc3339Time.Format(time) : Rfc3339Time.FormatMicro(time);
                }
            case ProtobufSpecial.Duration:
                {
                    long duration = 0;
                    ReadFields(type, data, context, (number, value) =>
                    {
                        if (number == 1)
                        {
                            duration = value;
                        }
                    });
                    return duration == 0 && !present ? null : FormatGoDuration(duration);
                }
            case ProtobufSpecial.Quantity:
                {
                    var text = ReadSingleString(type, data, context);
                    return text.Length == 0 ? "0" : text;
                }
            case ProtobufSpecial.IntOrString:
                {
                    long kind = 0, intValue = 0;
                    var stringValue = "";
                    var pos = 0;
                    while (pos < data.Length)
                    {
                        var (number, wireType) = ReadTag(data, ref pos);
                        if (number == 1 && wireType == WireVarint)
                        {
                            kind = (long)ReadVarint(data, ref pos);
                        }
                        else if (number == 2 && wireType == WireVarint)
                        {
                            intValue = (int)ReadVarint(data, ref pos);
                        }
                        else if (number == 3 && wireType == WireLength)
                        {
                            stringValue = ReadString(data, ref pos);
                        }
                        else
                        {
                            context.Warnings.Add($"unknown field {number} (wire type {wireType}) in IntOrString skipped");
                            SkipField(data, ref pos, number, wireType, 0);
                        }
                    }
                    if (kind == 1)
                    {
                        return stringValue.Length == 0 && !present ? null : stringValue;
                    }
                    return intValue == 0 && !present ? null : JsonValue.Create((int)intValue);
                }
            case ProtobufSpecial.RawJson:
                {
                    var raw = ReadOnlySpan<byte>.Empty;
                    var pos = 0;
                    while (pos < data.Length)
                    {
                        var (number, wireType) = ReadTag(data, ref pos);
                        if (number == 1 && wireType == WireLength)
                        {
                            raw = ReadLength(data, ref pos);
                        }
                        else
                        {
                            context.Warnings.Add($"unknown field {number} (wire type {wireType}) in {ShortName(type.Name)} skipped");
                            SkipField(data, ref pos, number, wireType, 0);
                        }
                    }
                    if (raw.IsEmpty)
                    {
                        return null;
                    }
                    try
                    {
                        return JsonNode.Parse(raw);
                    }
                    catch (JsonException e)
                    {
                        throw new ProtobufFormatException($"the embedded object in {ShortName(type.Name)} is not JSON: {e.Message}");
                    }
                }
            default:
                throw new InvalidOperationException($"unexpected special message {type.Special}");
        }
    }

    private delegate void VarintField(int number, long value);

    private static void ReadFields(ProtobufMessage type, ReadOnlySpan<byte> data, DecodeContext context, VarintField onVarint)
    {
        var pos = 0;
        while (pos < data.Length)
        {
            var (number, wireType) = ReadTag(data, ref pos);
            if (wireType == WireVarint && number is 1 or 2)
            {
                onVarint(number, (long)ReadVarint(data, ref pos));
            }
            else
            {
                context.Warnings.Add($"unknown field {number} (wire type {wireType}) in {ShortName(type.Name)} skipped");
                SkipField(data, ref pos, number, wireType, 0);
            }
        }
    }

    private static string ReadSingleString(ProtobufMessage type, ReadOnlySpan<byte> data, DecodeContext context)
    {
        var text = "";
        var pos = 0;
        while (pos < data.Length)
        {
            var (number, wireType) = ReadTag(data, ref pos);
            if (number == 1 && wireType == WireLength)
            {
                text = ReadString(data, ref pos);
            }
            else
            {
                context.Warnings.Add($"unknown field {number} (wire type {wireType}) in {ShortName(type.Name)} skipped");
                SkipField(data, ref pos, number, wireType, 0);
            }
        }
        return text;
    }

    private static ProtobufMessage LookupMessage(ProtobufField field) =>
        field.MessageType is { } name && KubernetesProtobufSchema.Messages.TryGetValue(name, out var type)
            ? type
            : throw new InvalidOperationException($"the protobuf schema has no message {field.MessageType} for field {field.JsonName}");

    private static JsonNode ScalarNode(ProtobufKind kind, ulong raw) => kind switch
    {
        ProtobufKind.Bool => JsonValue.Create(raw != 0),
        ProtobufKind.Int32 => JsonValue.Create((int)raw),
        _ => JsonValue.Create((long)raw),
    };

    private static int ExpectedWireType(ProtobufKind kind) => kind switch
    {
        ProtobufKind.Bool or ProtobufKind.Int32 or ProtobufKind.Int64 => WireVarint,
        _ => WireLength,
    };

    private static void WrongWireType(ProtobufMessage type, ProtobufField field, int wireType, ReadOnlySpan<byte> data, ref int pos, DecodeContext context)
    {
        context.Warnings.Add($"field {field.Number} ({field.JsonName}) in {ShortName(type.Name)} has wire type {wireType}, expected {ExpectedWireType(field.Kind)}; skipped");
        SkipField(data, ref pos, field.Number, wireType, 0);
    }

    private static string ShortName(string fullName)
    {
        var dot = fullName.LastIndexOf('.');
        return dot < 0 ? fullName : fullName[(dot + 1)..];
    }

    private static (int Number, int WireType) ReadTag(ReadOnlySpan<byte> data, ref int pos)
    {
        var tag = ReadVarint(data, ref pos);
        var number = tag >> 3;
        if (number == 0 || number > 536_870_911)
        {
            throw new ProtobufFormatException($"the protobuf body has an invalid field number {number} at byte {pos}");
        }
        return ((int)number, (int)(tag & 7));
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (pos >= data.Length)
            {
                throw new ProtobufFormatException("the protobuf body ends inside a varint");
            }
            var b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw new ProtobufFormatException($"the protobuf body has a varint longer than 10 bytes at byte {pos}");
    }

    private static ReadOnlySpan<byte> ReadLength(ReadOnlySpan<byte> data, scoped ref int pos)
    {
        var length = ReadVarint(data, ref pos);
        if (length > (ulong)(data.Length - pos))
        {
            throw new ProtobufFormatException($"the protobuf body has a field of {length} bytes where only {data.Length - pos} remain");
        }
        var slice = data.Slice(pos, (int)length);
        pos += (int)length;
        return slice;
    }

    private static string ReadString(ReadOnlySpan<byte> data, ref int pos) => Encoding.UTF8.GetString(ReadLength(data, ref pos));

    private static void SkipField(ReadOnlySpan<byte> data, ref int pos, int number, int wireType, int depth)
    {
        switch (wireType)
        {
            case WireVarint:
                ReadVarint(data, ref pos);
                break;
            case WireFixed64:
                Advance(data, ref pos, 8);
                break;
            case WireLength:
                ReadLength(data, ref pos);
                break;
            case WireFixed32:
                Advance(data, ref pos, 4);
                break;
            case WireStartGroup:
                if (depth > MaxDepth)
                {
                    throw new ProtobufFormatException($"the protobuf body nests groups deeper than {MaxDepth} levels");
                }
                while (true)
                {
                    if (pos >= data.Length)
                    {
                        throw new ProtobufFormatException($"the protobuf body ends inside group {number}");
                    }
                    var (inner, innerWire) = ReadTag(data, ref pos);
                    if (innerWire == WireEndGroup)
                    {
                        if (inner != number)
                        {
                            throw new ProtobufFormatException($"the protobuf body ends group {inner} inside group {number}");
                        }
                        return;
                    }
                    SkipField(data, ref pos, inner, innerWire, depth + 1);
                }
            default:
                throw new ProtobufFormatException($"the protobuf body has field {number} with invalid wire type {wireType}");
        }
    }

    private static void Advance(ReadOnlySpan<byte> data, ref int pos, int count)
    {
        if (data.Length - pos < count)
        {
            throw new ProtobufFormatException("the protobuf body ends inside a fixed-size field");
        }
        pos += count;
    }

    /// <summary>Formats nanoseconds as Go's <c>time.Duration.String</c> does (<c>1h2m3.5s</c>, <c>1.5ms</c>, <c>0s</c>).</summary>
    internal static string FormatGoDuration(long nanoseconds)
    {
        if (nanoseconds == 0)
        {
            return "0s";
        }
        var negative = nanoseconds < 0;
        var u = negative ? (ulong)(-(nanoseconds + 1)) + 1 : (ulong)nanoseconds;
        var builder = new StringBuilder();
        if (u < 1_000_000_000UL)
        {
            (ulong unit, string suffix) = u < 1_000UL ? (1UL, "ns") : u < 1_000_000UL ? (1_000UL, "µs") : (1_000_000UL, "ms");
            builder.Append(Fraction(u, unit)).Append(suffix);
        }
        else
        {
            var hours = u / 3_600_000_000_000UL;
            var rest = u % 3_600_000_000_000UL;
            var minutes = rest / 60_000_000_000UL;
            rest %= 60_000_000_000UL;
            if (hours > 0)
            {
                builder.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
            }
            if (hours > 0 || minutes > 0)
            {
                builder.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
            }
            builder.Append(Fraction(rest, 1_000_000_000UL)).Append('s');
        }
        return negative ? "-" + builder : builder.ToString();
    }

    private static string Fraction(ulong value, ulong unit)
    {
        var whole = (value / unit).ToString(CultureInfo.InvariantCulture);
        var remainder = value % unit;
        if (remainder == 0)
        {
            return whole;
        }
        var digits = unit.ToString(CultureInfo.InvariantCulture).Length - 1;
        var fraction = remainder.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
        return whole + "." + fraction;
    }
}
