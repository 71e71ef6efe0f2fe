using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Disruption;

// How many pods a budget expects and how many must stay healthy (getExpectedPodCount, getExpectedScale and the
// controller finders).
public sealed partial class DisruptionController
{
    private static readonly ResourceType ReplicaSets = ResourceTypes.ReplicaSets;
    private static readonly ResourceType Deployments = ResourceTypes.Deployments;
    private static readonly ResourceType StatefulSets = ResourceTypes.Of("apps", "statefulsets");
    private static readonly ResourceType ReplicationControllers = ResourceTypes.Of("", "replicationcontrollers");

    /// <summary>Why the expected pods could not be counted (the budget then fails safe).</summary>
    private sealed class ExpectedPodsException(string message) : Exception(message);

    /// <summary>
    /// <c>getExpectedPodCount</c>. An integer minAvailable counts the selected pods as expected; a percentage
    /// minAvailable and any maxUnavailable take the summed scale of the pods' controllers (percentages rounded up), and
    /// desiredHealthy is minAvailable, or expected − maxUnavailable (not below 0). Pods without a controller are
    /// returned as unmanaged (left out of the scale); neither field set expects nothing.
    /// </summary>
    private (int Expected, int Desired, List<string> Unmanaged) ExpectedPodCount(KubeObject budget, List<KubeObject> pods)
    {
        var spec = budget.Spec;
        if (spec?["maxUnavailable"] is { } maxUnavailable)
        {
            var (expected, unmanaged) = ExpectedScale(pods);
            var desired = Math.Max(0, expected - IntOrPercent.Resolve(maxUnavailable, expected, roundUp: true));
            return (expected, desired, unmanaged);
        }
        if (spec?["minAvailable"] is { } minAvailable)
        {
            if (JsonTree.AsInt(minAvailable) is { } count)
            {
                return (pods.Count, (int)count, []);
            }
            var (expected, unmanaged) = ExpectedScale(pods);
            return (expected, IntOrPercent.Resolve(minAvailable, expected, roundUp: true), unmanaged);
        }
        return (0, 0, []);
    }

    /// <summary>
    /// <c>getExpectedScale</c>: the sum of the scales of the controllers of the pods, each controller once. A pod whose
    /// controller cannot be found fails the count.
    /// </summary>
    private (int Expected, List<string> Unmanaged) ExpectedScale(List<KubeObject> pods)
    {
        var scales = new Dictionary<string, int>(StringComparer.Ordinal);
        var unmanaged = new List<string>();
        foreach (var pod in pods)
        {
            if (pod.ControllerReference is not { } owner)
            {
                unmanaged.Add(pod.Name ?? "");
                continue;
            }
            if (scales.ContainsKey(owner.Uid))
            {
                continue;
            }
            var found = ControllerScale(owner, pod.Namespace ?? "")
                ?? throw new ExpectedPodsException($"found no controllers for pod \"{pod.Name}\"");
            scales[found.Uid] = found.Scale;
        }
        return (scales.Values.Sum(), unmanaged);
    }

    /// <summary>
    /// The finders in Kubernetes' order: a ReplicationController; the Deployment of a ReplicaSet; a ReplicaSet no
    /// Deployment controls; a StatefulSet; then any kind's <c>scale</c> subresource — which the other built-in kinds do
    /// not have (<c>daemonsets.apps does not implement the scale subresource</c>).
    /// </summary>
    private (string Uid, int Scale)? ControllerScale(OwnerReference owner, string ns)
    {
        var group = GroupVersionKind.SplitApiVersion(owner.ApiVersion).Group;
        if (owner.Kind == "ReplicationController" && group == "")
        {
            return Scaled(ReplicationControllers, ns, owner.Name, owner.Uid);
        }
        if (owner.Kind == "ReplicaSet" && group is "apps" or "extensions"
            && Cache(ReplicaSets).Get(ns, owner.Name)?.Object is { } replicaSet && replicaSet.Uid == owner.Uid)
        {
            if (replicaSet.ControllerReference is not { Kind: "Deployment" } deployment)
            {
                return (replicaSet.Uid!, new WorkloadView(replicaSet).Replicas);
            }
            if (GroupVersionKind.SplitApiVersion(deployment.ApiVersion).Group is "apps" or "extensions"
                && Scaled(Deployments, ns, deployment.Name, deployment.Uid) is { } scaled)
            {
                return scaled;
            }
        }
        if (owner.Kind == "StatefulSet" && group == "apps")
        {
            return Scaled(StatefulSets, ns, owner.Name, owner.Uid);
        }
        // getScaleController: the owner's scale subresource.
        if (!KindRegistry.Default.TryResolve(owner.ApiVersion, owner.Kind, out var kind))
        {
            throw new ExpectedPodsException($"no matches for kind \"{owner.Kind}\" in version \"{owner.ApiVersion}\"");
        }
        if (!kind.Subresources.Contains("scale"))
        {
            throw new ExpectedPodsException($"{kind.QualifiedResource} does not implement the scale subresource");
        }
        // A ReplicaSet whose Deployment is gone answers with its own scale.
        var type = ResourceTypes.Of(kind);
        return type.Key is var k && (k == ReplicaSets.Key || k == Deployments.Key || k == StatefulSets.Key || k == ReplicationControllers.Key)
            ? Scaled(type, ns, owner.Name, owner.Uid)
            : null;
    }

    private (string Uid, int Scale)? Scaled(ResourceType type, string ns, string name, string uid) =>
        Cache(type).Get(ns, name)?.Object is { } workload && workload.Uid == uid ? (uid, new WorkloadView(workload).Replicas) : null;
}
