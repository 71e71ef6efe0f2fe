using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cel;

namespace Emulator.Kubernetes.Cel;

/// <summary>
/// How values look to the CEL library: JSON objects as string-keyed maps, arrays as lists, integers as int64 and other
/// numbers as doubles; and the argument conversions the Kubernetes libraries share.
/// </summary>
public static class CelValues
{
    /// <summary>JSON as CEL values: maps, lists, int64 for integers, double for other numbers.</summary>
    public static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => FromJson(p.Value), StringComparer.Ordinal),
        JsonArray array => array.Select(FromJson).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => JsonTree.ToCompactJson(value) is var text
                && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer)
                    ? integer
                    : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
            _ => null,
        },
        _ => null,
    };

    /// <summary>A CEL value as JSON (maps, lists, scalars; the Kubernetes types as their string form).</summary>
    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        int i => JsonValue.Create((long)i),
        ulong u => JsonValue.Create(u),
        double d => JsonValue.Create(d),
        IDictionary<string, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key, ToJson(p.Value)))),
        IDictionary map => new JsonObject(map.Keys.Cast<object>().Select(k => KeyValuePair.Create(Convert.ToString(k, CultureInfo.InvariantCulture) ?? "", ToJson(map[k])))),
        IList list => new JsonArray(list.Cast<object?>().Select(ToJson).ToArray()),
        _ => JsonValue.Create(value.ToString()),
    };

    /// <summary>A CEL integer argument (int64; the library's size() gives int32).</summary>
    public static long Int(object? value) => value switch
    {
        long l => l,
        int i => i,
        ulong u => checked((long)u),
        _ => throw new CelNoSuchOverloadException($"expected an int, got {TypeName(value)}"),
    };

    /// <summary>The CEL type name of a value, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "null_type",
        string => "string",
        bool => "bool",
        long or int => "int",
        ulong => "uint",
        double => "double",
        IDictionary => "map",
        IList => "list",
        _ => value.GetType().Name,
    };

    /// <summary>The elements of a CEL list.</summary>
    public static IReadOnlyList<object?> List(object? value) => value switch
    {
        IList list => list.Cast<object?>().ToList(),
        _ => throw new CelNoSuchOverloadException($"expected a list, got {TypeName(value)}"),
    };

    /// <summary>Orders two CEL values of one comparable type (numbers across int/uint/double, strings, bools).</summary>
    public static int Compare(object? left, object? right) => (left, right) switch
    {
        (string a, string b) => string.CompareOrdinal(a, b),
        (bool a, bool b) => a.CompareTo(b),
        (long or int or ulong, long or int or ulong) when left is not ulong && right is not ulong => Int(left).CompareTo(Int(right)),
        (double or long or int or ulong, double or long or int or ulong) => Convert.ToDouble(left, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(right, CultureInfo.InvariantCulture)),
        (IComparable a, _) when right is not null && a.GetType() == right.GetType() => a.CompareTo(right),
        _ => throw new CelNoSuchOverloadException($"no such overload: {TypeName(left)} compared to {TypeName(right)}"),
    };

    /// <summary>CEL equality for list searches: numbers by value, others by <see cref="object.Equals(object)"/>.</summary>
    public static bool AreEqual(object? left, object? right) => (left, right) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (long or int or ulong or double, long or int or ulong or double) => Compare(left, right) == 0,
        (IList a, IList b) => a.Count == b.Count && Enumerable.Range(0, a.Count).All(i => AreEqual(a[i], b[i])),
        _ => left.Equals(right),
    };
}
