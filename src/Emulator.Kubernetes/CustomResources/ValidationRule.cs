using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cel;
using Emulator.Kubernetes.Cel;

namespace Emulator.Kubernetes.CustomResources;

/// <summary>
/// One <c>x-kubernetes-validations</c> entry: a CEL rule over <c>self</c> (and <c>oldSelf</c> for transition rules),
/// with the message, field path and reason the API server reports when it evaluates to false.
/// </summary>
public sealed partial class ValidationRule
{
    private ValidationRule(string rule, string? message, string? messageExpression, string? fieldPath, string? reason)
    {
        Rule = rule;
        Message = message;
        FieldPath = fieldPath;
        Reason = reason;
        IsTransitionRule = rule.Contains("oldSelf", StringComparison.Ordinal);
        try
        {
            Program = KubernetesCel.Compile(rule, IsTransitionRule ? ["self", "oldSelf"] : ["self"]);
            MessageProgram = messageExpression is null ? null : KubernetesCel.Compile(messageExpression, IsTransitionRule ? ["self", "oldSelf"] : ["self"]);
        }
        catch (CelCompileException e)
        {
            // The API server refuses a CRD whose rule does not compile (see ApiExtensionsValidation).
            CompileError = e.Message;
            IsRefused = true;
        }
        catch (Exception e)
        {
            // Syntax the CEL library here cannot take is reported, not fatal.
            CompileError = e.Message;
        }
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

    /// <summary>True when the rule does not compile in Kubernetes' environment either: the CRD is refused.</summary>
    public bool IsRefused { get; }

    /// <summary>True when the rule reads <c>oldSelf</c>: it is only checked on updates that had a value before.</summary>
    public bool IsTransitionRule { get; }

    /// <summary>The compiled rule, or null when it could not be compiled.</summary>
    private CompiledExpression? Program { get; }

    /// <summary>The compiled <c>messageExpression</c>, which gives the message when it yields a one-line string.</summary>
    private CompiledExpression? MessageProgram { get; }

    /// <summary>Parses one <c>ValidationRule</c>.</summary>
    public static ValidationRule Parse(JsonObject source) => new(
        JsonTree.AsString(source["rule"]) ?? "",
        JsonTree.AsString(source["message"]),
        JsonTree.AsString(source["messageExpression"]),
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
        var variables = new Dictionary<string, object?> { ["self"] = CelValues.FromJson(self) };
        if (IsTransitionRule)
        {
            variables["oldSelf"] = CelValues.FromJson(oldSelf);
        }
        try
        {
            return Program.Evaluate(variables) is true ? null : EvaluatedMessage(variables) ?? Message ?? $"failed rule: {Rule}";
        }
        catch (Exception e)
        {
            // An evaluation error fails the rule, as in Kubernetes (e.g. a field read without has()).
            return e is CelNoSuchFieldException && MissingField().Match(e.Message) is { Success: true } missing
                ? $"no such key: {missing.Groups[1].Value}"
                : e.Message;
        }
    }

    private string? EvaluatedMessage(Dictionary<string, object?> variables)
    {
        try
        {
            return MessageProgram?.Evaluate(variables) is string text && text.Trim() is { Length: > 0 } trimmed && !trimmed.Contains('\n') ? trimmed : null;
        }
        catch (Exception)
        {
            // A failing messageExpression falls back to the message, as in Kubernetes.
            return null;
        }
    }

    [GeneratedRegex(@"field '([^']*)'")]
    private static partial Regex MissingField();
}
