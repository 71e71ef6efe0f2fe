using System.Text.Json.Nodes;

namespace Emulator.Chaos.Invariants;

/// <summary>What the cluster looked like at one step: the objects of the kinds the invariants read, every namespace.</summary>
/// <param name="Now">The emulated time of the observation.</param>
/// <param name="Elapsed">Emulated time since the experiment started.</param>
/// <param name="Objects">The objects by resource (<c>pods</c>, <c>nodes</c>, <c>deployments</c>, ...).</param>
public sealed record Observation(DateTimeOffset Now, TimeSpan Elapsed, IReadOnlyDictionary<string, IReadOnlyList<JsonObject>> Objects)
{
    /// <summary>The resources every observation lists.</summary>
    public static readonly string[] Resources = ["nodes", "pods", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs"];

    /// <summary>The objects of <paramref name="resource"/>.</summary>
    public IReadOnlyList<JsonObject> this[string resource] => Objects.TryGetValue(resource, out var items) ? items : [];

    /// <summary>The object of <paramref name="resource"/> named <paramref name="name"/> in <paramref name="ns"/>, if stored.</summary>
    public JsonObject? Find(string resource, string ns, string name) =>
        this[resource].FirstOrDefault(o => ObjectState.Name(o) == name && ObjectState.Namespace(o) == ns);
}

/// <summary>The first time an invariant did not hold, with what showed it.</summary>
/// <param name="Elapsed">Emulated time since the experiment started.</param>
/// <param name="Evidence">What was seen, in one line.</param>
public sealed record Violation(TimeSpan Elapsed, string Evidence);

/// <summary>A node stopped by a fault, with the pods it ran at that moment.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Elapsed">When it was stopped (emulated time since the start).</param>
/// <param name="Pods">The active pods bound to it then.</param>
public sealed record StoppedNode(string Node, TimeSpan Elapsed, IReadOnlyList<JsonObject> Pods);

/// <summary>
/// Something that must hold while faults happen (checked at every observation) and after they end (checked when the
/// cluster has converged or the settle time is over). Only the first violation is kept, as the report's evidence.
/// </summary>
public abstract class Invariant
{
    /// <summary>The invariant as the report names it (<c>replicas-converge deployment/web</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The first violation, or null while it holds.</summary>
    public Violation? FirstViolation { get; private set; }

    /// <summary>Looks at one observation during the run.</summary>
    public virtual void Observe(Observation observation)
    {
    }

    /// <summary>A node was stopped by a fault.</summary>
    public virtual void NodeStopped(StoppedNode stopped)
    {
    }

    /// <summary>A node stopped by a fault was started again (its process restarted, or the node itself).</summary>
    public virtual void NodeStarted(string node)
    {
    }

    /// <summary>True when the cluster, as far as this invariant sees, is where it should end up.</summary>
    public virtual bool IsConverged(Observation observation) => true;

    /// <summary>Checks the end state: <paramref name="last"/> is the final observation, <paramref name="convergedAfter"/> the time from the last fault to convergence (null: never).</summary>
    public virtual void Finish(Observation last, TimeSpan? convergedAfter)
    {
        if (convergedAfter is null && !IsConverged(last))
        {
            Violate(last.Elapsed, $"did not converge before the settle time ran out: {Describe(last)}");
        }
    }

    /// <summary>What the invariant sees in <paramref name="observation"/>, for the evidence of a violation.</summary>
    protected virtual string Describe(Observation observation) => "";

    /// <summary>Records a violation (the first one stays).</summary>
    protected void Violate(TimeSpan elapsed, string evidence) => FirstViolation ??= new Violation(elapsed, evidence);
}
