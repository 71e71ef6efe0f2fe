using Akka.Actor;
using Emulator.ControlPlane.Store;

namespace Emulator.Api.Admission;

/// <summary>
/// The mutating and validating webhook configurations as the API server's admission plugins see them, kept by list
/// and watch as kube-apiserver's configuration informers keep them, so a write does not ask the store for them (that
/// round trip queued behind the store's writes and cost the write path its latency). Until the first list has come back
/// the configurations are not known (<see cref="Synced"/> false) and the plugins read the store instead. A write of a
/// configuration through this API server waits until the informer has seen it (<see cref="WaitFor"/>), so the
/// configuration applies to the writer's next request, as it does against a single kube-apiserver once its informer
/// has caught up.
/// </summary>
public sealed class WebhookConfigurations
{
    private readonly object _gate = new();
    private readonly List<(string Resource, long ResourceVersion, TaskCompletionSource Seen)> _waiters = [];
    private volatile Snapshot _current = new(false, new Dictionary<string, long>(), [], []);

    /// <summary>The configurations as last seen, with the store's resourceVersion each type is current as of.</summary>
    /// <param name="Synced">Whether both lists have come back.</param>
    /// <param name="ResourceVersions">By resource key: every write of that type up to this resourceVersion is reflected.</param>
    /// <param name="Mutating">The mutating webhook configurations.</param>
    /// <param name="Validating">The validating webhook configurations.</param>
    public sealed record Snapshot(bool Synced, IReadOnlyDictionary<string, long> ResourceVersions, IReadOnlyList<StoredObject> Mutating, IReadOnlyList<StoredObject> Validating)
    {
        /// <summary>Whether every write of <paramref name="resource"/> up to <paramref name="resourceVersion"/> is reflected.</summary>
        public bool Reflects(string resource, long resourceVersion) => Synced && ResourceVersions.GetValueOrDefault(resource) >= resourceVersion;
    }

    /// <summary>The latest snapshot.</summary>
    public Snapshot Current => _current;

    /// <summary>Whether the configurations are known.</summary>
    public bool Synced => _current.Synced;

    /// <summary>Replaces the snapshot (the informer only) and releases the writers waiting for what it reflects.</summary>
    internal void Publish(Snapshot snapshot)
    {
        List<TaskCompletionSource> released;
        lock (_gate)
        {
            _current = snapshot;
            released = [.. _waiters.Where(w => snapshot.Reflects(w.Resource, w.ResourceVersion)).Select(w => w.Seen)];
            _waiters.RemoveAll(w => released.Contains(w.Seen));
        }
        foreach (var seen in released)
        {
            seen.TrySetResult();
        }
    }

    /// <summary>
    /// Completes once the configurations reflect the write of <paramref name="resource"/> (a resource key) at
    /// <paramref name="resourceVersion"/>, or after <paramref name="timeout"/> (the write stands either way; only its
    /// visibility to the next request is at stake).
    /// </summary>
    public async Task WaitFor(string resource, long resourceVersion, TimeSpan timeout)
    {
        TaskCompletionSource seen;
        lock (_gate)
        {
            if (_current.Reflects(resource, resourceVersion))
            {
                return;
            }
            seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((resource, resourceVersion, seen));
        }
        await Task.WhenAny(seen.Task, Task.Delay(timeout)).ConfigureAwait(false);
        lock (_gate)
        {
            _waiters.RemoveAll(w => w.Seen == seen);
        }
    }
}

/// <summary>
/// Keeps a <see cref="WebhookConfigurations"/> current: lists both configuration types, watches them from the list's
/// resourceVersion, and lists again when the watch expires (or when the store did not answer the list).
/// </summary>
public sealed class WebhookConfigurationInformer : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RelistAfter = TimeSpan.FromSeconds(5);
    private static readonly ResourceType[] Types = [AdmissionWebhooks.MutatingConfigurations, AdmissionWebhooks.ValidatingConfigurations];

    private readonly IActorRef _store;
    private readonly IActorRef _watchHub;
    private readonly WebhookConfigurations _target;
    private readonly Dictionary<string, SortedDictionary<string, StoredObject>> _objects =
        Types.ToDictionary(t => t.Key, _ => new SortedDictionary<string, StoredObject>(StringComparer.Ordinal), StringComparer.Ordinal);
    private readonly HashSet<string> _unlisted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _resourceVersions = new(StringComparer.Ordinal);
    private bool _synced;

    /// <summary>Creates the informer that keeps <paramref name="target"/> current.</summary>
    public WebhookConfigurationInformer(IActorRef store, IActorRef watchHub, WebhookConfigurations target)
    {
        _store = store;
        _watchHub = watchHub;
        _target = target;
        Receive<ListReply>(Listed);
        Receive<WatchEvent>(Changed);
        Receive<WatchExpired>(_ => ListAll());
        Receive<Relist>(_ =>
        {
            if (_unlisted.Count > 0)
            {
                ListAll();
            }
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart() => ListAll();

    /// <inheritdoc />
    protected override void PostStop() => _watchHub.Tell(new StopWatch(Self), Self);

    private void ListAll()
    {
        _watchHub.Tell(new StopWatch(Self), Self);
        foreach (var type in Types)
        {
            _unlisted.Add(type.Key);
            _store.Tell(new ListObjects(type, null) { Correlation = type.Key }, Self);
        }
        Timers.StartSingleTimer("relist", new Relist(), RelistAfter);
    }

    private void Listed(ListReply listed)
    {
        if (listed.Correlation is not string type || !_unlisted.Remove(type))
        {
            return;
        }
        var objects = _objects[type];
        objects.Clear();
        foreach (var item in listed.Items)
        {
            objects[item.Name] = item;
        }
        _watchHub.Tell(new StartWatch(type, null, listed.ResourceVersion, null, Self), Self);
        // The watch from the list's resourceVersion brings every later change of the type in order.
        _resourceVersions[type] = Math.Max(_resourceVersions.GetValueOrDefault(type), listed.ResourceVersion);
        _synced |= _unlisted.Count == 0;
        Publish();
    }

    private void Changed(WatchEvent change)
    {
        if (!_objects.TryGetValue(change.Object.Resource, out var objects))
        {
            return;
        }
        if (objects.TryGetValue(change.Object.Name, out var held) && held.ResourceVersion >= change.ResourceVersion)
        {
            // From the watch a relist replaced: the list already reflects it.
            return;
        }
        if (change.Type == WatchEventType.Deleted)
        {
            objects.Remove(change.Object.Name);
        }
        else
        {
            objects[change.Object.Name] = change.Object;
        }
        _resourceVersions[change.Object.Resource] = Math.Max(_resourceVersions.GetValueOrDefault(change.Object.Resource), change.ResourceVersion);
        Publish();
    }

    private void Publish() => _target.Publish(new WebhookConfigurations.Snapshot(_synced, new Dictionary<string, long>(_resourceVersions),
        [.. _objects[AdmissionWebhooks.MutatingConfigurations.Key].Values], [.. _objects[AdmissionWebhooks.ValidatingConfigurations.Key].Values]));

    private sealed record Relist;
}
