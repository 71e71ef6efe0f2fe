using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Schema;

namespace Emulator.Kubernetes.Decoding;

/// <summary>
/// Checks a JSON document against its kind's schema the way the API server's decoder (Go's <c>encoding/json</c>, as
/// forked in <c>sigs.k8s.io/json</c>) fills the kind's Go struct, and reports the error it would report:
/// <c>json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type v1.Container</c>.
/// </summary>
/// <remarks>
/// Go's rules reproduced: <c>null</c> is the zero value of any field; fields the struct lacks are skipped unchecked
/// (strict field validation reports them); a wrong JSON type or an integer out of range is remembered and decoding
/// goes on, the first such error in document order being returned; an error from a type's own <c>UnmarshalJSON</c>
/// (<c>IntOrString</c>, <c>Quantity</c>, <c>Time</c>) stops decoding at once and wins over a remembered one. Field
/// paths join the JSON names of the struct fields crossed (no list indexes, no map keys), after the name of the
/// innermost struct.
/// </remarks>
public static class TypedDecoder
{
    /// <summary>The message of <c>resource.ErrFormatWrong</c>.</summary>
    public const string QuantityFormatMessage = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    /// <summary>
    /// Decodes <paramref name="document"/> as the kind's root type; throws when Kubernetes' decoder would fail.
    /// Kinds without a schema type are accepted as they are.
    /// </summary>
    /// <exception cref="TypedDecodingException">With the API server's message.</exception>
    public static void EnsureDecodes(JsonObject document, KindInfo kind, FieldSchema? schema = null)
    {
        if ((schema ?? FieldSchema.Default).Find(kind.SchemaType) is { } type)
        {
            EnsureDecodes(document, kind.Kind, kind.Version, type);
        }
    }

    /// <summary>Decodes <paramref name="document"/> as <paramref name="type"/>, named <paramref name="kind"/> in messages.</summary>
    /// <exception cref="TypedDecodingException">With the API server's message.</exception>
    public static void EnsureDecodes(JsonObject document, string kind, string version, TypeDefinition type)
    {
        if (FindTypeMetaError(document) is { } typeMetaError)
        {
            // Without a readable apiVersion/kind the API server cannot name the kind it was given.
            throw new TypedDecodingException(
                $"the object provided is unrecognized (must be of type {kind}): {typeMetaError} ({Summary(document)})", typeMetaError);
        }
        if (FindError(document, type) is { } error)
        {
            throw new TypedDecodingException($"{kind} in version \"{version}\" cannot be handled as a {kind}: {error}", error);
        }
        NormalizeNulls(document, type);
    }

    /// <summary>
    /// What decoding into Go types and encoding again makes of nulls, so the store never holds them: a null field is
    /// the zero value and left out, a null in a map or list of strings is <c>""</c>, a null in a list of structs is
    /// <c>{}</c>. Fields the schema does not declare (open status types) are left as they are.
    /// </summary>
    public static void NormalizeNulls(JsonObject obj, TypeDefinition type)
    {
        foreach (var (key, value) in obj.ToList())
        {
            if (type.Field(key) is not { } field)
            {
                continue;
            }
            if (value is null)
            {
                obj.Remove(key);
            }
            else
            {
                NormalizeValue(value, field.Type);
            }
        }
    }

