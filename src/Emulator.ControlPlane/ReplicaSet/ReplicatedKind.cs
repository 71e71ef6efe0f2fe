using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.ReplicaSet;

/// <summary>
/// The kind a <see cref="ReplicaSetController"/> keeps replicas of. Kubernetes runs one reconcile for ReplicaSets and
/// ReplicationControllers: the replication manager is the ReplicaSet controller given the v1 ReplicationController
/// kind, its own event source, and adapters that read the RC's equality-based selector.
/// </summary>
/// <param name="Type">The stored resource type.</param>
/// <param name="ApiVersion">The apiVersion of the controller references its pods carry.</param>
/// <param name="Kind">The kind of those references.</param>
/// <param name="Component">The event source component.</param>
/// <param name="Selector">The object's pod selector.</param>
public sealed record ReplicatedKind(ResourceType Type, string ApiVersion, string Kind, string Component, Func<KubeObject, LabelSelector> Selector)
{
    /// <summary>apps/v1 ReplicaSets: <c>spec.selector</c> is a LabelSelector (matchLabels and matchExpressions).</summary>
    public static readonly ReplicatedKind ReplicaSet =
        new(ResourceTypes.ReplicaSets, "apps/v1", "ReplicaSet", "replicaset-controller", rs => new WorkloadView(rs).Selector);

    /// <summary>
    /// True when the object's selector selects <paramref name="pod"/>; an empty or invalid selector selects nothing
    /// (a controller never adopts every pod of a namespace).
    /// </summary>
    public bool Selects(KubeObject owner, KubeObject pod)
    {
        try
        {
            var selector = Selector(owner);
            return !selector.IsEmpty && selector.Matches(pod);
        }
        catch (SelectorParseException)
        {
            return false;
        }
    }
}
