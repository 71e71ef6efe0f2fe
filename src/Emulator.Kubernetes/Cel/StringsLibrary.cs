using System.Collections;
using System.Globalization;
using System.Text;
using Cel;

namespace Emulator.Kubernetes.Cel;

/// <summary>
/// cel-go's strings extension as the API server enables it: charAt, indexOf, lastIndexOf, lowerAscii, upperAscii,
/// replace, split, substring, trim, join, format and strings.quote. Indices count code points, as in Go.
/// </summary>
public static class StringsLibrary
{
    /// <summary>Registers the library.</summary>
    public static void Register(CelRegistry registry)
    {
        registry.Add<string, long>("charAt", (s, i) =>
        {
            var runes = Runes(s);
            return i < 0 || i > runes.Length ? throw new CelArgumentRangeException($"index out of range: {i}") : i == runes.Length ? "" : runes[i].ToString();
        });
        registry.Add<string, string>("indexOf", (s, sub) => IndexOf(s, sub, 0));
        registry.Add<string, string, long>("indexOf", (s, sub, from) => IndexOf(s, sub, from));
        registry.Add<string, string>("lastIndexOf", (s, sub) => LastIndexOf(s, sub, Runes(s).Length));
        registry.Add<string, string, long>("lastIndexOf", (s, sub, from) => LastIndexOf(s, sub, from));
        registry.Add<string>("lowerAscii", s => new string(s.Select(c => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c).ToArray()));
        registry.Add<string>("upperAscii", s => new string(s.Select(c => c is >= 'a' and <= 'z' ? (char)(c - 32) : c).ToArray()));
        registry.Add<string, string, string>("replace", (s, old, replacement) => Replace(s, old, replacement, -1));
        registry.Add("replace", [typeof(string), typeof(string), typeof(string), typeof(long)], a => Replace((string)a[0]!, (string)a[1]!, (string)a[2]!, (long)a[3]!));
        registry.Add<string, string>("split", (s, separator) => Split(s, separator, -1));
        registry.Add<string, string, long>("split", (s, separator, n) => Split(s, separator, n));
        registry.Add<string, long>("substring", (s, start) => Substring(s, start, Runes(s).Length));
        registry.Add<string, long, long>("substring", Substring);
        // Go's strings.TrimSpace: Unicode white space on both ends.
        registry.Add<string>("trim", s => s.Trim());
        registry.Add<IList>("join", list => string.Join("", Strings(list)));
        registry.Add<IList, string>("join", (list, separator) => string.Join(separator, Strings(list)));
        registry.Add<string, IList>("format", (template, args) => Format(template, args));
        registry.Add<StringsNamespace, string>("quote", (_, s) => Quote(s));
    }

    /// <summary>The <c>strings</c> namespace of <c>strings.quote()</c>.</summary>
    public sealed class StringsNamespace
    {
        /// <summary>The single instance.</summary>
        public static StringsNamespace Instance { get; } = new();
    }

    private static Rune[] Runes(string s) => s.EnumerateRunes().ToArray();

    private static string Join(IEnumerable<Rune> runes) => string.Concat(runes.Select(r => r.ToString()));

    private static IEnumerable<string> Strings(IList list) =>
        list.Cast<object?>().Select(item => item as string ?? throw new CelNoSuchOverloadException($"join: list element is {CelValues.TypeName(item)}, not string"));

    private static long IndexOf(string s, string sub, long from)
    {
        var runes = Runes(s);
        var target = Runes(sub);
        if (from < 0 || from > runes.Length)
        {
            throw new CelArgumentRangeException($"index out of range: {from}");
        }
        for (var i = (int)from; i + target.Length <= runes.Length; i++)
        {
            if (runes.AsSpan(i, target.Length).SequenceEqual(target))
            {
                return i;
            }
        }
        return -1;
    }

    private static long LastIndexOf(string s, string sub, long from)
    {
        var runes = Runes(s);
        var target = Runes(sub);
        if (from < 0 || from > runes.Length)
        {
            throw new CelArgumentRangeException($"index out of range: {from}");
        }
        for (var i = (int)Math.Min(from, runes.Length - target.Length); i >= 0; i--)
        {
            if (runes.AsSpan(i, target.Length).SequenceEqual(target))
            {
                return i;
            }
        }
        return -1;
    }

    private static string Replace(string s, string old, string replacement, long n)
    {
        if (n == 0)
        {
            return s;
        }
        if (n < 0)
        {
            return old.Length == 0 ? InsertEverywhere(s, replacement) : s.Replace(old, replacement, StringComparison.Ordinal);
        }
        var builder = new StringBuilder();
        var position = 0;
        for (var count = 0; count < n; count++)
        {
            var found = s.IndexOf(old, position, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }
            builder.Append(s, position, found - position).Append(replacement);
            position = found + old.Length;
        }
        return builder.Append(s, position, s.Length - position).ToString();
    }

