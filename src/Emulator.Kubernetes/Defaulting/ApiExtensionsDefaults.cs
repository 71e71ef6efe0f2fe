using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>Scheme defaults of <c>apiextensions.k8s.io/v1</c> (<c>SetDefaults_CustomResourceDefinitionSpec</c>).</summary>
public static class ApiExtensionsDefaults
{
    /// <summary>
    /// CustomResourceDefinition: the singular name is the lower-case kind, the list kind is <c>KIND</c>List, and
    /// conversion is <c>None</c>.
    /// </summary>
    public static void ApplyCustomResourceDefinition(KubeObject crd)
    {
        var spec = crd.EnsureSpec();
        if (spec["names"] is JsonObject names && JsonTree.AsString(names["kind"]) is { Length: > 0 } kind)
        {
            if (string.IsNullOrEmpty(JsonTree.AsString(names["singular"])))
            {
                names["singular"] = kind.ToLowerInvariant();
            }
            if (string.IsNullOrEmpty(JsonTree.AsString(names["listKind"])))
            {
                names["listKind"] = kind + "List";
            }
        }
        var conversion = JsonTree.Ensure(spec, "conversion");
        JsonTree.SetDefaultString(conversion, "strategy", "None");
    }
}
