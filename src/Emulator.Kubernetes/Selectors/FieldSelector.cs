using System.Text;
using Emulator.Kubernetes.Kinds;

namespace Emulator.Kubernetes.Selectors;

/// <summary>
/// A field selector (<c>?fieldSelector=</c>): comma-joined <c>field=value</c>, <c>field==value</c> and
/// <c>field!=value</c> terms, with <c>\,</c>, <c>\=</c> and <c>\\</c> escapes, parsed as Kubernetes'
/// <c>fields.ParseSelector</c>.
/// </summary>
public sealed class FieldSelector
{
    private FieldSelector(IReadOnlyList<FieldSelectorTerm> terms)
    {
        Terms = terms;
    }

    /// <summary>Selects everything.</summary>
    public static FieldSelector Everything { get; } = new([]);

    /// <summary>The terms, sorted as Kubernetes sorts them.</summary>
    public IReadOnlyList<FieldSelectorTerm> Terms { get; }

    /// <summary>True when there is no term.</summary>
    public bool IsEmpty => Terms.Count == 0;

    /// <summary>Parses the string form.</summary>
    /// <exception cref="SelectorParseException">On a term without an operator or a bad escape.</exception>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Everything;
        }
        var parts = SplitTerms(text);
        parts.Sort(StringComparer.Ordinal);
        var terms = new List<FieldSelectorTerm>();
        foreach (var part in parts)
        {
            if (part.Length == 0)
            {
                continue;
            }
            if (!SplitTerm(part, out var field, out var op, out var rawValue))
            {
                throw new SelectorParseException($"invalid selector: '{text}'; can't understand '{part}'");
            }
            terms.Add(new FieldSelectorTerm(field, UnescapeValue(rawValue), op == "!="));
        }
        return new FieldSelector(terms);
    }

    /// <summary>A selector requiring each field to equal its value.</summary>
    public static FieldSelector FromSet(IEnumerable<KeyValuePair<string, string>> fields) =>
        new(fields.Select(f => new FieldSelectorTerm(f.Key, f.Value, false)).OrderBy(t => t.Field, StringComparer.Ordinal).ToList());

    /// <summary>Throws when a term names a field the kind cannot be selected by.</summary>
    /// <exception cref="SelectorParseException"><c>field label not supported: x</c>.</exception>
    public void EnsureSupported(KindInfo kind)
    {
        foreach (var term in Terms)
        {
            if (!FieldLabels.IsSupported(kind, term.Field))
            {
                throw new SelectorParseException($"field label not supported: {term.Field}");
            }
        }
    }

    /// <summary>True when the object satisfies every term (unknown fields read as absent: empty string).</summary>
    public bool Matches(KubeObject obj)
    {
        foreach (var term in Terms)
        {
            var actual = FieldLabels.ValueOf(obj, term.Field) ?? "";
            if ((actual == term.Value) == term.Negated)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The value a term requires for <paramref name="field"/> with <c>=</c>, if any (lets a store use an index).</summary>
    public string? RequiredValue(string field) =>
        Terms.FirstOrDefault(t => t.Field == field && !t.Negated)?.Value;

    /// <summary>Escapes a value for the string form.</summary>
    public static string EscapeValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => string.Join(",", Terms.Select(t => t.ToString()));

    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>();
        var start = 0;
        var escaped = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (escaped)
            {
                escaped = false;
            }
            else if (text[i] == '\\')
            {
                escaped = true;
            }
            else if (text[i] == ',')
            {
                terms.Add(text[start..i]);
                start = i + 1;
            }
        }
        terms.Add(text[start..]);
        return terms;
    }

    private static bool SplitTerm(string term, out string field, out string op, out string value)
    {
        var escaped = false;
        for (var i = 0; i < term.Length; i++)
        {
            if (escaped)
            {
                escaped = false;
                continue;
            }
            if (term[i] == '\\')
            {
                escaped = true;
                continue;
            }
            foreach (var candidate in new[] { "!=", "==", "=" })
            {
                if (string.CompareOrdinal(term, i, candidate, 0, candidate.Length) == 0)
                {
                    field = term[..i];
                    op = candidate;
                    value = term[(i + candidate.Length)..];
                    return true;
                }
            }
        }
        field = op = value = "";
        return false;
    }

    private static string UnescapeValue(string value)
    {
        if (!value.Contains('\\') && !value.Contains('=') && !value.Contains(','))
        {
            return value;
        }
        var sb = new StringBuilder();
        var escaped = false;
        foreach (var c in value)
        {
            if (escaped)
            {
                if (c is not ('\\' or ',' or '='))
                {
                    throw new SelectorParseException($"invalid field selector: invalid escape sequence: \\{c}");
                }
                sb.Append(c);
                escaped = false;
                continue;
            }
            switch (c)
            {
                case '\\':
                    escaped = true;
                    break;
                case ',' or '=':
                    throw new SelectorParseException($"invalid field selector: unescaped character in value: {c}");
                default:
                    sb.Append(c);
                    break;
            }
        }
        if (escaped)
        {
            throw new SelectorParseException("invalid field selector: invalid escape sequence: \\");
        }
        return sb.ToString();
    }
}
