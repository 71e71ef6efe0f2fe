using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Kubernetes.Decoding;

namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>
/// JSON values as structured-merge-diff sees them: numbers are integers or floats (compared numerically with each
/// other), a total order across kinds (float, int, string, bool, list, map, null), equality, and the printed forms
/// conflict paths and FieldsV1 keys use.
/// </summary>
internal static class ValueOrder
{
    private enum Kind
    {
        Float,
        Int,
        String,
        Bool,
        List,
        Map,
        Null,
    }

    private static Kind KindOf(JsonNode? node) => node switch
    {
        null => Kind.Null,
        JsonObject => Kind.Map,
        JsonArray => Kind.List,
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => Kind.String,
            JsonValueKind.True or JsonValueKind.False => Kind.Bool,
            JsonValueKind.Number => IsInteger(node, out _) ? Kind.Int : Kind.Float,
            _ => Kind.Null,
        },
    };

    /// <summary>True for a JSON number written as an integer that fits int64 (Go decodes those to int64).</summary>
    private static bool IsInteger(JsonNode node, out long value) =>
        long.TryParse(GoFormat.NumberText(node), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    private static double AsFloat(JsonNode node) =>
        double.Parse(GoFormat.NumberText(node), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Structured-merge-diff's <c>value.Equals</c>.</summary>
    public static bool Equal(JsonNode? a, JsonNode? b)
    {
        if (a is JsonValue && b is JsonValue && a.GetValueKind() == JsonValueKind.String && b.GetValueKind() == JsonValueKind.String)
        {
            // The common case, without decoding either string.
            return JsonNode.DeepEquals(a, b);
        }
        var ka = KindOf(a);
        var kb = KindOf(b);
        if (ka == Kind.Float || kb == Kind.Float)
        {
            return ka is Kind.Float or Kind.Int && kb is Kind.Float or Kind.Int && AsFloat(a!) == AsFloat(b!);
        }
        if (ka != kb)
        {
            return false;
        }
        switch (ka)
        {
            case Kind.Int:
                IsInteger(a!, out var ia);
                IsInteger(b!, out var ib);
                return ia == ib;
            case Kind.String:
                return a!.GetValue<string>() == b!.GetValue<string>();
            case Kind.Bool:
                return a!.GetValue<bool>() == b!.GetValue<bool>();
            case Kind.List:
                var la = (JsonArray)a!;
                var lb = (JsonArray)b!;
                if (la.Count != lb.Count)
                {
                    return false;
                }
                for (var i = 0; i < la.Count; i++)
                {
                    if (!Equal(la[i], lb[i]))
                    {
                        return false;
                    }
                }
                return true;
            case Kind.Map:
                var ma = (JsonObject)a!;
                var mb = (JsonObject)b!;
                if (ma.Count != mb.Count)
                {
                    return false;
                }
                foreach (var (key, value) in ma)
                {
                    if (!mb.TryGetPropertyValue(key, out var other) || !Equal(value, other))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }

    /// <summary>A hash consistent with <see cref="Equal"/> (numbers hash by their value as a float).</summary>
    public static int Hash(JsonNode? node) => KindOf(node) switch
    {
        Kind.Float or Kind.Int => AsFloat(node!).GetHashCode(),
        Kind.String => node!.GetValue<string>().GetHashCode(StringComparison.Ordinal),
        Kind.Bool => node!.GetValue<bool>() ? 1 : 2,
        Kind.List => ((JsonArray)node!).Aggregate(17, (h, item) => HashCode.Combine(h, Hash(item))),
        Kind.Map => ((JsonObject)node!).Aggregate(19, (h, p) => h ^ HashCode.Combine(p.Key, Hash(p.Value))),
        _ => 0,
    };

    /// <summary>Structured-merge-diff's <c>value.Compare</c>: a total order, even across kinds.</summary>
    public static int Compare(JsonNode? a, JsonNode? b)
    {
        var ka = KindOf(a);
        var kb = KindOf(b);
        if (ka == Kind.Float && kb is Kind.Float or Kind.Int || kb == Kind.Float && ka == Kind.Int)
        {
            return AsFloat(a!).CompareTo(AsFloat(b!));
        }
        if (ka != kb)
        {
            return ka.CompareTo(kb);
        }
        switch (ka)
        {
            case Kind.Int:
                IsInteger(a!, out var ia);
                IsInteger(b!, out var ib);
                return ia.CompareTo(ib);
            case Kind.String:
                return string.CompareOrdinal(a!.GetValue<string>(), b!.GetValue<string>()) switch { < 0 => -1, > 0 => 1, _ => 0 };
            case Kind.Bool:
                return a!.GetValue<bool>().CompareTo(b!.GetValue<bool>());
            case Kind.List:
                var la = (JsonArray)a!;
                var lb = (JsonArray)b!;
                for (var i = 0; ; i++)
                {
                    if (i >= la.Count || i >= lb.Count)
                    {
                        return la.Count.CompareTo(lb.Count);
                    }
                    if (Compare(la[i], lb[i]) is var c and not 0)
                    {
                        return c;
                    }
                }
            case Kind.Map:
                var ma = ((JsonObject)a!).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
                var mb = ((JsonObject)b!).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
                for (var i = 0; ; i++)
                {
                    if (i >= ma.Count || i >= mb.Count)
                    {
                        return ma.Count.CompareTo(mb.Count);
                    }
                    if (string.CompareOrdinal(ma[i].Key, mb[i].Key) is var k and not 0)
                    {
                        return k < 0 ? -1 : 1;
                    }
                    if (Compare(ma[i].Value, mb[i].Value) is var c and not 0)
                    {
                        return c;
                    }
                }
            default:
                return 0;
        }
    }

    /// <summary>Structured-merge-diff's <c>value.ToString</c>, as conflict paths print key values: <c>"nginx"</c>, <c>80</c>.</summary>
    public static string Print(JsonNode? node) => KindOf(node) switch
    {
        Kind.Null => "null",
        Kind.Float => GoFormat.GoFloat(AsFloat(node!)),
        Kind.Int => IsInteger(node!, out var i) ? i.ToString(CultureInfo.InvariantCulture) : "0",
        Kind.String => GoFormat.Quote(node!.GetValue<string>()),
        Kind.Bool => node!.GetValue<bool>() ? "true" : "false",
        Kind.List => "[" + string.Join(",", ((JsonArray)node!).Select(Print)) + "]",
        _ => string.Concat(((JsonObject)node!).Select(p => $"{p.Key}={Print(p.Value)}")),
    };

    /// <summary>The compact JSON of a value as Go writes it (FieldsV1 keys: <c>k:{"name":"nginx"}</c>, <c>v:"x"</c>).</summary>
    public static string Json(JsonNode? node) => GoFormat.SortedJson(node);
}
