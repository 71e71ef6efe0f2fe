namespace Emulator.Chaos.Invariants;

/// <summary><c>job-parallelism NAME</c>: the Job never has more active pods than its <c>spec.parallelism</c>.</summary>
public sealed class JobParallelism(string name) : Invariant
{
    /// <inheritdoc />
    public override string Name => $"job-parallelism {name}";

    /// <inheritdoc />
    public override void Observe(Observation observation)
    {
        if (observation.Find("jobs", "default", name) is not { } job)
        {
            return;
        }
        var parallelism = ObjectState.Int(job, "spec", "parallelism", 1);
        // Terminating pods do not count: the Job controller replaces them at once (podReplacementPolicy TerminatingOrFailed).
        var active = observation["pods"].Where(p => ObjectState.ControllerOf(p, "Job") == name && ObjectState.IsActive(p)).Select(ObjectState.Name).Order(StringComparer.Ordinal).ToArray();
        if (active.Length > parallelism)
        {
            Violate(observation.Elapsed, $"Job {name} has {active.Length} active pods with parallelism {parallelism}: {string.Join(", ", active)}");
        }
    }
}
