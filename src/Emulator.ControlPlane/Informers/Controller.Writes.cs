using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Informers;

public abstract partial class Controller
{
    /// <summary>Marks a delete's tag, so its reply removes the object from the cache when it went at once.</summary>
    private sealed record DeleteMarker(object? State);

    /// <summary>Creates an object on behalf of the reconcile of <paramref name="key"/>.</summary>
    protected void CreateObject(ObjectKey key, ResourceType type, JsonObject obj, object? state = null) =>
        Send(key, type, new CreateObject(type, obj), state);

    /// <summary>Replaces an object's main resource (optimistic concurrency on its resourceVersion).</summary>
    protected void UpdateObject(ObjectKey key, ResourceType type, JsonObject obj, object? state = null) =>
        Send(key, type, new UpdateObject(type, obj), state);

    /// <summary>Replaces an object's status.</summary>
    protected void UpdateStatus(ObjectKey key, ResourceType type, JsonObject obj, object? state = null) =>
        Send(key, type, new UpdateObject(type, obj, UpdateScope.Status), state);

    /// <summary>Deletes an object (only the incarnation with <paramref name="uid"/>, when given).</summary>
    protected void DeleteObject(ObjectKey key, ResourceType type, string? ns, string name, string? uid = null, string? propagationPolicy = null, long? gracePeriodSeconds = null, object? state = null) =>
        Send(key, type, new DeleteObject(type, ns, name, new DeleteOptions(gracePeriodSeconds, uid, PropagationPolicy: propagationPolicy)), new DeleteMarker(state));

    /// <summary>Number of writes in flight for a key.</summary>
    protected int WritesInFlight(ObjectKey key) => _inFlight.GetValueOrDefault(key);

    private void Send(ObjectKey key, ResourceType type, StoreCommand command, object? state)
    {
        _inFlight[key] = _inFlight.GetValueOrDefault(key) + 1;
        Store.Tell(command with { Correlation = new WriteTag(key, type, state) }, Self);
    }
}
