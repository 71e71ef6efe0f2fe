using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.Validation;

namespace Emulator.ControlPlane.PriorityClass;

/// <summary>
/// The API server's <c>scheduling/bootstrap-system-priority-classes</c> hook: the system priority classes
/// <c>system-cluster-critical</c> (2000000000) and <c>system-node-critical</c> (2000001000) exist from the start, and
/// one that is deleted is created again.
/// </summary>
public sealed class SystemPriorityClassController : Controller
{
    /// <summary><c>scheduling.k8s.io/v1</c> PriorityClasses.</summary>
    public static readonly ResourceType PriorityClasses = ResourceTypes.Of("scheduling.k8s.io", "priorityclasses");

    // The descriptions Kubernetes gives them (pkg/apis/scheduling/types.go).
    private static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["system-cluster-critical"] = "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
        ["system-node-critical"] = "Used for system critical pods that must not be moved from their current node.",
    };

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public SystemPriorityClassController(IActorRef store, IActorRef watchHub, TimeSpan? resync = null)
        : base(store, watchHub, [PriorityClasses], resync)
    {
    }

    /// <inheritdoc />
    protected override void OnSynced()
    {
        // The classes to ensure are known up front: queue them even when none exists yet.
        foreach (var name in PolicyValidation.SystemPriorityClasses.Keys)
        {
            Enqueue(new ObjectKey(PriorityClasses.Key, null, name));
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (!PolicyValidation.SystemPriorityClasses.TryGetValue(key.Name, out var value) || Cache(PriorityClasses).Get(null, key.Name) is not null)
        {
            return;
        }
        CreateObject(key, PriorityClasses, new JsonObject
        {
            ["apiVersion"] = "scheduling.k8s.io/v1",
            ["kind"] = "PriorityClass",
            ["metadata"] = new JsonObject { ["name"] = key.Name },
            ["value"] = value,
            ["description"] = Descriptions[key.Name],
        });
    }
}