    private static string InsertEverywhere(string s, string insert) =>
        insert + string.Concat(Runes(s).Select(r => r + insert));

    private static List<object?> Split(string s, string separator, long n)
    {
        if (n == 0)
        {
            return [];
        }
        if (separator.Length == 0)
        {
            var runes = Runes(s).Select(r => (object?)r.ToString()).ToList();
            if (n > 0 && runes.Count > n)
            {
                var head = runes.Take((int)n - 1).ToList();
                head.Add(Join(Runes(s).Skip((int)n - 1)));
                return head;
            }
            return runes;
        }
        var parts = n < 0 ? s.Split(separator) : s.Split(separator, (int)Math.Min(n, int.MaxValue));
        return parts.Select(p => (object?)p).ToList();
    }

    private static string Substring(string s, long start, long end)
    {
        var runes = Runes(s);
        if (start < 0 || start > runes.Length)
        {
            throw new CelArgumentRangeException($"index out of range: {start}");
        }
        if (end < 0 || end > runes.Length)
        {
            throw new CelArgumentRangeException($"index out of range: {end}");
        }
        if (start > end)
        {
            throw new CelArgumentRangeException($"invalid substring range. start: {start}, end: {end}");
        }
        return Join(runes.Skip((int)start).Take((int)(end - start)));
    }

    private static string Quote(string s)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in s)
        {
            builder.Append(c switch
            {
                '\a' => "\\a",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\v' => "\\v",
                '\\' => "\\\\",
                '"' => "\\\"",
                _ => c.ToString(),
            });
        }
        return builder.Append('"').ToString();
    }

    /// <summary>
    /// <c>"%s is %d".format([a, b])</c>: the clauses cel-go's format accepts (%s, %d, %f with precision, %e, %x, %X,
    /// %o, %b, %%).
    /// </summary>
    private static string Format(string template, IList args)
    {
        var builder = new StringBuilder();
        var next = 0;
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != '%')
            {
                builder.Append(template[i]);
                continue;
            }
            if (++i >= template.Length)
            {
                throw new CelStringParsingException("could not parse formatting clause: unexpected end of string");
            }
            if (template[i] == '%')
            {
                builder.Append('%');
                continue;
            }
            int? precision = null;
            if (template[i] == '.')
            {
                var start = ++i;
                while (i < template.Length && char.IsAsciiDigit(template[i]))
                {
                    i++;
                }
                precision = int.Parse(template[start..i], CultureInfo.InvariantCulture);
                if (i >= template.Length)
                {
                    throw new CelStringParsingException("could not parse formatting clause: unexpected end of string");
                }
            }
            if (next >= args.Count)
            {
                throw new CelArgumentRangeException($"index {next} out of range");
            }
            var arg = args[next++];
            builder.Append(template[i] switch
            {
                's' => FormatString(arg),
                'd' => arg is double d ? FormatDouble(d, "F0") : CelValues.Int(arg).ToString(CultureInfo.InvariantCulture),
                'f' => FormatDouble(Convert.ToDouble(arg, CultureInfo.InvariantCulture), "F" + (precision ?? 6)),
                'e' => Convert.ToDouble(arg, CultureInfo.InvariantCulture).ToString("0." + new string('0', precision ?? 6) + "e+00", CultureInfo.InvariantCulture),
                'x' => arg is string xs ? Convert.ToHexString(Encoding.UTF8.GetBytes(xs)).ToLowerInvariant() : CelValues.Int(arg).ToString("x", CultureInfo.InvariantCulture),
                'X' => arg is string Xs ? Convert.ToHexString(Encoding.UTF8.GetBytes(Xs)) : CelValues.Int(arg).ToString("X", CultureInfo.InvariantCulture),
                'o' => Convert.ToString(CelValues.Int(arg), 8),
                'b' => arg is bool flag ? (flag ? "true" : "false") : Convert.ToString(CelValues.Int(arg), 2),
                var other => throw new CelStringParsingException($"could not parse formatting clause: unrecognized formatting clause \"{other}\""),
            });
        }
        return builder.ToString();
    }

    private static string FormatDouble(double value, string format) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "Infinity" : double.IsNegativeInfinity(value) ? "-Infinity"
            : value.ToString(format, CultureInfo.InvariantCulture);

    private static string FormatString(object? value) => value switch
    {
        null => "null",
        string s => s,
        bool b => b ? "true" : "false",
        double d => FormatDouble(d, "R"),
        IList list => "[" + string.Join(", ", list.Cast<object?>().Select(FormatString)) + "]",
        IDictionary map => "{" + string.Join(", ", map.Keys.Cast<object>().OrderBy(k => k.ToString(), StringComparer.Ordinal).Select(k => $"{FormatString(k)}: {FormatString(map[k])}")) + "}",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
