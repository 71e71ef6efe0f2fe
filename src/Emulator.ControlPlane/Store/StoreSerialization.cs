using Emulator.Runtime.Serialization;

namespace Emulator.ControlPlane.Store;

/// <summary>Stable manifests of the store's journal events and snapshots.</summary>
public static class StoreSerialization
{
    /// <summary>Registers the store's types with <paramref name="manifests"/> (a system's <see cref="EventSerialization"/> manifests).</summary>
    public static EventManifests Register(EventManifests manifests) => manifests
        .Register<ObjectStored>("api-store.object-stored.v1")
        .Register<ObjectRemoved>("api-store.object-removed.v1")
        .Register<StoreSnapshot>("api-store.snapshot.v1");
}
