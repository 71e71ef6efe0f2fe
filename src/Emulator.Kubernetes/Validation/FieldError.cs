using System.Globalization;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// One validation failure, as Kubernetes' <c>field.Error</c>: a type, a field path, the offending value
/// and a detail. <see cref="Message"/> is what goes into <c>details.causes[].message</c>.
/// </summary>
public sealed record FieldError
{
    private FieldError(FieldErrorType type, string field, JsonNode? value, bool hasValue, string detail)
    {
        Type = type;
        Field = field;
        Value = value;
        HasValue = hasValue;
        Detail = detail;
    }

    /// <summary>The error type (cause reason).</summary>
    public FieldErrorType Type { get; }

    /// <summary>The field path, e.g. <c>spec.template.spec.containers[0].image</c>.</summary>
    public string Field { get; }

    /// <summary>The offending value (null JSON when the value itself was null).</summary>
    public JsonNode? Value { get; }

    /// <summary>False when the error type prints no value (Required, Forbidden, TooLong).</summary>
    public bool HasValue { get; }

    /// <summary>Explanation after the value.</summary>
    public string Detail { get; }

    /// <summary>The cause reason string, e.g. <c>FieldValueInvalid</c>.</summary>
    public string Reason => Type.ToString();

    /// <summary><c>field.Invalid</c>.</summary>
    public static FieldError Invalid(string field, JsonNode? value, string detail) =>
        new(FieldErrorType.FieldValueInvalid, field, Copy(value), true, detail);

    /// <summary><c>field.Invalid</c> with a string value.</summary>
    public static FieldError Invalid(string field, string value, string detail) =>
        Invalid(field, JsonValue.Create(value), detail);

    /// <summary><c>field.Invalid</c> with a number value.</summary>
    public static FieldError Invalid(string field, long value, string detail) =>
        Invalid(field, JsonValue.Create(value), detail);

    /// <summary><c>field.Invalid</c> with <c>field.OmitValueType{}</c>: the message prints no value.</summary>
    public static FieldError InvalidWithoutValue(string field, string detail) =>
        new(FieldErrorType.FieldValueInvalid, field, null, false, detail);

    /// <summary><c>field.TypeInvalid</c>: a value of the wrong JSON type (the value printed is the type's name).</summary>
    public static FieldError TypeInvalid(string field, string actualType, string detail) =>
        new(FieldErrorType.FieldValueTypeInvalid, field, JsonValue.Create(actualType), true, detail);

    /// <summary><c>field.Required</c>.</summary>
    public static FieldError Required(string field, string detail = "") =>
        new(FieldErrorType.FieldValueRequired, field, null, false, detail);

    /// <summary><c>field.Forbidden</c>.</summary>
    public static FieldError Forbidden(string field, string detail) =>
        new(FieldErrorType.FieldValueForbidden, field, null, false, detail);

    /// <summary><c>field.Duplicate</c>.</summary>
    public static FieldError Duplicate(string field, JsonNode? value) =>
        new(FieldErrorType.FieldValueDuplicate, field, Copy(value), true, "");

    /// <summary><c>field.NotFound</c>.</summary>
    public static FieldError NotFound(string field, JsonNode? value) =>
        new(FieldErrorType.FieldValueNotFound, field, Copy(value), true, "");

    /// <summary><c>field.TooLong</c>: <c>may not be more than N bytes</c>.</summary>
    public static FieldError TooLong(string field, long maxLength) =>
        new(FieldErrorType.FieldValueTooLong, field, null, false, $"may not be more than {maxLength.ToString(CultureInfo.InvariantCulture)} bytes");

    /// <summary><c>field.TooMany</c>.</summary>
    public static FieldError TooMany(string field, long actual, long max) =>
        new(FieldErrorType.FieldValueTooMany, field, JsonValue.Create(actual), true, $"must have at most {max} items");

    /// <summary><c>field.NotSupported</c>: <c>supported values: "a", "b"</c>.</summary>
    public static FieldError NotSupported(string field, JsonNode? value, IEnumerable<string> supported)
    {
        var list = supported.Select(s => "\"" + s + "\"").ToList();
        return new(FieldErrorType.FieldValueNotSupported, field, Copy(value), true,
            list.Count == 0 ? "" : "supported values: " + string.Join(", ", list));
    }

    /// <summary><c>field.NotSupported</c> with a string value.</summary>
    public static FieldError NotSupported(string field, string value, IEnumerable<string> supported) =>
        NotSupported(field, JsonValue.Create(value), supported);

    /// <summary>The printed type, e.g. <c>Invalid value</c>.</summary>
    public string TypeText => Type switch
    {
        FieldErrorType.FieldValueInvalid or FieldErrorType.FieldValueTypeInvalid => "Invalid value",
        FieldErrorType.FieldValueRequired => "Required value",
        FieldErrorType.FieldValueNotSupported => "Unsupported value",
        FieldErrorType.FieldValueForbidden => "Forbidden",
        FieldErrorType.FieldValueDuplicate => "Duplicate value",
        FieldErrorType.FieldValueTooLong => "Too long",
        FieldErrorType.FieldValueNotFound => "Not found",
        FieldErrorType.FieldValueTooMany => "Too many",
        _ => Type.ToString(),
    };

    /// <summary>
    /// The error body without the field (<c>ErrorBody()</c> in Kubernetes): <c>Invalid value: "x": detail</c>;
    /// strings print quoted, numbers and booleans bare, structured values as JSON.
    /// </summary>
    public string Message
    {
        get
        {
            var text = TypeText;
            if (HasValue)
            {
                text += ": " + FormatValue(Value);
            }
            if (Detail.Length > 0)
            {
                text += ": " + Detail;
            }
            return text;
        }
    }

    /// <summary>The full error: <c>field: body</c>.</summary>
    public override string ToString() => $"{Field}: {Message}";

    private static JsonNode? Copy(JsonNode? value) => value?.DeepClone();

    private static string FormatValue(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => GoQuote(v.GetValue<string>()),
        _ => SortedJson(value),
    };

    // Go's %q: double quotes with backslash escapes.
    private static string GoQuote(string s) => JsonTree.ToCompactJson(JsonValue.Create(s));

    // Structured values print as JSON. Go marshals maps with sorted keys and structs in field order,
    // so string maps (labels, selectors' matchLabels) are sorted and other objects keep their order.
    private static string SortedJson(JsonNode node) => JsonTree.ToCompactJson(Sort(node));

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject obj when obj.All(p => p.Value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String) =>
            new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
        JsonArray arr => new JsonArray(arr.Select(Sort).ToArray()),
        _ => node?.DeepClone(),
    };
}
