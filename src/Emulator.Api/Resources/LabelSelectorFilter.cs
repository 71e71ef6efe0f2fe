using Emulator.ControlPlane.Store;

namespace Emulator.Api.Resources;

/// <summary>Label selectors in their query-string form: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c>, <c>!a</c>.</summary>
public static class LabelSelectorFilter
{
    /// <summary>Builds a filter, or null for an empty selector; throws <see cref="ApiStatusException"/> (400) on bad syntax.</summary>
    public static Func<StoredObject, bool>? Parse(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return null;
        }
        var requirements = new List<Func<IReadOnlyDictionary<string, string>, bool>>();
        foreach (var term in SplitTerms(selector))
        {
            requirements.Add(ParseTerm(term));
        }
        return obj => requirements.All(r => r(obj.Labels));
    }

    private static IEnumerable<string> SplitTerms(string selector)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < selector.Length; i++)
        {
            switch (selector[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return selector[start..i].Trim();
                    start = i + 1;
                    break;
            }
        }
        yield return selector[start..].Trim();
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseTerm(string term)
    {
        if (term.Length == 0)
        {
            throw Bad(term);
        }
        foreach (var (op, negate) in new[] { (" notin ", true), (" in ", false) })
        {
            var index = term.IndexOf(op, StringComparison.Ordinal);
            if (index > 0)
            {
                var key = term[..index].Trim();
                var set = term[(index + op.Length)..].Trim();
                if (!set.StartsWith('(') || !set.EndsWith(')'))
                {
                    throw Bad(term);
                }
                var values = set[1..^1].Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                return negate
                    ? labels => !labels.TryGetValue(key, out var v) || !values.Contains(v)
                    : labels => labels.TryGetValue(key, out var v) && values.Contains(v);
            }
        }
        var notEqual = term.IndexOf("!=", StringComparison.Ordinal);
        if (notEqual > 0)
        {
            var key = term[..notEqual].Trim();
            var value = term[(notEqual + 2)..].Trim();
            return labels => !labels.TryGetValue(key, out var v) || v != value;
        }
        var equal = term.IndexOf('=');
        if (equal > 0)
        {
            var key = term[..equal].Trim();
            var value = term[(equal + 1)..].TrimStart('=').Trim();
            return labels => labels.TryGetValue(key, out var v) && v == value;
        }
        if (term.StartsWith('!'))
        {
            var key = term[1..].Trim();
            return labels => !labels.ContainsKey(key);
        }
        if (term.Any(c => char.IsWhiteSpace(c) || c is '(' or ')'))
        {
            throw Bad(term);
        }
        return labels => labels.ContainsKey(term);
    }

    private static ApiStatusException Bad(string term) =>
        new(ApiStatus.BadRequest($"unable to parse requirement: found '{term}', expected: a valid label selector"));
}
