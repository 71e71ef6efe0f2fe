using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Serialization;

/// <summary>
/// Writes JSON trees as YAML the way kubectl prints them (go-yaml v2 style): two-space indentation,
/// sequences inside mappings not indented, strings that would read back as another type
/// double-quoted (<c>"123"</c>), other strings needing quotes single-quoted, multi-line text as literal blocks.
/// </summary>
public static class YamlWriter
{
    /// <summary>Writes one document (no leading <c>---</c>).</summary>
    /// <param name="node">The document.</param>
    /// <param name="sortKeys">Sort mapping keys (kubectl's own output is sorted); default keeps document order.</param>
    public static string Write(JsonNode? node, bool sortKeys = false)
    {
        var sb = new StringBuilder();
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                WriteMapping(sb, obj, 0, sortKeys);
                break;
            case JsonArray arr when arr.Count > 0:
                WriteSequence(sb, arr, 0, sortKeys);
                break;
            default:
                sb.Append(Scalar(node, 0)).Append('\n');
                break;
        }
        return sb.ToString();
    }

    /// <summary>Writes several documents separated by <c>---</c>.</summary>
    public static string WriteAll(IEnumerable<JsonNode?> documents, bool sortKeys = false) =>
        string.Join("---\n", documents.Select(d => Write(d, sortKeys)));

    private static void WriteMapping(StringBuilder sb, JsonObject obj, int indent, bool sortKeys, bool firstInline = false)
    {
        IEnumerable<KeyValuePair<string, JsonNode?>> entries = obj;
        if (sortKeys)
        {
            entries = obj.OrderBy(e => e.Key, StringComparer.Ordinal);
        }
        var first = true;
        foreach (var (key, value) in entries)
        {
            if (!(first && firstInline))
            {
                sb.Append(' ', indent);
            }
            first = false;
            sb.Append(FormatString(key, indent, isKey: true)).Append(':');
            WriteValueAfterKey(sb, value, indent, sortKeys);
        }
    }

    private static void WriteValueAfterKey(StringBuilder sb, JsonNode? value, int indent, bool sortKeys)
    {
        switch (value)
        {
            case JsonObject child when child.Count > 0:
                sb.Append('\n');
                WriteMapping(sb, child, indent + 2, sortKeys);
                break;
            case JsonArray list when list.Count > 0:
                sb.Append('\n');
                // go-yaml v2 does not indent a sequence nested in a mapping.
                WriteSequence(sb, list, indent, sortKeys);
                break;
            default:
                sb.Append(' ').Append(Scalar(value, indent + 2)).Append('\n');
                break;
        }
    }

    private static void WriteSequence(StringBuilder sb, JsonArray arr, int indent, bool sortKeys, bool firstInline = false)
    {
        var first = true;
        foreach (var item in arr)
        {
            if (!(first && firstInline))
            {
                sb.Append(' ', indent);
            }
            first = false;
            sb.Append("- ");
            switch (item)
            {
                case JsonObject child when child.Count > 0:
                    WriteMapping(sb, child, indent + 2, sortKeys, firstInline: true);
                    break;
                case JsonArray list when list.Count > 0:
                    WriteSequence(sb, list, indent + 2, sortKeys, firstInline: true);
                    break;
                default:
                    sb.Append(Scalar(item, indent + 2)).Append('\n');
                    break;
            }
        }
    }

    private static string Scalar(JsonNode? node, int indent) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => FormatString(v.GetValue<string>(), indent, isKey: false),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Null => "null",
            _ => v.ToJsonString(),
        },
        _ => "null",
    };

    private static string FormatString(string s, int indent, bool isKey)
    {
        if (s.Length == 0)
        {
            return "\"\"";
        }
        if (HasControlCharacters(s))
        {
            return DoubleQuoted(s);
        }
        if (s.Contains('\n'))
        {
            return isKey || !CanBeLiteral(s) ? DoubleQuoted(s) : Literal(s, indent);
        }
        if (YamlScalarResolver.ResolvePlain(s) is not JsonValue resolved || resolved.GetValueKind() != JsonValueKind.String
            || LooksLikeOtherType(s))
        {
            return DoubleQuoted(s);
        }
        return NeedsQuotes(s) ? "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'" : s;
    }

    // Timestamps and sexagesimal-looking values are quoted by go-yaml so they read back as strings.
    private static bool LooksLikeOtherType(string s) =>
        s.Length >= 10 && char.IsAsciiDigit(s[0]) && s[4] == '-' && s[7] == '-' && DateTime.TryParse(s[..10], System.Globalization.CultureInfo.InvariantCulture, out _);

    private static bool NeedsQuotes(string s)
    {
        var first = s[0];
        if ("-?:,[]{}#&*!|>'\"%@`".Contains(first))
        {
            // "-x" and ":x"/"?x" are plain when followed by a non-space character (go-yaml prints `- -c`).
            if (!((first == '-' || first == '?' || first == ':') && s.Length > 1 && s[1] != ' '))
            {
                return true;
            }
        }
        if (char.IsWhiteSpace(first) || char.IsWhiteSpace(s[^1]))
        {
            return true;
        }
        if (s.Contains(": ", StringComparison.Ordinal) || s.Contains(" #", StringComparison.Ordinal) || s.EndsWith(':') || s.Contains('\t'))
        {
            return true;
        }
        return s is "-" or "---" or "..." || s.StartsWith("--- ", StringComparison.Ordinal);
    }

    private static bool HasControlCharacters(string s)
    {
        foreach (var c in s)
        {
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || c == '\uFEFF')
            {
                return true;
            }
        }
        return false;
    }

    private static bool CanBeLiteral(string s)
    {
        if (s[0] == ' ' || s[0] == '\t')
        {
            return false;
        }
        foreach (var line in s.Split('\n'))
        {
            if (line.Length > 0 && (line[^1] == ' ' || line[^1] == '\t'))
            {
                return false;
            }
        }
        return true;
    }

    private static string Literal(string s, int indent)
    {
        var chomp = s.EndsWith("\n\n", StringComparison.Ordinal) ? "+" : s.EndsWith('\n') ? "" : "-";
        var body = s.EndsWith('\n') ? s[..^1] : s;
        var pad = new string(' ', indent);
        var sb = new StringBuilder("|").Append(chomp);
        foreach (var line in body.Split('\n'))
        {
            sb.Append('\n');
            if (line.Length > 0)
            {
                sb.Append(pad).Append(line);
            }
        }
        return sb.ToString();
    }

    private static string DoubleQuoted(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                case '\0': sb.Append("\\0"); break;
                default:
                    if (c < 0x20 || c == 0x7f || c == '\uFEFF')
                    {
                        sb.Append("\\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
