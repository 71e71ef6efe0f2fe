using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.CustomResources;

/// <summary>
/// The JSONPath of printer columns and scale paths (<c>.spec.replicas</c>, <c>.status.conditions[?(@.type=="Ready")].status</c>,
/// <c>.spec.items[0]</c>, <c>.spec.items[*].name</c>, <c>['a.b']</c>): the subset of Kubernetes' jsonpath that these
/// use, evaluated to the list of matching values.
/// </summary>
public sealed class JsonPathExpression
{
    private readonly IReadOnlyList<Step> _steps;

    private JsonPathExpression(string text, IReadOnlyList<Step> steps)
    {
        Text = text;
        _steps = steps;
    }

    /// <summary>The path as written.</summary>
    public string Text { get; }

    /// <summary>Parses a path; throws <see cref="FormatException"/> with the reason when it is not one.</summary>
    public static JsonPathExpression Parse(string text)
    {
        var path = text.Trim();
        if (path.StartsWith('{') && path.EndsWith('}'))
        {
            path = path[1..^1];
        }
        if (path.StartsWith('$'))
        {
            path = path[1..];
        }
        var steps = new List<Step>();
        var i = 0;
        while (i < path.Length)
        {
            switch (path[i])
            {
                case '.':
                    var start = ++i;
                    while (i < path.Length && path[i] is not ('.' or '['))
                    {
                        i++;
                    }
                    if (i == start)
                    {
                        throw new FormatException($"unrecognized character in action: {path}");
                    }
                    steps.Add(new Step.Field(path[start..i]));
                    break;
                case '[':
                    var end = FindClosing(path, i);
                    steps.Add(ParseBracket(path[(i + 1)..end]));
                    i = end + 1;
                    break;
                default:
                    throw new FormatException($"unrecognized character in action: {path}");
            }
        }
        return new JsonPathExpression(text, steps);
    }

    /// <summary>Tries to parse a path.</summary>
    public static bool TryParse(string text, out JsonPathExpression? expression, out string? error)
    {
        try
        {
            expression = Parse(text);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            expression = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>Every value the path reaches in <paramref name="root"/>, in document order.</summary>
    public IReadOnlyList<JsonNode?> Evaluate(JsonNode? root)
    {
        IEnumerable<JsonNode?> current = [root];
        foreach (var step in _steps)
        {
            current = current.SelectMany(step.Apply).ToList();
        }
        return current.ToList();
    }

    /// <summary>The first value the path reaches, or null.</summary>
    public JsonNode? First(JsonNode? root) => Evaluate(root).FirstOrDefault();

    /// <summary>A value as Kubernetes' jsonpath prints it: strings bare, lists and maps as Go prints them.</summary>
    public static string Print(JsonNode? value)
    {
        var text = new StringBuilder();
        PrintGo(value, text);
        return text.ToString();
    }

    private static void PrintGo(JsonNode? value, StringBuilder text)
    {
        switch (value)
        {
            case null:
                text.Append("<nil>");
                break;
            case JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String:
                text.Append(v.GetValue<string>());
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    text.Append(i == 0 ? "" : " ");
                    PrintGo(array[i], text);
                }
                text.Append(']');
                break;
            case JsonObject obj:
                text.Append("map[");
                var first = true;
                foreach (var (key, child) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append(first ? "" : " ").Append(key).Append(':');
                    PrintGo(child, text);
                    first = false;
                }
                text.Append(']');
                break;
            default:
                text.Append(JsonTree.ToCompactJson(value));
                break;
        }
    }

    private static int FindClosing(string path, int open)
    {
        var depth = 0;
        char? quote = null;
        for (var i = open; i < path.Length; i++)
        {
            var c = path[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                continue;
            }
            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '[':
                    depth++;
                    break;
                case ']' when --depth == 0:
                    return i;
            }
        }
        throw new FormatException($"unterminated array: {path}");
    }

    private static Step ParseBracket(string inner)
    {
        inner = inner.Trim();
        if (inner == "*")
        {
            return new Step.All();
        }
        if (inner.Length >= 2 && inner[0] is '\'' or '"' && inner[^1] == inner[0])
        {
            return new Step.Field(inner[1..^1]);
        }
        if (inner.StartsWith("?(", StringComparison.Ordinal) && inner.EndsWith(')'))
        {
            return ParseFilter(inner[2..^1].Trim());
        }
        if (int.TryParse(inner, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
        {
            return new Step.Index(index);
        }
        throw new FormatException($"invalid array index {inner}");
    }

    private static Step ParseFilter(string condition)
    {
        foreach (var op in new[] { "==", "!=" })
        {
            var at = condition.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var left = condition[..at].Trim();
                var right = condition[(at + 2)..].Trim();
                if (!left.StartsWith('@'))
                {
                    break;
                }
                var operand = Parse(left[1..]);
                JsonNode? literal = right.Length >= 2 && right[0] is '\'' or '"' && right[^1] == right[0]
                    ? JsonValue.Create(right[1..^1])
                    : JsonNode.Parse(right);
                return new Step.Filter(operand, literal, op == "==");
            }
        }
        if (condition.StartsWith('@'))
        {
            return new Step.Exists(Parse(condition[1..]));
        }
        throw new FormatException($"unrecognized filter: {condition}");
    }

    private abstract record Step
    {
        public abstract IEnumerable<JsonNode?> Apply(JsonNode? node);

        public sealed record Field(string Name) : Step
        {
            public override IEnumerable<JsonNode?> Apply(JsonNode? node) =>
                node is JsonObject obj && obj.TryGetPropertyValue(Name, out var child) ? [child] : [];
        }

        public sealed record Index(int Position) : Step
        {
            public override IEnumerable<JsonNode?> Apply(JsonNode? node)
            {
                if (node is not JsonArray array)
                {
                    return [];
                }
                var at = Position < 0 ? array.Count + Position : Position;
                return at >= 0 && at < array.Count ? [array[at]] : [];
            }
        }

        public sealed record All : Step
        {
            public override IEnumerable<JsonNode?> Apply(JsonNode? node) => node switch
            {
                JsonArray array => array,
                JsonObject obj => obj.Select(p => p.Value),
                _ => [],
            };
        }

        public sealed record Filter(JsonPathExpression Operand, JsonNode? Literal, bool Equal) : Step
        {
            public override IEnumerable<JsonNode?> Apply(JsonNode? node) =>
                node is JsonArray array
                    ? array.Where(item => Operand.Evaluate(item) is { Count: > 0 } found && JsonTree.DeepEquals(found[0], Literal) == Equal)
                    : [];
        }

        public sealed record Exists(JsonPathExpression Operand) : Step
        {
            public override IEnumerable<JsonNode?> Apply(JsonNode? node) =>
                node is JsonArray array ? array.Where(item => Operand.Evaluate(item).Count > 0) : [];
        }
    }
}
