using System.Text.Json.Nodes;

namespace Emulator.ControlPlane.Store;

/// <summary>The operation being admitted.</summary>
public enum AdmissionOperation
{
    /// <summary>A new object.</summary>
    Create,

    /// <summary>A change to the main resource.</summary>
    Update,

    /// <summary>A change to the status subresource.</summary>
    UpdateStatus,
}

/// <summary>
/// A read-only view of the objects the store holds, for admission plugins that consult other objects (the
/// DefaultStorageClass plugin reads the StorageClasses). Admission runs inside the store actor, so it reads the
/// store's own state directly instead of asking it.
/// </summary>
public interface IAdmissionContext
{
    /// <summary>The stored objects of <paramref name="type"/> (all namespaces), in no particular order.</summary>
    IEnumerable<StoredObject> List(ResourceType type);

    /// <summary>The stored object of <paramref name="type"/> named <paramref name="name"/> (in <paramref name="ns"/>), or null.</summary>
    StoredObject? Find(ResourceType type, string? ns, string name);
}

/// <summary>
/// Defaulting and validation applied by the store to every write, as the API server's type strategies and admission do.
/// Implementations change <c>obj</c> in place (defaults) and throw <see cref="ApiStatusException"/> (422 Invalid) to refuse it.
/// </summary>
public interface IAdmission
{
    /// <summary>
    /// Defaults and validates <paramref name="obj"/>; <paramref name="old"/> is the stored version for updates;
    /// <paramref name="stored"/> shows the other objects the store holds.
    /// </summary>
    void Admit(ResourceType type, JsonObject obj, JsonObject? old, AdmissionOperation operation, IAdmissionContext stored);
}

/// <summary>Admits everything unchanged (for tests of the store itself).</summary>
public sealed class AdmitAll : IAdmission
{
    /// <summary>The single instance.</summary>
    public static AdmitAll Instance { get; } = new();

    /// <inheritdoc />
    public void Admit(ResourceType type, JsonObject obj, JsonObject? old, AdmissionOperation operation, IAdmissionContext stored) { }
}
