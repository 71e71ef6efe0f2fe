using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Emulator.Kubernetes.Serialization;

/// <summary>
/// Resolves YAML scalars to JSON values the way kubectl does (sigs.k8s.io/yaml on go-yaml v2, YAML 1.1
/// rules): plain <c>123</c> is an integer, <c>"123"</c> a string, <c>true</c>/<c>yes</c>/<c>on</c> booleans,
/// <c>~</c>/<c>null</c>/empty null; timestamps stay strings.
/// </summary>
internal static partial class YamlScalarResolver
{
    private static readonly HashSet<string> Trues = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"];
    private static readonly HashSet<string> Falses = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"];
    private static readonly HashSet<string> Nulls = ["", "~", "null", "Null", "NULL"];

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*)$")]
    private static partial Regex IntPattern();

    /// <summary>Resolves a plain (unquoted, untagged) scalar.</summary>
    public static JsonNode? ResolvePlain(string text)
    {
        if (Nulls.Contains(text))
        {
            return null;
        }
        if (Trues.Contains(text))
        {
            return JsonValue.Create(true);
        }
        if (Falses.Contains(text))
        {
            return JsonValue.Create(false);
        }
        if (TryInt(text, out var i))
        {
            return JsonValue.Create(i);
        }
        if (TryFloat(text, out var d))
        {
            return JsonValue.Create(d);
        }
        return JsonValue.Create(text);
    }

    /// <summary>Resolves a scalar carrying an explicit tag such as <c>!!str</c> or <c>!!int</c>.</summary>
    public static JsonNode? ResolveTagged(string tag, string text)
    {
        switch (tag)
        {
            case "tag:yaml.org,2002:str":
            case "tag:yaml.org,2002:binary":
            case "tag:yaml.org,2002:timestamp":
                return JsonValue.Create(text);
            case "tag:yaml.org,2002:null":
                return null;
            case "tag:yaml.org,2002:bool":
                if (Trues.Contains(text))
                {
                    return JsonValue.Create(true);
                }
                if (Falses.Contains(text))
                {
                    return JsonValue.Create(false);
                }
                throw new FormatException($"cannot decode !!str `{text}` as a !!bool");
            case "tag:yaml.org,2002:int":
                return TryInt(text, out var i) ? JsonValue.Create(i) : throw new FormatException($"cannot decode !!str `{text}` as a !!int");
            case "tag:yaml.org,2002:float":
                if (TryInt(text, out var fi))
                {
                    return JsonValue.Create((double)fi);
                }
                return TryFloat(text, out var f) ? JsonValue.Create(f) : throw new FormatException($"cannot decode !!str `{text}` as a !!float");
            default:
                // Unknown local tags are ignored by go-yaml when decoding into interface{}.
                return ResolvePlain(text);
        }
    }

    /// <summary>The JSON object key for a plain mapping key: booleans and nulls print as Go would.</summary>
    public static string ResolveKey(string text, bool plain)
    {
        if (!plain)
        {
            return text;
        }
        return ResolvePlain(text) switch
        {
            null => "null",
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.True => "true",
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.False => "false",
            _ => text,
        };
    }

    private static bool TryInt(string text, out long value)
    {
        value = 0;
        if (!IntPattern().IsMatch(text))
        {
            return false;
        }
        var s = text.Replace("_", "", StringComparison.Ordinal);
        var negative = s.StartsWith('-');
        if (s.StartsWith('-') || s.StartsWith('+'))
        {
            s = s[1..];
        }
        try
        {
            ulong magnitude;
            if (s.StartsWith("0x", StringComparison.Ordinal))
            {
                magnitude = Convert.ToUInt64(s[2..], 16);
            }
            else if (s.StartsWith("0b", StringComparison.Ordinal))
            {
                magnitude = Convert.ToUInt64(s[2..], 2);
            }
            else if (s.StartsWith("0o", StringComparison.Ordinal))
            {
                magnitude = Convert.ToUInt64(s[2..], 8);
            }
            else if (s.Length > 1 && s[0] == '0')
            {
                magnitude = Convert.ToUInt64(s[1..], 8);
            }
            else if (!ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude))
            {
                return false;
            }
            if (magnitude > long.MaxValue)
            {
                return false;
            }
            value = negative ? -(long)magnitude : (long)magnitude;
            return true;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
    }

    private static bool TryFloat(string text, out double value)
    {
        switch (text)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
            case "-.inf" or "-.Inf" or "-.INF":
            case ".nan" or ".NaN" or ".NAN":
                // JSON has no representation for these; keep them as text rather than failing.
                value = 0;
                return false;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && FloatPattern().IsMatch(text);
    }
}
