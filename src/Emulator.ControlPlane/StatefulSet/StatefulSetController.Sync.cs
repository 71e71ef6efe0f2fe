using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.StatefulSet;

public sealed partial class StatefulSetController
{
    /// <summary>
    /// Kubernetes' <c>updateStatefulSet</c>, one step per pass (the replies of its writes queue the next): replace
    /// finished pods; create missing pods (claims first) in ordinal order; under OrderedReady stop at the first pod not
    /// yet Running and Ready (for minReadySeconds) or terminating; delete condemned pods from the highest ordinal, one at
    /// a time and only when all are healthy; then roll pods not at the update revision, highest ordinal first, down to the
    /// partition, waiting for each to be healthy again.
    /// </summary>
    private void Sync(ObjectKey key, KubeObject set, SetRevisions revisions, List<KubeObject> pods)
    {
        var start = StartOrdinal(set);
        var count = Replicas(set);
        var monotonic = JsonTree.GetString(set.Document, "spec", "podManagementPolicy") != "Parallel";
        var minReady = new WorkloadView(set).MinReadySeconds;
        var replicas = new KubeObject?[count];
        var condemned = new List<(int Ordinal, KubeObject Pod)>();
        foreach (var pod in pods)
        {
            if (OrdinalOf(set, pod) is not { } ordinal)
            {
                continue;
            }
            if (ordinal >= start && ordinal < start + count)
            {
                replicas[ordinal - start] = pod;
            }
            else
            {
                condemned.Add((ordinal, pod));
            }
        }
        condemned.Sort((a, b) => a.Ordinal.CompareTo(b.Ordinal));
        var firstUnhealthy = replicas.OfType<KubeObject>().Concat(condemned.Select(c => c.Pod)).FirstOrDefault(p => !IsHealthy(p));

        // The claims' owner references follow the retention policy before any pod is deleted, so that the garbage
        // collector removes exactly the claims the policy gives up.
        if (UpdateClaimOwnership(key, set, replicas, condemned))
        {
            return;
        }

        for (var i = 0; i < count; i++)
        {
            var ordinal = start + i;
            var pod = replicas[i];
            if (pod is not null && IsFinished(pod) && !IsTerminating(pod))
            {
                // A Failed or Succeeded pod is deleted and made again (as it would not restart by itself).
                Event(set, "Warning", new PodView(pod).Phase == "Failed" ? "RecreatingFailedPod" : "RecreatingTerminatedPod",
                    $"StatefulSet {set.Namespace}/{set.Name} is recreating {(new PodView(pod).Phase == "Failed" ? "failed" : "terminated")} Pod {pod.Name}");
                DeletePod(key, set, pod);
                return;
            }
            if (pod is null)
            {
                if (!EnsureClaims(key, set, ordinal))
                {
                    // Claims are being made (or one of them is terminating): the pod waits for them.
                    if (monotonic)
                    {
                        return;
                    }
                    continue;
                }
                var atCurrent = PodAtCurrentRevision(set, revisions, ordinal);
                var revision = atCurrent ? revisions.Current : revisions.Update;
                var template = revision == revisions.Update ? JsonTree.GetObject(set.Document, "spec", "template") ?? [] : TemplateOf(revision);
                var name = PodName(set, ordinal);
                CreateObject(key, Pods, NewPod(set, template, revision.Name ?? "", ordinal), new PodWrite(set, "Create", name));
                if (monotonic)
                {
                    return;
                }
                continue;
            }
            if (IsTerminating(pod))
            {
                if (monotonic)
                {
                    return;
                }
                continue;
            }
            if (monotonic && !IsRunningAndReady(pod))
            {
                return;
            }
            if (monotonic && !IsAvailable(pod, minReady, Now))
            {
                WakeWhenAvailable(key, pod, minReady);
                return;
            }
            if (!IdentityLabelsMatch(pod, ordinal))
            {
                UpdateObject(key, Pods, WithIdentityLabels(pod, ordinal), new PodWrite(set, "Update", pod.Name ?? ""));
                return;
            }
            // A claim deleted under a running pod is made again (the pod keeps its name for it).
            EnsureClaims(key, set, ordinal);
        }

        for (var target = condemned.Count - 1; target >= 0; target--)
        {
            var pod = condemned[target].Pod;
            if (IsTerminating(pod))
            {
                if (monotonic)
                {
                    return;
                }
                continue;
            }
            if (monotonic && !IsRunningAndReady(pod) && pod != firstUnhealthy)
            {
                return;
            }
            DeletePod(key, set, pod);
            if (monotonic)
            {
                return;
            }
        }

        if (JsonTree.GetString(set.Document, "spec", "updateStrategy", "type") != "RollingUpdate")
        {
            return;
        }
        var partition = (int)(JsonTree.GetInt(set.Document, "spec", "updateStrategy", "rollingUpdate", "partition") ?? 0);
        for (var target = count - 1; target >= Math.Max(partition, 0); target--)
        {
            if (replicas[target] is not { } pod)
            {
                return;
            }
            if (Revision(pod) != revisions.Update.Name && !IsTerminating(pod))
            {
                DeletePod(key, set, pod);
                return;
            }
            if (!IsHealthy(pod))
            {
                return;
            }
            if (!IsAvailable(pod, minReady, Now))
            {
                WakeWhenAvailable(key, pod, minReady);
                return;
            }
        }
    }

    /// <summary>
    /// Kubernetes' <c>newVersionedStatefulSetPod</c> choice: under RollingUpdate, ordinals below the partition are made
    /// at the current revision (so a partitioned rollout leaves them alone); everything else at the update revision.
    /// </summary>
    private static bool PodAtCurrentRevision(KubeObject set, SetRevisions revisions, int ordinal) =>
        revisions.Current != revisions.Update
        && JsonTree.GetString(set.Document, "spec", "updateStrategy", "type") == "RollingUpdate"
        && ordinal < StartOrdinal(set) + (JsonTree.GetInt(set.Document, "spec", "updateStrategy", "rollingUpdate", "partition") ?? 0);

    private void DeletePod(ObjectKey key, KubeObject set, KubeObject pod) =>
        DeleteObject(key, Pods, pod.Namespace, pod.Name ?? "", pod.Uid, state: new PodWrite(set, "Delete", pod.Name ?? ""));

    private void WakeWhenAvailable(ObjectKey key, KubeObject pod, int minReadySeconds)
    {
        if (ReplicaSet.PodState.AvailableAt(pod, minReadySeconds, Now) is { } at)
        {
            EnqueueAfter(key, at - Now + TimeSpan.FromSeconds(1));
        }
    }
}
