using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Cel;

namespace Emulator.ControlPlane.Admission.ValidatingAdmissionPolicy;

/// <summary>
/// An admission webhook's <c>matchConditions</c>: CEL expressions over <c>object</c>, <c>oldObject</c> and
/// <c>request</c>, evaluated with the libraries admission policies use. The webhook is called only when every
/// condition is true; a condition that cannot be evaluated is an error the webhook's failure policy decides.
/// </summary>
public static class WebhookMatchConditions
{
    private static readonly IReadOnlyList<string> Variables = ["object", "oldObject", "request", "authorizer"];

    /// <summary>Whether the webhook's conditions all hold (<c>true</c>), one is false (<c>false</c>), or the error met.</summary>
    public static (bool Matches, string? Error) Evaluate(JsonObject webhook, PolicyRequest request)
    {
        var conditions = JsonTree.Objects(webhook["matchConditions"] as JsonArray).Select(c =>
        {
            var name = JsonTree.AsString(c["name"]) ?? "";
            try
            {
                return (name, (CompiledExpression?)KubernetesCel.Compile(JsonTree.AsString(c["expression"]) ?? "", Variables), (string?)null);
            }
            catch (CelCompileException e)
            {
                return (name, null, e.Message);
            }
        }).ToArray();
        if (conditions.Length == 0)
        {
            return (true, null);
        }
        var variables = new Dictionary<string, object?>
        {
            ["object"] = CelValues.FromJson(request.Object),
            ["oldObject"] = CelValues.FromJson(request.OldObject),
            ["request"] = CelValues.FromJson(ValidatingAdmissionPolicyAdmission.RequestObject(request)),
        };
        string? error = null;
        foreach (var (name, expression, compileError) in conditions)
        {
            try
            {
                if (compileError is not null)
                {
                    error ??= $"compilation failed for match condition \"{name}\": {compileError}";
                }
                else if (expression!.Evaluate(variables) is false)
                {
                    return (false, null);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                error ??= $"failed to evaluate match condition \"{name}\": {e.Message}";
            }
        }
        return (error is null, error);
    }
}
