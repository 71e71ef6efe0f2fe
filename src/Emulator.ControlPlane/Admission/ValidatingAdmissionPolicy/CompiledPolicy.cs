using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Cel;

namespace Emulator.ControlPlane.Admission.ValidatingAdmissionPolicy;

/// <summary>
/// A ValidatingAdmissionPolicy with its CEL expressions compiled once per stored version: match conditions,
/// variables, validations (expression, message, messageExpression, reason). An expression that does not compile is a
/// configuration error of the policy, to which its failure policy applies.
/// </summary>
public sealed class CompiledPolicy
{
    /// <summary>The variables every policy expression may read (<c>authorizer</c> is declared but not provided).</summary>
    public static readonly IReadOnlyList<string> Variables = ["object", "oldObject", "request", "params", "namespaceObject", "variables", "authorizer"];

    private static readonly ConditionalWeakTable<StoredObject, CompiledPolicy> Compiled = [];

    private CompiledPolicy(JsonObject policy)
    {
        Name = JsonTree.GetString(policy, "metadata", "name") ?? "";
        var spec = policy["spec"] as JsonObject ?? [];
        Spec = spec;
        FailurePolicyIgnores = JsonTree.AsString(spec["failurePolicy"]) == "Ignore";
        try
        {
            MatchConditions = JsonTree.Objects(spec["matchConditions"] as JsonArray)
                .Select(c => (JsonTree.AsString(c["name"]) ?? "", Compile(c["expression"]))).ToArray();
            PolicyVariables = JsonTree.Objects(spec["variables"] as JsonArray)
                .Select(v => (JsonTree.AsString(v["name"]) ?? "", Compile(v["expression"]))).ToArray();
            Validations = JsonTree.Objects(spec["validations"] as JsonArray).Select(v => new Validation(
                Compile(v["expression"]),
                JsonTree.AsString(v["message"]),
                v["messageExpression"] is { } messageExpression ? Compile(messageExpression) : null,
                JsonTree.AsString(v["reason"]))).ToArray();
        }
        catch (CelCompileException e)
        {
            ConfigurationError = "compilation failed: " + e.Message;
        }
        catch (CelUnsupportedException e)
        {
            ConfigurationError = e.Message;
        }
    }

    /// <summary>One validation.</summary>
    public sealed record Validation(CompiledExpression Expression, string? Message, CompiledExpression? MessageExpression, string? Reason);

    /// <summary>The policy's name.</summary>
    public string Name { get; }

    /// <summary>The policy's spec.</summary>
    public JsonObject Spec { get; }

    /// <summary>True for <c>failurePolicy: Ignore</c> (the default is Fail).</summary>
    public bool FailurePolicyIgnores { get; }

    /// <summary>The match conditions, by name.</summary>
    public IReadOnlyList<(string Name, CompiledExpression Expression)> MatchConditions { get; } = [];

    /// <summary>The variables, in order (later ones may read earlier ones).</summary>
    public IReadOnlyList<(string Name, CompiledExpression Expression)> PolicyVariables { get; } = [];

    /// <summary>The validations.</summary>
    public IReadOnlyList<Validation> Validations { get; } = [];

    /// <summary>Why the policy cannot be evaluated (an expression that does not compile), or null.</summary>
    public string? ConfigurationError { get; }

    /// <summary>The compiled form of a stored policy.</summary>
    public static CompiledPolicy Of(StoredObject policy) => Compiled.GetValue(policy, p => new CompiledPolicy(p.ToJsonObject()));

    private static CompiledExpression Compile(JsonNode? expression) =>
        KubernetesCel.Compile(JsonTree.AsString(expression) ?? "", Variables);
}
