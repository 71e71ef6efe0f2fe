using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.DaemonSet;

/// <summary>
/// The DaemonSet controller's back-off for deleting failed daemon pods (client-go's <c>flowcontrol.Backoff</c> with
/// 1 s initial and 15 min cap), per DaemonSet, generation and node, on emulated time: a kubelet that keeps rejecting
/// a pod (say, out of a resource) must not make the controller create and delete pods in a hot loop.
/// </summary>
internal sealed class FailedPodBackoff
{
    /// <summary>The first delay.</summary>
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(15);

    private readonly Dictionary<(ObjectKey Owner, long Generation, string Node), (TimeSpan Delay, DateTimeOffset LastUpdate)> _entries = [];

    /// <summary>The entry key: a new DaemonSet generation starts a fresh back-off (Kubernetes keys it with observedGeneration).</summary>
    public static (ObjectKey, long, string) Key(ObjectKey owner, long generation, string node) => (owner, generation, node);

    /// <summary><c>IsInBackOffSinceUpdate</c>: less than the current delay since the last failure (an entry idle past twice the cap has expired).</summary>
    public bool IsInBackOff((ObjectKey, long, string) key, DateTimeOffset now) =>
        _entries.TryGetValue(key, out var entry) && !Expired(entry.LastUpdate, now) && now - entry.LastUpdate < entry.Delay;

    /// <summary>The current delay of an entry (zero when none).</summary>
    public TimeSpan Delay((ObjectKey, long, string) key) => _entries.TryGetValue(key, out var entry) ? entry.Delay : TimeSpan.Zero;

    /// <summary>When an entry's back-off ends (null when none).</summary>
    public DateTimeOffset? Until((ObjectKey, long, string) key) => _entries.TryGetValue(key, out var entry) ? entry.LastUpdate + entry.Delay : null;

    /// <summary><c>Next</c>: a new failure: the delay starts at <see cref="Initial"/> (or after expiry), else doubles up to <see cref="Max"/>.</summary>
    public void Next((ObjectKey, long, string) key, DateTimeOffset now)
    {
        var delay = _entries.TryGetValue(key, out var entry) && !Expired(entry.LastUpdate, now)
            ? TimeSpan.FromTicks(Math.Min(entry.Delay.Ticks * 2, Max.Ticks))
            : Initial;
        _entries[key] = (delay, now);
    }

    /// <summary><c>GC</c>: forgets entries idle for more than twice the cap.</summary>
    public void Collect(DateTimeOffset now)
    {
        foreach (var key in _entries.Where(e => Expired(e.Value.LastUpdate, now)).Select(e => e.Key).ToArray())
        {
            _entries.Remove(key);
        }
    }

    /// <summary>Forgets every entry of a deleted DaemonSet.</summary>
    public void ForgetOwner(ObjectKey owner)
    {
        foreach (var key in _entries.Keys.Where(k => k.Owner == owner).ToArray())
        {
            _entries.Remove(key);
        }
    }

    private static bool Expired(DateTimeOffset lastUpdate, DateTimeOffset now) => now - lastUpdate > Max * 2;
}
