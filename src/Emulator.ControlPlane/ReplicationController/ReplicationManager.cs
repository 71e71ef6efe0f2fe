using Akka.Actor;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.ReplicationController;

/// <summary>
/// Kubernetes' replication manager (the <c>replicationcontroller</c> controller): the ReplicaSet controller's reconcile
/// over v1 ReplicationControllers. It keeps <c>spec.replicas</c> active pods, adopts and releases pods by the RC's
/// equality-based selector (defaulted from the template's labels), writes the same status (replicas,
/// fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration, ReplicaFailure) and records its events
/// as <c>replication-controller</c>.
/// </summary>
public sealed class ReplicationManager : ReplicaSetController
{
    /// <summary>The event source component.</summary>
    public new const string Component = "replication-controller";

    /// <summary>v1 ReplicationControllers: <c>spec.selector</c> is a plain label map, every pair must match.</summary>
    public static readonly ReplicatedKind ReplicationControllers =
        new(ResourceTypes.Of("", "replicationcontrollers"), "v1", "ReplicationController", Component, SelectorOf);

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    /// <param name="burstPause">The emulated time an RC waits after a burst of <see cref="ReplicaSetController.BurstReplicas"/> creations.</param>
    public ReplicationManager(IActorRef store, IActorRef watchHub, IActorRef events, TimeSpan? resync = null, TimeSpan burstPause = default)
        : base(ReplicationControllers, store, watchHub, events, resync, burstPause)
    {
    }

    // labels.SelectorFromSet(rc.Spec.Selector): validation refuses an empty one, and an empty one selects nothing here.
    private static LabelSelector SelectorOf(KubeObject rc) =>
        LabelSelector.FromSet(JsonTree.StringMap(JsonTree.Get(rc.Document, "spec", "selector")));
}
