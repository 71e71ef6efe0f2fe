using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.CustomResources;

public sealed partial class StructuralSchema
{
    /// <summary>
    /// Validates <paramref name="value"/> (found at <paramref name="path"/>) as the API server's OpenAPI schema
    /// validator does for custom objects, adding errors with its wording (<c>spec.replicas in body must be of type
    /// integer: "string"</c>), then the CEL rules. <paramref name="old"/> is the previous value for transition rules.
    /// </summary>
    public void Validate(JsonNode? value, JsonNode? old, bool hasOld, string path, List<FieldError> errors)
    {
        var before = errors.Count;
        ValidateValue(value, path, errors);
        // CEL rules see only values the schema accepts, as in Kubernetes.
        if (errors.Count == before)
        {
            CheckRules(value, old, hasOld, path, errors);
        }
    }

    private void ValidateValue(JsonNode? value, string path, List<FieldError> errors)
    {
        var name = path.Length == 0 ? "body" : path;
        var actual = JsonType(value);
        if (value is null)
        {
            if (!Nullable && (Type is not null || IntOrString))
            {
                errors.Add(TypeInvalid(path, name, "null", Type ?? "string"));
            }
            return;
        }
        if (IntOrString)
        {
            if (actual is not ("integer" or "string"))
            {
                errors.Add(TypeInvalid(path, name, actual, "integer,string"));
                return;
            }
        }
        else if (Type is { Length: > 0 } expected && !(expected == actual || (expected == "number" && actual == "integer")))
        {
            errors.Add(TypeInvalid(path, name, actual, expected));
            return;
        }
        if (Enum.Count > 0 && !Enum.Any(e => JsonTree.DeepEquals(e, value)))
        {
            errors.Add(FieldError.NotSupported(path, value, Enum.Select(e => e is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : JsonTree.ToCompactJson(e))));
        }
        switch (value)
        {
            case JsonValue scalar when actual == "string":
                ValidateString(scalar.GetValue<string>(), value, path, name, errors);
                break;
            case JsonValue scalar when actual is "integer" or "number":
                ValidateNumber(scalar, path, name, errors);
                break;
            case JsonArray array:
                ValidateArray(array, path, name, errors);
                break;
            case JsonObject obj:
                ValidateObject(obj, path, name, errors);
                break;
        }
        foreach (var sub in AllOf)
        {
            sub.ValidateValue(value, path, errors);
        }
        if (AnyOf.Count > 0 && !AnyOf.Any(s => s.Accepts(value, path)))
        {
            errors.Add(FieldError.Invalid(path, value, $"{name} in body must validate at least one schema (anyOf)"));
        }
        if (OneOf.Count > 0 && OneOf.Count(s => s.Accepts(value, path)) != 1)
        {
            errors.Add(FieldError.Invalid(path, value, $"{name} in body must validate one and only one schema (oneOf)"));
        }
        if (Not is not null && Not.Accepts(value, path))
        {
            errors.Add(FieldError.Invalid(path, value, $"{name} in body must not validate the schema (not)"));
        }
    }

    private bool Accepts(JsonNode? value, string path)
    {
        var errors = new List<FieldError>();
        ValidateValue(value, path, errors);
        return errors.Count == 0;
    }

    private void ValidateString(string text, JsonNode value, string path, string name, List<FieldError> errors)
    {
        var length = new StringInfo(text).LengthInTextElements;
        if (MaxLength is { } max && length > max)
        {
            errors.Add(FieldError.TooLong(path, max));
        }
        if (MinLength is { } min && length < min)
        {
            errors.Add(FieldError.Invalid(path, value, $"{name} in body should be at least {min} chars long"));
        }
        if (PatternRegex is { } regex && !Matches(regex, text))
        {
            errors.Add(FieldError.Invalid(path, value, $"{name} in body should match '{Pattern}'"));
        }
        if (Format is { } format && !FormatAccepts(format, text))
        {
            errors.Add(FieldError.Invalid(path, value, $"{name} in body must be of type {format}: {JsonTree.ToCompactJson(value)}"));
        }
    }