    private static void NormalizeValue(JsonNode value, TypeReference type)
    {
        switch (type.Shape)
        {
            case TypeShape.Struct when value is JsonObject obj:
                NormalizeNulls(obj, type.Definition!);
                break;
            case TypeShape.Map when value is JsonObject map:
                foreach (var (key, item) in map.ToList())
                {
                    if (item is null)
                    {
                        if (ZeroValue(type.Element!) is { } zero)
                        {
                            map[key] = zero;
                        }
                    }
                    else
                    {
                        NormalizeValue(item, type.Element!);
                    }
                }
                break;
            case TypeShape.List when value is JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        NormalizeValue(item, type.Element!);
                    }
                    else if (ZeroValue(type.Element!) is { } zero)
                    {
                        array[i] = zero;
                    }
                }
                break;
        }
    }

    /// <summary>Go's zero value of an element type as JSON, or null where it stays null (free-form values, pointers).</summary>
    private static JsonNode? ZeroValue(TypeReference type) => type.Shape switch
    {
        TypeShape.Struct => new JsonObject(),
        TypeShape.Scalar when type.Name is "string" or "bytes" => JsonValue.Create(""),
        TypeShape.Scalar when type.Name is "int32" or "int64" or "number" => JsonValue.Create(0),
        TypeShape.Scalar when type.Name is "boolean" => JsonValue.Create(false),
        _ => null,
    };

    /// <summary>
    /// The error of the API server's first look at a body, reading only <c>apiVersion</c> and <c>kind</c> into an
    /// anonymous struct (hence the empty struct name in <c>Go struct field .kind</c>); null when both are strings or absent.
    /// </summary>
    public static string? FindTypeMetaError(JsonObject document)
    {
        foreach (var (key, value) in document)
        {
            if (key is "apiVersion" or "kind" && value is not null && value.GetValueKind() != JsonValueKind.String)
            {
                return $"couldn't get version/kind; json parse error: json: cannot unmarshal {JsonKindName(value)} into Go struct field .{key} of type string";
            }
        }
        return null;
    }

    /// <summary>The error Go's decoder reports for <paramref name="document"/> decoded into <paramref name="type"/>, or null.</summary>
    public static string? FindError(JsonObject document, TypeDefinition type)
    {
        var walk = new Walk();
        try
        {
            walk.Struct(document, type, "");
        }
        catch (AbortDecoding abort)
        {
            return abort.Message;
        }
        return walk.Saved;
    }

    private sealed class AbortDecoding(string message) : Exception(message);

    private sealed class Walk
    {
        public string? Saved { get; private set; }

        public void Struct(JsonObject obj, TypeDefinition type, string path)
        {
            foreach (var (key, value) in obj)
            {
                if (type.Field(key) is { } field)
                {
                    Value(value, field.Type, type, path.Length == 0 ? key : $"{path}.{key}");
                }
            }
        }

        private void Value(JsonNode? value, TypeReference type, TypeDefinition owner, string path)
        {
            if (value is null || value.GetValueKind() == JsonValueKind.Null)
            {
                return;
            }
            switch (type.Shape)
            {
                case TypeShape.Any:
                    if (type.GoName is not null && value is not JsonObject)
                    {
                        Save(JsonKindName(value), type, owner, path);
                    }
                    break;
                case TypeShape.Struct:
                    if (value is JsonObject obj)
                    {
                        Struct(obj, type.Definition!, path);
                    }
                    else
                    {
                        Save(JsonKindName(value), type, owner, path);
                    }
                    break;
                case TypeShape.Map:
                    if (value is JsonObject map)
                    {
                        foreach (var (_, item) in map)
                        {
                            Value(item, type.Element!, owner, path);
                        }
                    }
                    else
                    {
                        Save(JsonKindName(value), type, owner, path);
                    }
                    break;
                case TypeShape.List:
                    if (value is JsonArray array)
                    {
                        foreach (var item in array)
                        {
                            Value(item, type.Element!, owner, path);
                        }
                    }
                    else
                    {
                        Save(JsonKindName(value), type, owner, path);
                    }
                    break;
                default:
                    Scalar(value, type, owner, path);
                    break;
            }
        }

        private void Scalar(JsonNode value, TypeReference type, TypeDefinition owner, string path)
        {
            var kind = value.GetValueKind();
            switch (type.Name)
            {
                case "string":
                    if (kind != JsonValueKind.String)
                    {
                        Save(JsonKindName(value), type, owner, path);
                    }
                    break;
                case "boolean":
                    if (kind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        Save(JsonKindName(value), type, owner, path);
                    }
                    break;
                case "int32" or "int64" or "number":
                    if (kind != JsonValueKind.Number)
                    {
                        Save(JsonKindName(value), type, owner, path);
                    }
                    else if (NumberError(value, type.Name) is { } number)
                    {
                        Save(number, type, owner, path);
                    }
                    break;
                case "bytes":
                    if (kind != JsonValueKind.String)
                    {
                        Save(JsonKindName(value), type, owner, path);
                    }
                    else if (GoBase64.FindError(value.GetValue<string>()) is { } offset)
                    {
                        // encoding/json remembers the base64 error as it is, without the field.
                        Saved ??= $"illegal base64 data at input byte {offset.ToString(CultureInfo.InvariantCulture)}";
                    }
                    break;
                case "intorstring":
                    // IntOrString.UnmarshalJSON: a quoted value is the string, anything else is decoded as an int32.
                    if (kind != JsonValueKind.String)
                    {
                        var what = kind == JsonValueKind.Number ? NumberError(value, "int32") : JsonKindName(value);
                        if (what is not null)
                        {
                            throw new AbortDecoding(UnmarshalMessage(what, owner, path, "int32"));
                        }
                    }
                    break;
                case "quantity":
                    // Quantity.UnmarshalJSON parses the unquoted text, whatever JSON type it was.
                    var text = kind == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
                    if (QuantityError(text.Trim()) is { } quantityError)
                    {
                        throw new AbortDecoding(quantityError);
                    }
                    break;
                case "time" or "microtime":
                    // Time.UnmarshalJSON decodes a string, then parses it as RFC 3339 (MicroTime: with microseconds).
                    if (kind != JsonValueKind.String)
                    {
                        throw new AbortDecoding(UnmarshalMessage(JsonKindName(value), owner, path, "string"));
                    }
                    if (GoTime.ParseError(value.GetValue<string>(), type.Name == "microtime") is { } timeError)
                    {
                        throw new AbortDecoding(timeError);
                    }
                    break;
            }
        }

        private void Save(string what, TypeReference type, TypeDefinition owner, string path) =>
            Saved ??= UnmarshalMessage(what, owner, path, type.GoType);
    }

    private static string UnmarshalMessage(string what, TypeDefinition owner, string path, string goType) =>
        $"json: cannot unmarshal {what} into Go struct field {owner.GoName}.{path} of type {goType}";

    /// <summary>
    /// Go's verdict on a JSON number for an integer or float field: integers must be written as integers
    /// (<c>strconv.ParseInt</c>: <c>1.0</c> and <c>1e3</c> are refused) and fit the type; null when accepted, else
    /// <c>number 1.5</c>.
    /// </summary>
    private static string? NumberError(JsonNode value, string scalar)
    {
        var text = GoFormat.NumberText(value);
        var accepted = scalar switch
        {
            "int32" => IsInteger(text) && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            "int64" => IsInteger(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d),
        };
        return accepted ? null : "number " + text;
    }

    private static bool IsInteger(string text)
    {
        var digits = text.StartsWith('-') || text.StartsWith('+') ? text[1..] : text;
        return digits.Length > 0 && digits.All(char.IsAsciiDigit);
    }

    /// <summary>The error of <c>resource.ParseQuantity</c>, or null when the text is a quantity.</summary>
    public static string? QuantityError(string text)
    {
        if (Quantity.TryParse(text, out _))
        {
            return null;
        }
        return System.Text.RegularExpressions.Regex.IsMatch(text, @"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
            ? "unable to parse quantity's suffix"
            : QuantityFormatMessage;
    }

    /// <summary>How Go's decoder names a JSON value's type: <c>string</c>, <c>number</c>, <c>bool</c>, <c>array</c>, <c>object</c>.</summary>
    public static string JsonKindName(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };

    /// <summary>The API server's <c>summarizeData</c>: the body's first 30 bytes, then <c> ...</c>.</summary>
    private static string Summary(JsonObject document)
    {
        var bytes = Encoding.UTF8.GetBytes(document.ToJsonString());
        return bytes.Length > 30 ? Encoding.UTF8.GetString(bytes, 0, 30) + " ..." : Encoding.UTF8.GetString(bytes);
    }
}
