namespace Emulator.Kubernetes.Patching;

/// <summary>The patch formats the API server accepts, by Content-Type.</summary>
public enum PatchType
{
    /// <summary><c>application/json-patch+json</c> (RFC 6902).</summary>
    JsonPatch,

    /// <summary><c>application/merge-patch+json</c> (RFC 7386).</summary>
    MergePatch,

    /// <summary><c>application/strategic-merge-patch+json</c>.</summary>
    StrategicMergePatch,
}

/// <summary>Maps Content-Type values to <see cref="PatchType"/>.</summary>
public static class PatchContentTypes
{
    /// <summary>JSON patch media type.</summary>
    public const string JsonPatch = "application/json-patch+json";

    /// <summary>JSON merge patch media type.</summary>
    public const string MergePatch = "application/merge-patch+json";

    /// <summary>Strategic merge patch media type.</summary>
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";

    /// <summary>The patch type for a Content-Type header value (parameters ignored), or null when unsupported.</summary>
    public static PatchType? FromContentType(string? contentType)
    {
        var mediaType = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            JsonPatch => PatchType.JsonPatch,
            MergePatch => PatchType.MergePatch,
            StrategicMergePatch => PatchType.StrategicMergePatch,
            _ => null,
        };
    }
}
