using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cel;

namespace Emulator.Kubernetes.CustomResources;

/// <summary>
/// One <c>x-kubernetes-validations</c> entry: a CEL rule over <c>self</c> (and <c>oldSelf</c> for transition rules),
/// with the message, field path and reason the API server reports when it evaluates to false.
/// </summary>
public sealed partial class ValidationRule
{
    // One environment for every rule: compiling is serialised, the compiled delegates are independent.
    private static readonly CelEnvironment Environment = new(null, null);
    private static readonly Lock CompileLock = new();

    private ValidationRule(string rule, string? message, string? fieldPath, string? reason)
    {
        Rule = rule;
        Message = message;
        FieldPath = fieldPath;
        Reason = reason;
        try
        {
            lock (CompileLock)
            {
                Program = Environment.Compile(rule);
            }
        }
        catch (Exception e)
        {
            // Whatever the CEL library cannot take (Kubernetes' own CEL libraries, syntax it lacks) is reported, not fatal.
            CompileError = e.Message;
        }
        IsTransitionRule = rule.Contains("oldSelf", StringComparison.Ordinal);
    }

    /// <summary>The CEL expression.</summary>
    public string Rule { get; }

    /// <summary><c>message</c>; Kubernetes reports <c>failed rule: RULE</c> without one.</summary>
    public string? Message { get; }

    /// <summary><c>fieldPath</c>, relative to the node the rule is declared on (<c>.spec.replicas</c>).</summary>
    public string? FieldPath { get; }

    /// <summary><c>reason</c>: FieldValueInvalid (default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate.</summary>
    public string? Reason { get; }

    /// <summary>Why the rule could not be compiled here, or null when it was.</summary>
    public string? CompileError { get; }

    /// <summary>True when the rule reads <c>oldSelf</c>: it is only checked on updates that had a value before.</summary>
    public bool IsTransitionRule { get; }

    /// <summary>The compiled rule, or null when it could not be compiled.</summary>
    private CelProgramDelegate? Program { get; }

    /// <summary>Parses one <c>ValidationRule</c>.</summary>
    public static ValidationRule Parse(JsonObject source) => new(
        JsonTree.AsString(source["rule"]) ?? "",
        JsonTree.AsString(source["message"]),
        JsonTree.AsString(source["fieldPath"]),
        JsonTree.AsString(source["reason"]));

    /// <summary>
    /// Evaluates the rule: null when it holds (or could not be compiled here), else the text to report — the
    /// rule's message, <c>failed rule: RULE</c>, or the evaluation error.
    /// </summary>
    public string? Check(JsonNode? self, JsonNode? oldSelf)
    {
        if (Program is null)
        {
            return null;
        }
        var variables = new Dictionary<string, object?> { ["self"] = ToCel(self) };
        if (IsTransitionRule)
        {
            variables["oldSelf"] = ToCel(oldSelf);
        }
        try
        {
            return Program(variables) is true ? null : Message ?? $"failed rule: {Rule}";
        }
        catch (CelExpressionParserException)
        {
            // A function the CEL library lacks (one of Kubernetes' extension libraries): not enforced, as reported.
            return null;
        }
        catch (Exception e)
        {
            // An evaluation error fails the rule, as in Kubernetes (e.g. a field read without has()).
            return e is CelNoSuchFieldException && MissingField().Match(e.Message) is { Success: true } missing
                ? $"no such key: {missing.Groups[1].Value}"
                : e.Message;
        }
    }

    /// <summary>
    /// True when the rule uses a function of Kubernetes' CEL extension libraries (lists, strings, regex, URLs,
    /// quantities, IPs, CIDRs, semver, format), which the general CEL library here does not have: such rules are
    /// reported as not evaluated rather than enforced.
    /// </summary>
    public bool UsesKubernetesLibraries => KubernetesLibraryCall().IsMatch(Rule);

    [GeneratedRegex(@"field '([^']*)'")]
    private static partial Regex MissingField();

    [GeneratedRegex(@"\b(isSorted|sum|min|max|indexOf|lastIndexOf|charAt|lowerAscii|upperAscii|replace|split|join|trim|substring|reverse|find|findAll|url|isURL|getScheme|getHost|getHostname|getPort|getEscapedPath|getQuery|quantity|isQuantity|compareTo|isGreaterThan|isLessThan|asInteger|asApproximateFloat|isInteger|ip|isIP|cidr|isCIDR|semver|isSemver|format|sign|add|sub|authorizer)\s*\(")]
    private static partial Regex KubernetesLibraryCall();

    /// <summary>JSON as CEL values: maps, lists, int64 for integers, double for other numbers.</summary>
    private static object? ToCel(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToCel(p.Value), StringComparer.Ordinal),
        JsonArray array => array.Select(ToCel).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => value.GetValue<string>(),
            System.Text.Json.JsonValueKind.True => true,
            System.Text.Json.JsonValueKind.False => false,
            System.Text.Json.JsonValueKind.Number => JsonTree.ToCompactJson(value) is var text
                && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer)
                    ? integer
                    : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
            _ => null,
        },
        _ => null,
    };
}
