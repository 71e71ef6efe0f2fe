using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Patching;

/// <summary>JSON merge patch (RFC 7386): objects merge recursively, <c>null</c> deletes, everything else replaces.</summary>
public static class JsonMergePatch
{
    /// <summary>Applies <paramref name="patch"/> to a copy of <paramref name="target"/> and returns the result.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        MergeInto(result, patchObject);
        return result;
    }

    private static void MergeInto(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
                continue;
            }
            if (value is JsonObject childPatch)
            {
                if (target[key] is not JsonObject childTarget)
                {
                    childTarget = new JsonObject();
                    target[key] = childTarget;
                }
                MergeInto(childTarget, childPatch);
                continue;
            }
            target[key] = value.DeepClone();
        }
    }
}
