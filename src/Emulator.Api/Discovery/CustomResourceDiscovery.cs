using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.Store;

namespace Emulator.Api.Discovery;

/// <summary>
/// Keeps an API server's catalog in step with the stored CustomResourceDefinitions, as the apiextensions API server's
/// CRD handler follows its CRD informer: it lists them, then watches them, serving what each defines and dropping what
/// a deleted one defined. A watch that falls behind relists.
/// </summary>
public sealed class CustomResourceDiscovery : UntypedActor, IWithTimers
{
    private static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(30);

    private readonly IActorRef _store;
    private readonly IActorRef _watchHub;
    private readonly ApiResourceCatalog _catalog;
    private readonly TaskCompletionSource _synced;

    /// <summary>Creates the actor.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="catalog">The catalog kept up to date.</param>
    /// <param name="synced">Completed once the first list has been applied.</param>
    public CustomResourceDiscovery(IActorRef store, IActorRef watchHub, ApiResourceCatalog catalog, TaskCompletionSource synced)
    {
        _store = store;
        _watchHub = watchHub;
        _catalog = catalog;
        _synced = synced;
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record Listed(ListReply Reply);

    private sealed record ListFailed(Exception Cause);

    /// <inheritdoc />
    protected override void PreStart() => List();

    /// <inheritdoc />
    protected override void PostStop() => _watchHub.Tell(new StopWatch(Self), Self);

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Listed { Reply: var reply }:
                _catalog.Replace(reply.Items);
                _watchHub.Tell(new StartWatch(CustomResourceTypes.Definitions.Key, null, reply.ResourceVersion, null, Self), Self);
                _synced.TrySetResult();
                break;
            case ListFailed failed:
                Context.GetLogger().Warning("Listing CustomResourceDefinitions failed ({0}); retrying", failed.Cause.Message);
                Timers.StartSingleTimer("relist", new RetryList(), TimeSpan.FromSeconds(1));
                break;
            case RetryList:
                List();
                break;
            case WatchEvent { Type: WatchEventType.Deleted } deleted:
                _catalog.Remove(deleted.Object.Name, deleted.ResourceVersion);
                break;
            case WatchEvent change:
                _catalog.Apply(change.Object);
                break;
            case WatchExpired:
                _watchHub.Tell(new StopWatch(Self), Self);
                List();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private sealed record RetryList;

    private void List() =>
        _store.Ask<ListReply>(new ListObjects(CustomResourceTypes.Definitions, null), ListTimeout)
            .PipeTo(Self, Self, reply => new Listed(reply), e => new ListFailed(e));
}
