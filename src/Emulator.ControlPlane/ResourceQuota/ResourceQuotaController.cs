using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Kinds;

namespace Emulator.ControlPlane.ResourceQuota;

/// <summary>
/// Kubernetes' resource quota controller: keeps each ResourceQuota's <c>status.hard</c> equal to its
/// <c>spec.hard</c> and <c>status.used</c> equal to what its namespace holds of every tracked resource, counted by the
/// same evaluators as quota admission (pods and their compute resources, services, claims and storage, object counts),
/// within the quota's scopes. A quota is recounted when it is created or its spec changes, when an object it tracks is
/// deleted or its usage changes (a pod ending, a service changing type, a claim growing), and on the periodic resync.
/// Usage between recounts is charged by admission; a recount written on a quota admission charged meanwhile fails on
/// its resourceVersion and starts again.
/// </summary>
/// <remarks>
/// Unlike the other controllers it caches only the quotas: the objects it counts are listed from the store when a quota
/// is recounted (only namespaces with quotas pay for it), and a feed of every change tells it when to recount.
/// </remarks>
public sealed class ResourceQuotaController : Controller
{
    private static readonly ResourceType Quotas = QuotaView.ResourceQuotas;
    private static readonly TimeSpan CountTimeout = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<(ResourceType Type, QuotaEvaluator Evaluator)> _evaluators;
    private readonly Dictionary<ObjectKey, UsageCount> _counting = [];
    private long _lastCount;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="countable">The namespaced types quotas can count (null: every namespaced built-in kind).</param>
    /// <param name="resync">Periodic full recount (Kubernetes: 5 minutes; null: none).</param>
    public ResourceQuotaController(IActorRef store, IActorRef watchHub, IReadOnlyList<ResourceType>? countable = null, TimeSpan? resync = null)
        : base(store, watchHub, [Quotas], resync)
    {
        var types = countable ?? KindRegistry.Default.Kinds.Where(k => k.Namespaced).Select(ResourceTypes.Of).ToList();
        _evaluators = types.Where(t => t.Namespaced)
            .Select(t => (Type: t, Evaluator: QuotaEvaluators.For(t.Key)))
            .Where(e => e.Evaluator is not null)
            .Select(e => (e.Type, e.Evaluator!))
            .ToList();
    }

    /// <summary>A change of any object, from the feed.</summary>
    private sealed record ObjectChanged(WatchEvent Change);

    /// <summary>Identifies the list of one resource made for one count of a quota.</summary>
    private sealed record UsageListed(ObjectKey Quota, long Count, string Resource);

    /// <summary>A count whose lists did not all come back (the store restarted meanwhile).</summary>
    private sealed record CountTimedOut(ObjectKey Quota, long Count);

    /// <summary>A recount in progress: the quota as it was when the lists were asked for, and the lists received.</summary>
    private sealed class UsageCount(long id, CachedObject quota, IReadOnlyList<(ResourceType Type, QuotaEvaluator Evaluator)> evaluators)
    {
        public long Id { get; } = id;

        public CachedObject Quota { get; } = quota;

        public IReadOnlyList<(ResourceType Type, QuotaEvaluator Evaluator)> Evaluators { get; } = evaluators;

        public Dictionary<string, IReadOnlyList<StoredObject>> Lists { get; } = new(StringComparer.Ordinal);

        public bool Again { get; set; }
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        base.PreStart();
        // A watch of its own, from a child: the base's relist after an expired watch stops this actor's watches, not the child's.
        Context.ActorOf(Props.Create(() => new ChangeFeed(WatchHub)), "changes");
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        // The quota's own status writes (the controller's, admission's charges) need no recount; a new or changed spec does.
        if (after is not null && (before is null || !JsonTree.DeepEquals(before.Object.Spec, after.Object.Spec)))
        {
            Enqueue(KeyOf(type, after));
        }
    }

    /// <inheritdoc />
    protected override void OnOtherMessage(object message)
    {
        switch (message)
        {
            case ObjectChanged changed:
                Replenish(changed.Change);
                break;
            case ListReply { Correlation: UsageListed listed } reply:
                if (_counting.TryGetValue(listed.Quota, out var count) && count.Id == listed.Count)
                {
                    count.Lists[listed.Resource] = reply.Items;
                    if (count.Lists.Count == count.Evaluators.Count)
                    {
                        Complete(listed.Quota, count);
                    }
                }
                break;
            case CountTimedOut timedOut:
                if (_counting.TryGetValue(timedOut.Quota, out var stalled) && stalled.Id == timedOut.Count)
                {
                    _counting.Remove(timedOut.Quota);
                    Enqueue(timedOut.Quota);
                }
                break;
            default:
                base.OnOtherMessage(message);
                break;
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(Quotas).Get(key.Namespace, key.Name) is not { } quota)
        {
            return;
        }
        if (_counting.TryGetValue(key, out var running))
        {
            running.Again = true;
            return;
        }
        var hard = new QuotaView(quota.Object).SpecHard.Keys.ToList();
        var count = new UsageCount(++_lastCount, quota, _evaluators.Where(e => e.Evaluator.MatchingResources(hard).Count > 0).ToList());
        if (count.Evaluators.Count == 0)
        {
            Complete(key, count);
            return;
        }
        _counting[key] = count;
        foreach (var (type, _) in count.Evaluators)
        {
            Store.Tell(new ListObjects(type, key.Namespace) { Correlation = new UsageListed(key, count.Id, type.Key) }, Self);
        }
        Timers.StartSingleTimer(("count", key), new CountTimedOut(key, count.Id), CountTimeout);
    }

