using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Selectors;

/// <summary>
/// A label selector: a conjunction of requirements. Built from the string form (<c>?labelSelector=</c>)
/// or from a <c>metav1.LabelSelector</c> (<c>matchLabels</c>/<c>matchExpressions</c>).
/// </summary>
public sealed class LabelSelector
{
    private LabelSelector(IReadOnlyList<LabelRequirement> requirements, bool matchesNothing)
    {
        Requirements = requirements;
        MatchesNothing = matchesNothing;
    }

    /// <summary>Selects everything (empty selector).</summary>
    public static LabelSelector Everything { get; } = new([], false);

    /// <summary>Selects nothing (what a missing <c>selector</c> converts to).</summary>
    public static LabelSelector Nothing { get; } = new([], true);

    /// <summary>The requirements, sorted by key.</summary>
    public IReadOnlyList<LabelRequirement> Requirements { get; }

    /// <summary>True for the selector that matches no object.</summary>
    public bool MatchesNothing { get; }

    /// <summary>True when the selector has no requirement and matches everything.</summary>
    public bool IsEmpty => !MatchesNothing && Requirements.Count == 0;

    /// <summary>Parses the string form.</summary>
    /// <exception cref="SelectorParseException">On bad syntax, with Kubernetes' message.</exception>
    public static LabelSelector Parse(string? text) =>
        string.IsNullOrWhiteSpace(text) ? Everything : new LabelSelector(LabelSelectorParser.Parse(text), false);

    /// <summary>A selector requiring every label of <paramref name="labels"/> to be equal.</summary>
    public static LabelSelector FromSet(IEnumerable<KeyValuePair<string, string>> labels) =>
        new(labels.OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => LabelRequirement.Create(l.Key, SelectorOperator.Equals, [l.Value])).ToList(), false);

    /// <summary>
    /// Converts a <c>metav1.LabelSelector</c> JSON object as <c>LabelSelectorAsSelector</c> does: null selects
    /// nothing, an empty object everything; operators are <c>In</c>, <c>NotIn</c>, <c>Exists</c>, <c>DoesNotExist</c>.
    /// </summary>
    /// <exception cref="SelectorParseException">On an invalid operator, key or value.</exception>
    public static LabelSelector FromJson(JsonNode? selector)
    {
        if (selector is not JsonObject obj)
        {
            return Nothing;
        }
        var requirements = new List<LabelRequirement>();
        foreach (var (key, value) in JsonTree.StringMap(obj["matchLabels"]))
        {
            requirements.Add(LabelRequirement.Create(key, SelectorOperator.Equals, [value]));
        }
        foreach (var expression in JsonTree.Objects(obj["matchExpressions"] as JsonArray))
        {
            var key = JsonTree.GetString(expression, "key") ?? "";
            var opText = JsonTree.GetString(expression, "operator") ?? "";
            var op = opText switch
            {
                "In" => SelectorOperator.In,
                "NotIn" => SelectorOperator.NotIn,
                "Exists" => SelectorOperator.Exists,
                "DoesNotExist" => SelectorOperator.DoesNotExist,
                _ => throw new SelectorParseException($"\"{opText}\" is not a valid label selector operator"),
            };
            var values = (expression["values"] as JsonArray)?.Select(JsonTree.AsString).OfType<string>() ?? [];
            requirements.Add(LabelRequirement.Create(key, op, values));
        }
        if (requirements.Count == 0)
        {
            return Everything;
        }
        return new LabelSelector(requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToList(), false);
    }

    /// <summary>True when the labels satisfy every requirement.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        if (MatchesNothing)
        {
            return false;
        }
        // A loop, not LINQ: controllers match every pod change against their selectors.
        for (var i = 0; i < Requirements.Count; i++)
        {
            if (!Requirements[i].Matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True when the object's labels satisfy every requirement.</summary>
    public bool Matches(KubeObject obj) => Matches(obj.Labels);

    /// <summary>The canonical string form (<c>app=web,tier in (a,b)</c>), as Scale's <c>status.selector</c> carries.</summary>
    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));
}
