using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes;

/// <summary>
/// Typed reads and writes on a <see cref="JsonObject"/> tree, tolerant of missing parents and
/// of values of the wrong JSON type (which read as absent), because manifests are untyped until validated.
/// </summary>
public static class JsonTree
{
    /// <summary>Returns the node at <paramref name="path"/>, or null when any step is missing or not an object.</summary>
    public static JsonNode? Get(JsonObject? root, params ReadOnlySpan<string> path)
    {
        JsonNode? current = root;
        foreach (var step in path)
        {
            if (current is not JsonObject obj || !obj.TryGetPropertyValue(step, out current))
            {
                return null;
            }
        }
        return current;
    }

    /// <summary>Returns the object at <paramref name="path"/>, or null.</summary>
    public static JsonObject? GetObject(JsonObject? root, params ReadOnlySpan<string> path) => Get(root, path) as JsonObject;

    /// <summary>Returns the array at <paramref name="path"/>, or null.</summary>
    public static JsonArray? GetArray(JsonObject? root, params ReadOnlySpan<string> path) => Get(root, path) as JsonArray;

    /// <summary>Returns the string at <paramref name="path"/>, or null when absent or not a string.</summary>
    public static string? GetString(JsonObject? root, params ReadOnlySpan<string> path) => AsString(Get(root, path));

    /// <summary>Returns the integer at <paramref name="path"/>, or null when absent or not an integral number.</summary>
    public static long? GetInt(JsonObject? root, params ReadOnlySpan<string> path) => AsInt(Get(root, path));

    /// <summary>Returns the boolean at <paramref name="path"/>, or null when absent or not a boolean.</summary>
    public static bool? GetBool(JsonObject? root, params ReadOnlySpan<string> path) => AsBool(Get(root, path));

    /// <summary>The string value of a node, or null when it is not a JSON string.</summary>
    public static string? AsString(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>The integral value of a node, or null when it is not an integral JSON number.</summary>
    public static long? AsInt(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }
        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }
        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }
        // Values built in memory may hold any CLR number type; their JSON text is authoritative.
        var text = v.ToJsonString();
        if (long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out l))
        {
            return l;
        }
        return decimal.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            && decimal.Truncate(d) == d && d >= long.MinValue && d <= long.MaxValue
            ? (long)d
            : null;
    }

    /// <summary>The numeric value of a node as a double, or null when it is not a JSON number.</summary>
    public static double? AsDouble(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
        && double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? d
            : null;

    /// <summary>The boolean value of a node, or null when it is not a JSON boolean.</summary>
    public static bool? AsBool(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>Returns the object at <paramref name="path"/>, creating empty objects along the way (replacing non-objects).</summary>
    public static JsonObject Ensure(JsonObject root, params ReadOnlySpan<string> path)
    {
        var current = root;
        foreach (var step in path)
        {
            if (current[step] is not JsonObject next)
            {
                next = new JsonObject();
                current[step] = next;
            }
            current = next;
        }
        return current;
    }

    /// <summary>Sets <paramref name="key"/> only when it is absent or JSON null, as Kubernetes defaulting does for nil fields.</summary>
    /// <returns>True when the value was set.</returns>
    public static bool SetDefault(JsonObject obj, string key, JsonNode? value)
    {
        if (obj.TryGetPropertyValue(key, out var existing) && existing is not null)
        {
            return false;
        }
        obj[key] = value;
        return true;
    }

    /// <summary>Sets a string default for a key that is absent, null or the empty string (Go's zero value).</summary>
    public static void SetDefaultString(JsonObject obj, string key, string value)
    {
        if (AsString(obj[key]) is { Length: > 0 })
        {
            return;
        }
        if (obj[key] is null || AsString(obj[key]) == string.Empty)
        {
            obj[key] = value;
        }
    }

    /// <summary>The child objects of an array (non-objects skipped).</summary>
    public static IEnumerable<JsonObject> Objects(JsonArray? array) =>
        array is null ? [] : array.OfType<JsonObject>();

    /// <summary>Reads a string-to-string map (non-string values skipped).</summary>
    public static Dictionary<string, string> StringMap(JsonNode? node)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject obj)
        {
            foreach (var (k, v) in obj)
            {
                if (AsString(v) is { } s)
                {
                    map[k] = s;
                }
            }
        }
        return map;
    }

    /// <summary>Builds a JSON object from a string map, keeping the map's order.</summary>
    public static JsonObject ToObject(IEnumerable<KeyValuePair<string, string>> map)
    {
        var obj = new JsonObject();
        foreach (var (k, v) in map)
        {
            obj[k] = v;
        }
        return obj;
    }

    /// <summary>Deep structural equality of two nodes; object key order is ignored, numbers compare by value.</summary>
    public static bool DeepEquals(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        switch (a)
        {
            case JsonObject oa:
                if (b is not JsonObject ob || oa.Count != ob.Count)
                {
                    return false;
                }
                foreach (var (key, value) in oa)
                {
                    if (!ob.TryGetPropertyValue(key, out var other) || !DeepEquals(value, other))
                    {
                        return false;
                    }
                }
                return true;
            case JsonArray aa:
                if (b is not JsonArray ab || aa.Count != ab.Count)
                {
                    return false;
                }
                for (var i = 0; i < aa.Count; i++)
                {
                    if (!DeepEquals(aa[i], ab[i]))
                    {
                        return false;
                    }
                }
                return true;
        }
        var ka = a.GetValueKind();
        var kb = b.GetValueKind();
        if (ka != kb)
        {
            return false;
        }
        return ka switch
        {
            JsonValueKind.Number => AsInt(a) is { } ia && AsInt(b) is { } ib ? ia == ib : AsDouble(a) == AsDouble(b),
            JsonValueKind.String => AsString(a) == AsString(b),
            _ => true,
        };
    }

    /// <summary>Serializes a node compactly (no indentation, non-ASCII kept as is).</summary>
    public static string ToCompactJson(JsonNode? node) =>
        node is null ? "null" : node.ToJsonString(CompactOptions);

    /// <summary>Compact serialization options; non-ASCII text and characters such as + stay readable.</summary>
    public static readonly JsonSerializerOptions CompactOptions = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
