using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.Store;
using Emulator.Runtime.Actors;

namespace Emulator.ControlPlane.GarbageCollection;

/// <summary>
/// Kubernetes' garbage collector for <c>ownerReferences</c>: when an owner is gone, its dependents go too unless
/// another owner still exists (Background); an owner deleted with <c>foregroundDeletion</c> waits until its
/// blocking dependents are gone; an owner deleted with <c>orphan</c> has its references stripped from its dependents
/// first. Level-triggered: it reacts to watch events and re-checks periodically, so a restart loses nothing.
/// </summary>
public sealed class GarbageCollector : EmulatedActor
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    private readonly IActorRef _store;
    private readonly IActorRef _watchHub;
    private readonly Dictionary<string, ResourceType> _types;
    private readonly TimeSpan _resync;
    private bool _busy;
    private bool _again;

    /// <summary>Creates the collector over the given resource types.</summary>
    public GarbageCollector(IActorRef store, IActorRef watchHub, IReadOnlyList<ResourceType> types, TimeSpan resync)
    {
        _store = store;
        _watchHub = watchHub;
        _types = types.ToDictionary(t => t.Key);
        _resync = resync;
    }

    private sealed record Resync;

    private sealed record Collected(Exception? Failure);

    /// <inheritdoc />
    protected override void PreStart()
    {
        _watchHub.Tell(new StartWatch(null, null, 0, null, Self), Self);
        // The first pass runs now, not on a zero-delay timer: on virtual time a timer fires only when time moves.
        Self.Tell(new Resync(), Self);
        Timers.StartPeriodicTimer("resync", new Resync(), _resync);
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WatchEvent { Type: WatchEventType.Deleted }:
            case WatchEvent { Object.IsDeleting: true }:
            case Resync:
                Collect();
                break;
            case WatchEvent:
                break;
            case Collected collected:
                _busy = false;
                if (collected.Failure is { } failure)
                {
                    Log.Warning("Garbage collection failed: {Reason}", failure.Message);
                }
                if (_again)
                {
                    _again = false;
                    Collect();
                }
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>One pass at a time; changes during a pass trigger one more pass.</summary>
    private void Collect()
    {
        if (_busy)
        {
            _again = true;
            return;
        }
        _busy = true;
        // The pass runs as the actor's own task: every await resumes on the actor (no ConfigureAwait(false) below), so the
        // store sees the pass's requests at points the actors decide, not the thread pool, and a seeded run replays.
        RunTask(async () =>
        {
            Exception? failure = null;
            try
            {
                await CollectAsync();
            }
            catch (Exception e)
            {
                failure = e;
            }
            Self.Tell(new Collected(failure), Self);
        });
    }

    private async Task CollectAsync()
    {
        var all = new List<(ResourceType Type, StoredObject Object)>();
        // Custom resources take part as built-in ones do (Kubernetes' collector learns them from discovery).
        var custom = await CustomResourceTypes.ListAsync(_store, AskTimeout);
        foreach (var type in _types.Values.Concat(custom.Where(t => !_types.ContainsKey(t.Key))))
        {
            var list = await _store.Ask<ListReply>(new ListObjects(type, null), AskTimeout);
            all.AddRange(list.Items.Select(o => (type, o)));
        }
        var byUid = all.Where(x => x.Object.Uid.Length > 0).ToDictionary(x => x.Object.Uid);
        var dependents = all.Where(x => x.Object.OwnerUids.Count > 0)
            .SelectMany(x => x.Object.OwnerUids.Select(owner => (Owner: owner, Dependent: x)))
            .ToLookup(p => p.Owner, p => p.Dependent);

        foreach (var (type, obj) in all)
        {
            if (obj.IsDeleting && obj.Finalizers.Contains("orphan"))
            {
                foreach (var dependent in dependents[obj.Uid])
                {
                    await RemoveOwnerReference(dependent.Type, dependent.Object, obj.Uid);
                }
                await RemoveFinalizer(type, obj, "orphan");
            }
            else if (obj.IsDeleting && obj.Finalizers.Contains("foregroundDeletion"))
            {
                var blocking = 0;
                foreach (var dependent in dependents[obj.Uid])
                {
                    if (BlocksOwnerDeletion(dependent.Object, obj.Uid))
                    {
                        blocking++;
                    }
                    if (!dependent.Object.IsDeleting)
                    {
                        await Delete(dependent.Type, dependent.Object, "Foreground");
                    }
                }
                if (blocking == 0)
                {
                    await RemoveFinalizer(type, obj, "foregroundDeletion");
                }
            }
        }

        // Dependents whose owners are all gone are deleted; references to missing owners are dropped when another owner lives.
        foreach (var (type, obj) in all)
        {
            if (obj.OwnerUids.Count == 0 || obj.IsDeleting)
            {
                continue;
            }
            var missing = obj.OwnerUids.Where(uid => !byUid.ContainsKey(uid)).ToArray();
            if (missing.Length == 0)
            {
                continue;
            }
            if (missing.Length == obj.OwnerUids.Count)
            {
                await Delete(type, obj, "Background");
            }
            else
            {
                foreach (var uid in missing)
                {
                    await RemoveOwnerReference(type, obj, uid);
                }
            }
        }
    }

    private static bool BlocksOwnerDeletion(StoredObject dependent, string ownerUid) =>
        dependent.ToJsonObject()["metadata"]?["ownerReferences"] is JsonArray refs
        && refs.OfType<JsonObject>().Any(r => r["uid"]?.GetValue<string>() == ownerUid && r["blockOwnerDeletion"]?.GetValue<bool>() == true);

    private Task<StoreReply> Delete(ResourceType type, StoredObject obj, string policy) =>
        _store.Ask<StoreReply>(new DeleteObject(type, obj.Namespace, obj.Name, new DeleteOptions(PreconditionUid: obj.Uid, PropagationPolicy: policy)), AskTimeout);

    private async Task RemoveOwnerReference(ResourceType type, StoredObject obj, string ownerUid)
    {
        var json = obj.ToJsonObject();
        if (json["metadata"]?["ownerReferences"] is not JsonArray refs)
        {
            return;
        }
        var kept = refs.Where(r => r?["uid"]?.GetValue<string>() != ownerUid).Select(r => r!.DeepClone()).ToArray();
        json["metadata"]!["ownerReferences"] = new JsonArray(kept);
        await _store.Ask<StoreReply>(new UpdateObject(type, json), AskTimeout);
    }

    private async Task RemoveFinalizer(ResourceType type, StoredObject obj, string finalizer)
    {
        var json = obj.ToJsonObject();
        if (json["metadata"]?["finalizers"] is not JsonArray finalizers)
        {
            return;
        }
        var kept = finalizers.Where(f => f?.GetValue<string>() != finalizer).Select(f => f!.DeepClone()).ToArray();
        json["metadata"]!["finalizers"] = new JsonArray(kept);
        await _store.Ask<StoreReply>(new UpdateObject(type, json), AskTimeout);
    }
}
