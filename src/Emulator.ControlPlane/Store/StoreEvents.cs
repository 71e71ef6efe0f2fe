using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Emulator.ControlPlane.Store;

/// <summary>Journal event: an object was created or changed; <see cref="Json"/> is the full new version.</summary>
/// <param name="Resource">The resource key.</param>
/// <param name="Json">The object's JSON, written into the event as JSON (not as a base64 string).</param>
public sealed record ObjectStored(string Resource, [property: JsonConverter(typeof(EmbeddedJsonConverter))] byte[] Json);

/// <summary>Journal event: an object was removed for good.</summary>
public sealed record ObjectRemoved(string Resource, string? Namespace, string Name);

/// <summary>Snapshot of the whole store: every object's resource key and JSON, and the next resourceVersion.</summary>
public sealed record StoreSnapshot(IReadOnlyList<string> Resources, IReadOnlyList<byte[]> Objects);

/// <summary>
/// Writes UTF-8 JSON bytes into the event as the JSON value they hold, and reads that value back as its bytes. A third
/// smaller than base64 and no encoding pass: every store write goes through it.
/// </summary>
public sealed class EmbeddedJsonConverter : JsonConverter<byte[]>
{
    /// <inheritdoc />
    public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var value = JsonDocument.ParseValue(ref reader);
        return Encoding.UTF8.GetBytes(value.RootElement.GetRawText());
    }

    /// <inheritdoc />
    // The bytes are a stored object, serialized and checked by the store: no second validation pass.
    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) => writer.WriteRawValue(value, skipInputValidation: true);
}
