using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.Decoding;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Patching;
using Emulator.Kubernetes.Schema;

namespace Emulator.Api.Resources;

/// <summary>Applies a PATCH body to an object according to its content type, as the API server does.</summary>
public static class PatchApplier
{
    /// <summary>Returns the patched copy of <paramref name="original"/>.</summary>
    public static JsonObject Apply(JsonObject original, JsonNode patch, string contentType, KindInfo? kind)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        try
        {
            return mediaType switch
            {
                "application/merge-patch+json" or "application/json" => JsonMergePatch.Apply(original, patch) as JsonObject
                    ?? throw new PatchException("the merge patch must produce an object"),
                "application/strategic-merge-patch+json" => StrategicMergePatch.Apply(original, patch,
                    kind is null ? null : FieldSchema.Default.Find(kind.SchemaType)),
                "application/json-patch+json" => JsonPatch.Apply(original.DeepClone(), patch) as JsonObject
                    ?? throw new PatchException("the JSON patch must produce an object"),
                _ => throw new ApiStatusException(new ApiStatus(415, "UnsupportedMediaType",
                    $"the body of the request was in an unknown format - accepted media types include: {AcceptedTypes(custom: false)}")),
            };
        }
        catch (PatchException e)
        {
            throw new ApiStatusException(new ApiStatus(422, "Invalid", e.Message));
        }
    }

    /// <summary>
    /// The patch types the API server lists when it refuses one: JSON patch, merge patch, strategic merge patch (not
    /// for custom resources) and apply.
    /// </summary>
    public static string AcceptedTypes(bool custom) => custom
        ? "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
        : "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml";

    /// <summary>
    /// Decodes the patched object into the kind's Go type, as the API server does after applying a patch. A failure
    /// is its 422: <c>"" is invalid: patch: Invalid value: "...": json: cannot unmarshal ...</c>, quoting the patched
    /// object (JSON and merge patches, keys sorted as Go marshals them) or the patch map (strategic merge patches,
    /// printed as Go's <c>%+v</c>).
    /// </summary>
    /// <exception cref="ApiStatusException">With the 422 Invalid status.</exception>
    public static void EnsureDecodes(JsonObject patched, JsonNode patch, string contentType, string kind, string version, TypeDefinition type)
    {
        try
        {
            TypedDecoder.EnsureDecodes(patched, kind, version, type);
        }
        catch (TypedDecodingException e)
        {
            var strategic = contentType.Split(';')[0].Trim() == "application/strategic-merge-patch+json";
            var value = strategic ? GoFormat.GoValue(patch) : GoFormat.SortedJson(patched);
            var cause = $"Invalid value: {GoFormat.Quote(value)}: {e.DecodingError}";
            throw new ApiStatusException(new ApiStatus(422, "Invalid", $" \"\" is invalid: patch: {cause}",
                Causes: [new StatusCause("FieldValueInvalid", cause, "patch")]));
        }
    }
}
