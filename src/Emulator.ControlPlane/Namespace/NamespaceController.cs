using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.Store;
using Emulator.Runtime.Actors;

namespace Emulator.ControlPlane.Namespace;

/// <summary>
/// Deletes the content of namespaces being deleted, then releases them (Kubernetes' namespace controller): once every
/// namespaced object in a terminating namespace is gone, the <c>kubernetes</c> finalizer is removed from
/// <c>spec.finalizers</c> and the store removes the namespace. Level-triggered: it reacts to namespace changes and also
/// re-checks terminating namespaces periodically, so a restart of this actor loses nothing.
/// </summary>
public sealed class NamespaceController : EmulatedActor
{
    private static readonly ResourceType Namespaces = ResourceTypes.Namespaces;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    private readonly IActorRef _store;
    private readonly IActorRef _watchHub;
    private readonly IReadOnlyList<ResourceType> _namespacedTypes;
    private readonly TimeSpan _resync;
    private readonly HashSet<string> _inProgress = [];

    /// <summary>Creates the controller.</summary>
    public NamespaceController(IActorRef store, IActorRef watchHub, IReadOnlyList<ResourceType> namespacedTypes, TimeSpan resync)
    {
        _store = store;
        _watchHub = watchHub;
        _namespacedTypes = namespacedTypes.Where(t => t.Namespaced).ToArray();
        _resync = resync;
    }

    private sealed record Resync;

    private sealed record Swept(string Namespace, bool Empty, Exception? Failure);

    /// <inheritdoc />
    protected override void PreStart()
    {
        _watchHub.Tell(new StartWatch(Namespaces.Key, null, 0, null, Self), Self);
        // The first pass runs now, not on a zero-delay timer: on virtual time a timer fires only when time moves.
        Self.Tell(new Resync(), Self);
        Timers.StartPeriodicTimer("resync", new Resync(), _resync);
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WatchEvent { Object.IsDeleting: true, Type: not WatchEventType.Deleted } change:
                Sweep(change.Object.Name);
                break;
            case WatchEvent:
                break;
            case Resync:
                // As an actor task (no ConfigureAwait(false)): the reply is handled on the actor, not on the thread pool, so
                // a seeded run on virtual time replays.
                RunTask(async () =>
                {
                    try
                    {
                        Self.Tell(await _store.Ask<ListReply>(new ListObjects(Namespaces, null, ObjectSelector.Deleting), AskTimeout), Self);
                    }
                    catch (Exception e)
                    {
                        Self.Tell(new Status.Failure(e), Self);
                    }
                });
                break;
            case ListReply terminating:
                foreach (var ns in terminating.Items)
                {
                    Sweep(ns.Name);
                }
                break;
            case Swept swept:
                _inProgress.Remove(swept.Namespace);
                if (swept.Failure is { } sweepFailure)
                {
                    Log.Warning("Deleting the content of namespace {Namespace} failed: {Reason}", swept.Namespace, sweepFailure.Message);
                }
                break;
            case Status.Failure failure:
                Log.Warning("Listing terminating namespaces failed: {Reason}", failure.Cause.Message);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Sweep(string ns)
    {
        if (!_inProgress.Add(ns))
        {
            return;
        }
        RunTask(async () =>
        {
            try
            {
                Self.Tell(new Swept(ns, await SweepAsync(ns), null), Self);
            }
            catch (Exception e)
            {
                Self.Tell(new Swept(ns, false, e), Self);
            }
        });
    }

    /// <summary>Deletes what is left in the namespace; finalizes it when nothing is left. Runs as the actor's task.</summary>
    private async Task<bool> SweepAsync(string ns)
    {
        // First pass deletes; the second sees whether anything is left (objects held by finalizers or grace periods).
        for (var pass = 0; pass < 2; pass++)
        {
            var remaining = 0;
            var custom = await CustomResourceTypes.ListAsync(_store, AskTimeout);
            foreach (var type in _namespacedTypes.Concat(custom.Where(t => t.Namespaced)))
            {
                var list = await _store.Ask<ListReply>(new ListObjects(type, ns), AskTimeout);
                foreach (var item in list.Items)
                {
                    remaining++;
                    if (!item.IsDeleting)
                    {
                        await _store.Ask<StoreReply>(new DeleteObject(type, ns, item.Name, new DeleteOptions(PropagationPolicy: "Background")), AskTimeout);
                    }
                }
            }
            if (remaining == 0)
            {
                break;
            }
            if (pass == 1)
            {
                return false;
            }
        }
        var reply = await _store.Ask<StoreReply>(new GetObject(Namespaces, null, ns), AskTimeout);
        if (reply.Object is not { IsDeleting: true } current)
        {
            return true;
        }
        var obj = current.ToJsonObject();
        if (obj["spec"] is JsonObject spec && spec["finalizers"] is JsonArray finalizers)
        {
            var kept = finalizers.Where(f => f?.GetValue<string>() != "kubernetes").Select(f => f!.DeepClone()).ToArray();
            spec["finalizers"] = new JsonArray(kept);
            await _store.Ask<StoreReply>(new UpdateObject(Namespaces, obj), AskTimeout);
        }
        return true;
    }
}
