namespace Emulator.ControlPlane.Store;

/// <summary>Journal event: an object was created or changed; <see cref="Json"/> is the full new version.</summary>
public sealed record ObjectStored(string Resource, byte[] Json);

/// <summary>Journal event: an object was removed for good.</summary>
public sealed record ObjectRemoved(string Resource, string? Namespace, string Name);

/// <summary>Snapshot of the whole store: every object's resource key and JSON, and the next resourceVersion.</summary>
public sealed record StoreSnapshot(IReadOnlyList<string> Resources, IReadOnlyList<byte[]> Objects);
