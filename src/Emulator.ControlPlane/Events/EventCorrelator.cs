namespace Emulator.ControlPlane.Events;

/// <summary>
/// client-go's event correlator, which every component's event recorder runs before it writes: similar events of one
/// object (same source, object, type and reason) with more than 10 different messages within 10 minutes are combined
/// into one Event (<c>(combined from similar events): </c> and the latest message, its count bumped), and a source may
/// write 25 events about one object, then one every 5 minutes (a token bucket per source and object). A controller
/// that creates 10,000 pods therefore leaves a few Events on its ReplicaSet, not 10,000.
/// </summary>
internal sealed class EventCorrelator
{
    /// <summary>client-go's <c>defaultAggregateMaxEvents</c>.</summary>
    public const int AggregateMaxEvents = 10;

    /// <summary>client-go's <c>defaultSpamBurst</c>.</summary>
    public const int SpamBurst = 25;

    /// <summary>client-go's <c>defaultAggregateIntervalInSeconds</c>.</summary>
    public static readonly TimeSpan AggregateInterval = TimeSpan.FromSeconds(600);

    /// <summary>client-go's <c>defaultSpamQPS</c>: one event every 5 minutes once the burst is spent.</summary>
    public static readonly TimeSpan SpamRefill = TimeSpan.FromSeconds(300);

    private const string CombinedPrefix = "(combined from similar events): ";

    // client-go keeps both in LRU caches of maxLruCacheEntries (4096).
    private readonly RecentlyUsed<Similar> _similar = new(4096);
    private readonly RecentlyUsed<Budget> _budgets = new(4096);

    private sealed class Similar
    {
        public HashSet<string> Messages { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset Last { get; set; }
    }

    private sealed class Budget
    {
        public double Tokens { get; set; } = SpamBurst;

        public DateTimeOffset Refilled { get; set; }
    }

    /// <summary>
    /// The event to record and the key that identifies it among those already recorded: the event itself, or — once
    /// its group has had <see cref="AggregateMaxEvents"/> different messages within the interval — the combined one.
    /// </summary>
    public (RecordEvent Event, string Key) Aggregate(RecordEvent record, DateTimeOffset now)
    {
        var group = GroupKey(record);
        var similar = _similar.Get(group);
        if (similar is null || now - similar.Last > AggregateInterval)
        {
            similar = new Similar();
        }
        similar.Messages.Add(record.Message);
        similar.Last = now;
        _similar.Put(group, similar);
        if (similar.Messages.Count < AggregateMaxEvents)
        {
            return (record, EventKey(record));
        }
        // The set does not grow past the maximum (client-go pops any one).
        similar.Messages.Remove(similar.Messages.First());
        return (record with { Message = CombinedPrefix + record.Message }, group);
    }

    /// <summary>True when the event's source still has budget for events about its object (taking one).</summary>
    public bool Allows(RecordEvent record, DateTimeOffset now)
    {
        var key = SpamKey(record);
        var budget = _budgets.Get(key) ?? new Budget { Refilled = now };
        budget.Tokens = Math.Min(SpamBurst, budget.Tokens + ((now - budget.Refilled) / SpamRefill));
        budget.Refilled = now;
        _budgets.Put(key, budget);
        if (budget.Tokens < 1)
        {
            return false;
        }
        budget.Tokens--;
        return true;
    }

    /// <summary>client-go's <c>getEventKey</c>: what makes two events the same event.</summary>
    public static string EventKey(RecordEvent record) =>
        string.Join('\u0001', SpamKey(record), record.Object.FieldPath, record.Type, record.Reason, record.Message);

    // client-go's EventAggregatorByReasonFunc (the reporting controller and instance are the component and host here).
    private static string GroupKey(RecordEvent record) => string.Join('\u0001', SpamKey(record), record.Type, record.Reason, "aggregate");

    // client-go's getSpamKey: the source and the object.
    private static string SpamKey(RecordEvent record) =>
        string.Join('\u0001', record.Component, record.Host, record.Object.Kind, record.Object.Namespace, record.Object.Name, record.Object.Uid, record.Object.ApiVersion);
}
