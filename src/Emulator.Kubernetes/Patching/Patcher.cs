using System.Text.Json.Nodes;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Schema;
using Emulator.Kubernetes.Serialization;

namespace Emulator.Kubernetes.Patching;

/// <summary>
/// Applies a PATCH request body of any supported type to a live object, choosing the strategic-merge
/// schema from the object's kind.
/// </summary>
public static class Patcher
{
    /// <summary>Applies the patch and returns the patched copy; the live object is not modified.</summary>
    /// <param name="live">The stored object.</param>
    /// <param name="type">The patch type (from the Content-Type).</param>
    /// <param name="body">The request body (JSON; YAML is accepted too).</param>
    /// <param name="registry">Kinds, to find the schema for strategic merge (default registry when null).</param>
    /// <param name="schema">Field schema (default when null).</param>
    /// <exception cref="ManifestParseException">When the body is not JSON or YAML.</exception>
    /// <exception cref="PatchException">When the patch does not apply or does not yield an object.</exception>
    public static KubeObject Apply(KubeObject live, PatchType type, string body, KindRegistry? registry = null, FieldSchema? schema = null)
    {
        var patch = ManifestReader.ParseNode(body);
        var result = type switch
        {
            PatchType.JsonPatch => JsonPatch.Apply(live.Document, patch),
            PatchType.MergePatch => JsonMergePatch.Apply(live.Document, patch),
            _ => StrategicMergePatch.Apply(live.Document, patch, TypeOf(live, registry, schema)),
        };
        return result is JsonObject obj
            ? new KubeObject(obj)
            : throw new PatchException("the patched document is not an object");
    }

    /// <summary>
    /// The <c>metadata.resourceVersion</c> a merge or strategic patch carries as an optimistic-concurrency
    /// precondition (kubectl apply sends it), or null.
    /// </summary>
    public static string? ResourceVersionPrecondition(JsonNode? patch) =>
        patch is JsonObject obj ? JsonTree.GetString(obj, "metadata", "resourceVersion") : null;

    private static TypeDefinition? TypeOf(KubeObject live, KindRegistry? registry, FieldSchema? schema) =>
        (registry ?? KindRegistry.Default).TryResolve(live.ApiVersion, live.Kind, out var kind)
            ? (schema ?? FieldSchema.Default).Find(kind.SchemaType)
            : null;
}
