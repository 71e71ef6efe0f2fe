using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.Conversion;
using Emulator.Kubernetes.Kinds;

namespace Emulator.Api.Discovery;

/// <summary>
/// A built-in kind served at a version other than the one it is stored at: the kind at the served version (its field
/// schema decodes, validates and patches bodies) and the conversions both ways.
/// </summary>
/// <param name="Kind">The kind at the served version.</param>
/// <param name="ToServed">Converts a stored object to the served version.</param>
/// <param name="ToStored">Converts a written object to the stored version.</param>
public sealed record VersionConversion(KindInfo Kind, Func<JsonObject, JsonObject> ToServed, Func<JsonObject, JsonObject> ToStored)
{
    /// <summary>
    /// The built-in kinds served at a second version: <c>autoscaling/v1</c> HorizontalPodAutoscalers (stored as v2;
    /// kubectl 1.27's <c>autoscale</c> writes v1, and 1.33's falls back to it).
    /// </summary>
    public static IReadOnlyList<ApiResource> ServedResources { get; } =
    [
        Served(
            new KindInfo("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler", true, ["hpa"], ["all"],
                NameRule.Dns1123Subdomain, ["status"], "HorizontalPodAutoscalerV1"),
            AutoscalingV1Conversion.ToV1, AutoscalingV1Conversion.ToV2),
    ];

    private static ApiResource Served(KindInfo kind, Func<JsonObject, JsonObject> toServed, Func<JsonObject, JsonObject> toStored)
    {
        var stored = KindRegistry.Default.Kinds.First(k => k.Group == kind.Group && k.Kind == kind.Kind);
        return new ApiResource(kind.Group, kind.Version, kind.Resource, kind.Singular, kind.Kind, kind.Namespaced, kind.ShortNames, kind.Categories, kind.HasStatus, kind.HasScale)
        {
            StoreType = ResourceTypes.Of(stored),
            Conversion = new VersionConversion(kind, toServed, toStored),
        };
    }
}