    private static bool Matches(System.Text.RegularExpressions.Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private void ValidateNumber(JsonValue scalar, string path, string name, List<FieldError> errors)
    {
        var text = JsonTree.ToCompactJson(scalar);
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return;
        }
        if (Maximum is { } max && (ExclusiveMaximum ? number >= max : number > max))
        {
            errors.Add(FieldError.Invalid(path, scalar, $"{name} in body should be less than {(ExclusiveMaximum ? "" : "or equal to ")}{GoNumber(max)}"));
        }
        if (Minimum is { } min && (ExclusiveMinimum ? number <= min : number < min))
        {
            errors.Add(FieldError.Invalid(path, scalar, $"{name} in body should be greater than {(ExclusiveMinimum ? "" : "or equal to ")}{GoNumber(min)}"));
        }
        if (MultipleOf is { } factor && factor != 0 && number % factor != 0)
        {
            errors.Add(FieldError.Invalid(path, scalar, $"{name} in body should be a multiple of {GoNumber(factor)}"));
        }
    }

    private void ValidateArray(JsonArray array, string path, string name, List<FieldError> errors)
    {
        if (MaxItems is { } max && array.Count > max)
        {
            errors.Add(FieldError.TooMany(path, array.Count, max));
        }
        if (MinItems is { } min && array.Count < min)
        {
            errors.Add(FieldError.Invalid(path, array, $"{name} in body should have at least {min} items"));
        }
        if ((UniqueItems || ListType == "set") && HasDuplicates(array))
        {
            if (ListType == "set")
            {
                for (var i = 0; i < array.Count; i++)
                {
                    if (array.Take(i).Any(e => JsonTree.DeepEquals(e, array[i])))
                    {
                        errors.Add(FieldError.Duplicate($"{path}[{i}]", array[i]));
                    }
                }
            }
            else
            {
                errors.Add(FieldError.Invalid(path, array, $"{name} in body shouldn't contain duplicates"));
            }
        }
        if (ListType == "map" && ListMapKeys.Count > 0)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is JsonObject item && !seen.Add(string.Join("\u0000", ListMapKeys.Select(k => JsonTree.ToCompactJson(item[k])))))
                {
                    errors.Add(FieldError.Duplicate($"{path}[{i}]", new JsonObject(ListMapKeys.Where(k => item[k] is not null).Select(k => KeyValuePair.Create(k, (JsonNode?)item[k]!.DeepClone())))));
                }
            }
        }
        if (Items is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                items.ValidateValue(array[i], $"{path}[{i}]", errors);
            }
        }
    }

    private static bool HasDuplicates(JsonArray array)
    {
        for (var i = 0; i < array.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (JsonTree.DeepEquals(array[i], array[j]))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private void ValidateObject(JsonObject obj, string path, string name, List<FieldError> errors)
    {
        foreach (var required in Required)
        {
            if (!obj.ContainsKey(required))
            {
                errors.Add(FieldError.Required(Child(path, required)));
            }
        }
        if (MaxProperties is { } max && obj.Count > max)
        {
            errors.Add(FieldError.TooMany(path, obj.Count, max));
        }
        if (MinProperties is { } min && obj.Count < min)
        {
            errors.Add(FieldError.Invalid(path, obj, $"{name} in body should have at least {min} properties"));
        }
        if (EmbeddedResource)
        {
            ValidateEmbeddedResource(obj, path, errors);
        }
        foreach (var (key, child) in obj)
        {
            if (Properties.TryGetValue(key, out var property))
            {
                property.ValidateValue(child, Child(path, key), errors);
            }
            else if (AdditionalProperties is { } additional)
            {
                additional.ValidateValue(child, Child(path, key), errors);
            }
        }
    }

    private static void ValidateEmbeddedResource(JsonObject obj, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(JsonTree.AsString(obj["apiVersion"])))
        {
            errors.Add(FieldError.Required(Child(path, "apiVersion"), "must not be empty"));
        }
        if (string.IsNullOrEmpty(JsonTree.AsString(obj["kind"])))
        {
            errors.Add(FieldError.Required(Child(path, "kind"), "must not be empty"));
        }
    }

    private void CheckRules(JsonNode? value, JsonNode? old, bool hasOld, string path, List<FieldError> errors)
    {
        if (value is null)
        {
            return;
        }
        foreach (var rule in Rules)
        {
            if (rule.IsTransitionRule && !hasOld)
            {
                continue;
            }
            if (rule.Check(value, old) is { } message)
            {
                var field = rule.FieldPath is { Length: > 0 } relative ? path + (path.Length == 0 ? relative.TrimStart('.') : relative) : path;
                errors.Add(rule.Reason switch
                {
                    "FieldValueForbidden" => FieldError.Forbidden(field, message),
                    "FieldValueRequired" => FieldError.Required(field, message),
                    "FieldValueDuplicate" => FieldError.Duplicate(field, JsonValue.Create(Type ?? JsonType(value))),
                    _ => FieldError.Invalid(field, Type ?? JsonType(value), message),
                });
            }
        }
        switch (value)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    var schema = Properties.TryGetValue(key, out var property) ? property : AdditionalProperties;
                    var hasOldChild = hasOld && old is JsonObject oldObj && oldObj.ContainsKey(key);
                    schema?.CheckRules(child, hasOldChild ? old![key] : null, hasOldChild, Child(path, key), errors);
                }
                break;
            case JsonArray array when Items is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    // Transition rules on list items apply to map lists, matched by key (and to nothing else).
                    var oldItem = hasOld && ListType == "map" ? MatchingItem(old as JsonArray, array[i]) : null;
                    items.CheckRules(array[i], oldItem, oldItem is not null, $"{path}[{i}]", errors);
                }
                break;
        }
    }

    private JsonNode? MatchingItem(JsonArray? old, JsonNode? item) =>
        old?.FirstOrDefault(o => o is JsonObject oldItem && item is JsonObject newItem
            && ListMapKeys.All(k => JsonTree.DeepEquals(oldItem[k], newItem[k])));

    private static FieldError TypeInvalid(string path, string name, string actual, string expected) =>
        FieldError.TypeInvalid(path, actual, $"{name} in body must be of type {expected}: \"{actual}\"");

    /// <summary>The JSON type name of a value, as the schema names types.</summary>
    private static string JsonType(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => IsInteger(JsonTree.ToCompactJson(v)) ? "integer" : "number",
            _ => "null",
        },
        _ => "null",
    };

    private static bool IsInteger(string number) => !number.Contains('.', StringComparison.Ordinal) && !number.Contains('e', StringComparison.OrdinalIgnoreCase);

    private static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string GoNumber(decimal value) => value == decimal.Truncate(value)
        ? decimal.Truncate(value).ToString(CultureInfo.InvariantCulture)
        : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The string formats checked (the others, as in Kubernetes' format registry subset, are accepted as written).</summary>
    private static bool FormatAccepts(string format, string text) => format switch
    {
        "date-time" or "datetime" => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _) && text.Contains('T', StringComparison.OrdinalIgnoreCase),
        "date" => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "uuid" => Guid.TryParseExact(text, "D", out _),
        "ipv4" => IPAddress.TryParse(text, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && text.Count(c => c == '.') == 3,
        "ipv6" => IPAddress.TryParse(text, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
        "cidr" => IPNetwork.TryParse(text, out _),
        "byte" => IsBase64(text),
        "hostname" => NameSyntax.IsDns1123Subdomain(text).Count == 0,
        _ => true,
    };

    private static bool IsBase64(string text)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out _);
    }
}
