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

    /// <summary>A change to a pod's ephemeralcontainers subresource.</summary>
    UpdateEphemeralContainers,
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

    /// <summary>
    /// Replaces the status of another stored object together with the admitted write: the quota admission charges the
    /// usage of what it admits to the ResourceQuotas' <c>status.used</c>, as the API server does before it stores the
    /// object, so that writes admitted one after the other cannot exceed a quota between two recounts.
    /// <paramref name="obj"/> is the object as stored (same resourceVersion) with its new status. The store writes it
    /// right after the admitted object, and not at all when that write fails or is a dry run.
    /// </summary>
    void UpdateStatusAlong(ResourceType type, JsonObject obj);

    /// <summary>
    /// Adds a warning to the reply of the admitted write (the API server's <c>warning.AddWarning</c>: a <c>Warning</c>
    /// header kubectl prints).
    /// </summary>
    void Warn(string text)
    {
    }

    /// <summary>True when the write being admitted is a dry run (<c>?dryRun=All</c>): validated, never stored.</summary>
    bool DryRun => false;

    /// <summary>The requesting user of the write being admitted (<see cref="StoreCommand.UserInfo"/>), or null.</summary>
    JsonObject? UserInfo => null;
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

    /// <summary>
    /// Admits a DELETE of <paramref name="existing"/> (the stored object, which the plugins see as the request's
    /// <c>oldObject</c>; there is no new object). Throws <see cref="ApiStatusException"/> to refuse it.
    /// </summary>
    void AdmitDelete(ResourceType type, JsonObject existing, IAdmissionContext stored)
    {
    }
}

/// <summary>Admits everything unchanged (for tests of the store itself).</summary>
public sealed class AdmitAll : IAdmission
{
    /// <summary>The single instance.</summary>
    public static AdmitAll Instance { get; } = new();

    /// <inheritdoc />
    public void Admit(ResourceType type, JsonObject obj, JsonObject? old, AdmissionOperation operation, IAdmissionContext stored) { }
}
