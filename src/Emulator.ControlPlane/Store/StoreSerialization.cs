using System.Text.Json.Nodes;
using Emulator.Runtime.Serialization;

namespace Emulator.ControlPlane.Store;

/// <summary>Stable manifests of the store's journal events and snapshots.</summary>
public static class StoreSerialization
{
    /// <summary>Registers the store's types with <paramref name="manifests"/> (a system's <see cref="EventSerialization"/> manifests).</summary>
    public static EventManifests Register(EventManifests manifests) => manifests
        .Register<ObjectStored>("api-store.object-stored.v2")
        .Register<ObjectRemoved>("api-store.object-removed.v1")
        .Register<StoreSnapshot>("api-store.snapshot.v1")
        // v1 carried the object as a base64 string of its JSON; v2 embeds the JSON itself.
        .RegisterUpcaster("api-store.object-stored.v1", "api-store.object-stored.v2", EmbedObjectJson);

    private static JsonNode EmbedObjectJson(JsonNode v1)
    {
        var stored = v1.AsObject();
        if (stored["json"] is JsonValue encoded && encoded.TryGetValue<string>(out var base64))
        {
            stored["json"] = JsonNode.Parse(Convert.FromBase64String(base64));
        }
        return stored;
    }
}
