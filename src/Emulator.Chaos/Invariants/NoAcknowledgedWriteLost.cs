namespace Emulator.Chaos.Invariants;

/// <summary>
/// <c>no-acknowledged-write-lost</c>: the experiment writes a counter into a ledger ConfigMap at every step; every value
/// the API acknowledged must still be there (or a later one) whenever the ledger is read, and its resourceVersion never
/// goes backwards — across store restarts, journal delays and fail-overs.
/// </summary>
public sealed class NoAcknowledgedWriteLost : Invariant
{
    private long _acknowledged = -1;
    private long _acknowledgedVersion;
    private long _lastVersionSeen;

    /// <inheritdoc />
    public override string Name => "no-acknowledged-write-lost";

    /// <summary>How many writes were acknowledged.</summary>
    public long Acknowledged { get; private set; }

    /// <summary>A write of <paramref name="value"/> was acknowledged at <paramref name="resourceVersion"/>.</summary>
    public void Written(long value, long resourceVersion)
    {
        _acknowledged = value;
        _acknowledgedVersion = resourceVersion;
        Acknowledged++;
    }

    /// <summary>The ledger as read at <paramref name="elapsed"/> (null: not found).</summary>
    public void Read(TimeSpan elapsed, (long Value, long ResourceVersion)? ledger)
    {
        if (_acknowledged < 0)
        {
            return;
        }
        if (ledger is not { } stored)
        {
            Violate(elapsed, $"the ledger ConfigMap is gone; the last acknowledged write was value {_acknowledged} at resourceVersion {_acknowledgedVersion}");
            return;
        }
        if (stored.Value < _acknowledged)
        {
            Violate(elapsed, $"the ledger holds value {stored.Value} (resourceVersion {stored.ResourceVersion}) but value {_acknowledged} was acknowledged at resourceVersion {_acknowledgedVersion}");
        }
        if (stored.ResourceVersion < _lastVersionSeen)
        {
            Violate(elapsed, $"the ledger's resourceVersion went backwards: {stored.ResourceVersion} after {_lastVersionSeen}");
        }
        _lastVersionSeen = Math.Max(_lastVersionSeen, stored.ResourceVersion);
    }
}
