using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Decoding;

/// <summary>Go's ways of printing values that appear in the API server's decoding messages.</summary>
public static class GoFormat
{
    /// <summary>
    /// The text of a JSON number as the API server saw it: the literal of a parsed body; for a number built from a
    /// YAML scalar, what <c>sigs.k8s.io/yaml</c> writes when it turns YAML into JSON (<c>1.5e+308</c>, <c>3</c> for 3.0).
    /// </summary>
    public static string NumberText(JsonNode value)
    {
        if (value is JsonValue v)
        {
            if (v.TryGetValue<JsonElement>(out var element))
            {
                return element.GetRawText();
            }
            if (v.TryGetValue<double>(out var d))
            {
                return JsonFloat(d);
            }
            if (v.TryGetValue<float>(out var f))
            {
                return JsonFloat(f);
            }
        }
        return value.ToJsonString();
    }

    /// <summary>Go's <c>encoding/json</c> float64: <c>%f</c> style, <c>%e</c> below 1e-6 and from 1e21 (<c>1e-7</c>, <c>1.5e+308</c>).</summary>
    public static string JsonFloat(double value)
    {
        var abs = Math.Abs(value);
        return abs != 0 && (abs < 1e-6 || abs >= 1e21) ? Exponent(value, trimExponentZero: true) : Fixed(value);
    }

    /// <summary>Go's <c>%v</c> of a float64 (<c>strconv 'g', -1</c>): <c>%e</c> when the exponent is below -4 or at least 6.</summary>
    public static string GoFloat(double value)
    {
        if (value == 0)
        {
            return "0";
        }
        var exp = Shortest(value).Point - 1;
        return exp < -4 || exp >= 6 ? Exponent(value, trimExponentZero: false) : Fixed(value);
    }

    /// <summary>Go's <c>strconv.Quote</c> (what <c>%q</c> prints).</summary>
    public static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\a': builder.Append("\\a"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\v': builder.Append("\\v"); break;
                default:
                    if (rune.Value < 0x20 || rune.Value == 0x7f)
                    {
                        builder.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
                    }
                    else if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                    {
                        builder.Append(rune.Value > 0xFFFF ? $"\\U{rune.Value:x8}" : $"\\u{rune.Value:x4}");
                    }
                    else
                    {
                        builder.Append(rune.ToString());
                    }
                    break;
            }
        }
        return builder.Append('"').ToString();
    }

    /// <summary>
    /// Go's <c>json.Marshal</c> of a decoded document: object keys sorted, <c>&lt;</c>, <c>&gt;</c> and <c>&amp;</c>
    /// escaped, other characters as they are.
    /// </summary>
    public static string SortedJson(JsonNode? node)
    {
        var builder = new StringBuilder();
        WriteSorted(node, builder);
        return builder.ToString();
    }

    /// <summary>
    /// Go's <c>%+v</c> of a decoded JSON value (<c>map[string]interface{}</c>): <c>map[spec:map[replicas:abc]]</c>,
    /// keys sorted, lists as <c>[a b]</c>, null as <c>&lt;nil&gt;</c>, integral numbers as integers.
    /// </summary>
    public static string GoValue(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return "<nil>";
            case JsonObject obj:
                return "map[" + string.Join(" ", obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{GoValue(p.Value)}")) + "]";
            case JsonArray array:
                return "[" + string.Join(" ", array.Select(GoValue)) + "]";
        }
        return node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Null => "<nil>",
            _ => long.TryParse(NumberText(node), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
                ? integer.ToString(CultureInfo.InvariantCulture)
                : GoFloat(double.Parse(NumberText(node), NumberStyles.Float, CultureInfo.InvariantCulture)),
        };
    }

    private static void WriteSorted(JsonNode? node, StringBuilder builder)
    {
        switch (node)
        {
            case null:
                builder.Append("null");
                return;
            case JsonObject obj:
                builder.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    builder.Append(first ? "" : ",").Append(JsonString(key)).Append(':');
                    WriteSorted(value, builder);
                    first = false;
                }
                builder.Append('}');
                return;
            case JsonArray array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    builder.Append(i == 0 ? "" : ",");
                    WriteSorted(array[i], builder);
                }
                builder.Append(']');
                return;
        }
        builder.Append(node.GetValueKind() switch
        {
            JsonValueKind.String => JsonString(node.GetValue<string>()),
            JsonValueKind.Number => NumberText(node),
            _ => node.ToJsonString(),
        });
    }

    private static readonly JsonSerializerOptions RelaxedStrings = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string JsonString(string text) =>
        JsonSerializer.Serialize(text, RelaxedStrings).Replace("<", "\\u003c", StringComparison.Ordinal)
            .Replace(">", "\\u003e", StringComparison.Ordinal).Replace("&", "\\u0026", StringComparison.Ordinal);

    /// <summary>The shortest round-trip digits of a finite non-zero value and its decimal point position (0.d1d2... × 10^point).</summary>
    private static (string Digits, int Point) Shortest(double value)
    {
        var r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        // "R" gives the shortest round-trip form; normalise it to digits and exponent.
        var mantissa = r;
        var exponent = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            mantissa = r[..e];
            exponent = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        var dot = mantissa.IndexOf('.');
        var intPart = dot < 0 ? mantissa : mantissa[..dot];
        var fracPart = dot < 0 ? "" : mantissa[(dot + 1)..];
        var digits = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - digits.Length;
        var point = intPart.Length - leadingZeros + exponent;
        digits = digits.TrimEnd('0');
        return (digits.Length == 0 ? "0" : digits, point);
    }

    private static string Fixed(double value)
    {
        var (digits, point) = Shortest(value);
        var sign = value < 0 ? "-" : "";
        if (point <= 0)
        {
            return sign + "0." + new string('0', -point) + digits;
        }
        if (point >= digits.Length)
        {
            return sign + digits + new string('0', point - digits.Length);
        }
        return sign + digits[..point] + "." + digits[point..];
    }

    private static string Exponent(double value, bool trimExponentZero)
    {
        var (digits, point) = Shortest(value);
        var sign = value < 0 ? "-" : "";
        var exp = point - 1;
        var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        var expText = Math.Abs(exp).ToString(CultureInfo.InvariantCulture);
        if (expText.Length < 2 && !trimExponentZero)
        {
            expText = "0" + expText;
        }
        return $"{sign}{mantissa}e{(exp < 0 ? "-" : "+")}{expText}";
    }
}
