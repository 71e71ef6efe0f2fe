using System.Text.Json.Nodes;

namespace Emulator.Chaos.Invariants;

/// <summary>
/// <c>statefulset-ordered NAME</c>: with the OrderedReady policy (the default), pod N is created only while pods 0..N-1
/// are Running and Ready. Checked at each new pod: its creation time must fall inside a ready interval of every lower
/// ordinal, as the observations saw them (an interval ends at the first observation that no longer sees it ready).
/// </summary>
public sealed class StatefulSetOrdered(string name) : Invariant
{
    private readonly HashSet<string> _known = [];
    // Per pod uid: its ordinal and the time it was seen ready from and until (null: still ready).
    private readonly Dictionary<string, (int Ordinal, DateTimeOffset From, DateTimeOffset? Until)> _ready = [];

    /// <inheritdoc />
    public override string Name => $"statefulset-ordered {name}";

    /// <inheritdoc />
    public override void Observe(Observation observation)
    {
        if (observation.Find("statefulsets", "default", name) is { } set && set["spec"]?["podManagementPolicy"]?.GetValue<string>() == "Parallel")
        {
            return;
        }
        var pods = observation["pods"].Where(p => ObjectState.ControllerOf(p, "StatefulSet") == name && ObjectState.Ordinal(p) >= 0).ToArray();
        foreach (var (uid, interval) in _ready.Where(r => r.Value.Until is null).ToArray())
        {
            var pod = pods.FirstOrDefault(p => ObjectState.Uid(p) == uid);
            if (pod is null || ObjectState.ReadySince(pod) is null)
            {
                _ready[uid] = interval with { Until = observation.Now };
            }
        }
        foreach (var pod in pods.OrderBy(ObjectState.Ordinal))
        {
            var uid = ObjectState.Uid(pod);
            if (_known.Add(uid))
            {
                CheckCreation(pod, observation);
            }
            if (ObjectState.ReadySince(pod) is { } since && (!_ready.TryGetValue(uid, out var interval) || interval.Until is not null))
            {
                _ready[uid] = (ObjectState.Ordinal(pod), since, null);
            }
        }
    }

    private void CheckCreation(JsonObject pod, Observation observation)
    {
        if (ObjectState.CreatedAt(pod) is not { } created)
        {
            return;
        }
        var ordinal = ObjectState.Ordinal(pod);
        for (var lower = 0; lower < ordinal; lower++)
        {
            if (!_ready.Values.Any(r => r.Ordinal == lower && r.From <= created && (r.Until is null || r.Until >= created)))
            {
                Violate(observation.Elapsed, $"pod {ObjectState.Name(pod)} was created at {created:O} while {name}-{lower} was not Running and Ready");
                return;
            }
        }
    }
}