    /// <summary>
    /// <c>syncResourceQuota</c>: the usage of every resource the quota's <c>spec.hard</c> names (those no evaluator counts
    /// keep their last usage), written with <c>status.hard</c> when either differs from the status.
    /// </summary>
    private void Complete(ObjectKey key, UsageCount count)
    {
        _counting.Remove(key);
        Timers.Cancel(("count", key));
        var quota = new QuotaView(count.Quota.Object);
        var hard = quota.SpecHard.Keys.ToList();
        var counted = count.Evaluators.SelectMany(e => e.Evaluator.MatchingResources(hard)).ToHashSet(StringComparer.Ordinal);
        var observed = ResourceLists.Empty();
        foreach (var (type, evaluator) in count.Evaluators)
        {
            var usage = ResourceLists.Empty();
            foreach (var name in evaluator.MatchingResources(counted))
            {
                usage[name] = Quantity.Zero;
            }
            foreach (var stored in count.Lists.GetValueOrDefault(type.Key) ?? [])
            {
                var obj = new KubeObject(stored.ToJsonObject());
                if (quota.Scopes.All(scope => evaluator.MatchesScope(scope, obj)))
                {
                    usage = ResourceLists.Add(usage, evaluator.Usage(obj, Now));
                }
            }
            observed = ResourceLists.Add(observed, usage);
        }
        var used = ResourceLists.Add(quota.StatusUsed, ResourceLists.Empty());
        foreach (var (name, value) in ResourceLists.Mask(observed, counted))
        {
            used[name] = value;
        }
        used = ResourceLists.Mask(used, hard);
        var dirty = !quota.HasStatusHard || !quota.HasStatusUsed || !ResourceLists.Equal(quota.SpecHard, quota.StatusHard) || !ResourceLists.Equal(used, quota.StatusUsed);
        if (dirty)
        {
            var updated = (System.Text.Json.Nodes.JsonObject)count.Quota.Object.Document.DeepClone();
            updated["status"] = new System.Text.Json.Nodes.JsonObject
            {
                ["hard"] = ResourceLists.ToJson(quota.SpecHard),
                ["used"] = ResourceLists.ToJson(used),
            };
            UpdateStatus(key, Quotas, updated);
        }
        if (count.Again)
        {
            Enqueue(key);
        }
    }

    /// <summary>
    /// The quota monitor's replenishment: a change to an object of a namespace with quotas recounts the quotas that track
    /// its resource when it was deleted, or when its usage or scopes changed. An added object was charged by admission,
    /// except under a quota whose limits the controller has not confirmed yet: that quota is recounted.
    /// </summary>
    private void Replenish(WatchEvent change)
    {
        var obj = change.Object;
        if (obj.Namespace is not { } ns || QuotaEvaluators.For(obj.Resource) is not { } evaluator)
        {
            return;
        }
        var tracking = Cache(Quotas).InNamespace(ns)
            .Select(q => (Cached: q, View: new QuotaView(q.Object)))
            .Where(q => evaluator.MatchingResources(q.View.SpecHard.Keys.Union(q.View.StatusHard.Keys)).Count > 0)
            .ToList();
        if (tracking.Count == 0)
        {
            return;
        }
        if (change.Type == WatchEventType.Added)
        {
            tracking = tracking.Where(q => !q.View.HasStatusHard || !ResourceLists.Equal(q.View.SpecHard, q.View.StatusHard)
                || q.View.SpecHard.Keys.Any(name => !q.View.StatusUsed.ContainsKey(name))).ToList();
        }
        else if (change.Type == WatchEventType.Modified && change.Previous is { } previous)
        {
            var before = new KubeObject(previous.ToJsonObject());
            var after = new KubeObject(obj.ToJsonObject());
            var usageChanged = !ResourceLists.Equal(evaluator.Usage(before, Now), evaluator.Usage(after, Now));
            tracking = tracking.Where(q => usageChanged
                || q.View.Scopes.Any(scope => evaluator.MatchesScope(scope, before) != evaluator.MatchesScope(scope, after))).ToList();
        }
        foreach (var (cached, _) in tracking)
        {
            Enqueue(KeyOf(Quotas, cached));
        }
    }

    /// <summary>Watches every change of the store for its parent.</summary>
    private sealed class ChangeFeed(IActorRef watchHub) : UntypedActor
    {
        protected override void PreStart() => watchHub.Tell(new StartWatch(null, null, 0, null, Self), Self);

        protected override void PostStop() => watchHub.Tell(new StopWatch(Self), Self);

        protected override void OnReceive(object message)
        {
            if (message is WatchEvent change)
            {
                Context.Parent.Tell(new ObjectChanged(change), Self);
            }
            else
            {
                Unhandled(message);
            }
        }
    }
}
