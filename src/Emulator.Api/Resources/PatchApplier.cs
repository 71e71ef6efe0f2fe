using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;

namespace Emulator.Api.Resources;

/// <summary>Applies a PATCH body to an object according to its content type.</summary>
public static class PatchApplier
{
    /// <summary>Returns the patched copy of <paramref name="original"/>.</summary>
    public static JsonObject Apply(JsonObject original, JsonNode patch, string contentType, string kind)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType switch
        {
            "application/merge-patch+json" or "application/json" => MergePatch(original, patch),
            _ => throw new ApiStatusException(new ApiStatus(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json")),
        };
    }

    /// <summary>RFC 7386 JSON merge patch: objects merge recursively, <c>null</c> deletes, everything else replaces.</summary>
    public static JsonObject MergePatch(JsonObject original, JsonNode patch)
    {
        if (patch is not JsonObject patchObject)
        {
            throw new ApiStatusException(ApiStatus.BadRequest("a merge patch must be a JSON object"));
        }
        var result = original.DeepClone().AsObject();
        Merge(result, patchObject);
        return result;
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchChild && target[key] is JsonObject targetChild)
            {
                Merge(targetChild, patchChild);
            }
            else if (value is JsonObject newChild)
            {
                var fresh = new JsonObject();
                Merge(fresh, newChild);
                target[key] = fresh;
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
