using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.History;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.DaemonSet;

public sealed partial class DaemonSetController
{
    private static readonly TimeSpan CreateRetry = TimeSpan.FromSeconds(5);

    private readonly FailedPodBackoff _failedPodsBackoff = new();

    // Slow start per DaemonSet: the next batch of creations (1, 2, 4… up to BurstReplicas), and after a failed
    // creation, when creating may resume.
    private readonly Dictionary<ObjectKey, (int Batch, DateTimeOffset? RetryAt)> _slowStart = [];

    private sealed record PodCreate(KubeObject DaemonSet);

    private sealed record PodDelete(KubeObject DaemonSet, string Pod);

    /// <summary>
    /// Kubernetes' <c>manage</c>: for every node, creates the missing pod, deletes pods of nodes that no longer
    /// qualify, failed pods (with back-off) and duplicates; deletes unscheduled pods meant for nodes that are gone
    /// (pod GC never sees them: they are bound to nothing).
    /// </summary>
    private void Manage(ObjectKey key, KubeObject ds, IReadOnlyDictionary<string, Eligibility> eligibility, Dictionary<string, List<KubeObject>> nodeToPods, string hash)
    {
        var nodesNeedingPods = new List<string>();
        var podsToDelete = new List<KubeObject>();
        foreach (var (node, eligible) in eligibility)
        {
            PodsShouldBeOnNode(key, ds, node, eligible, nodeToPods, hash, nodesNeedingPods, podsToDelete);
        }
        foreach (var (node, pods) in nodeToPods)
        {
            if (!eligibility.ContainsKey(node))
            {
                podsToDelete.AddRange(pods.Where(p => p.DeletionTimestamp is null && string.IsNullOrEmpty(new PodView(p).NodeName)));
            }
        }
        SyncNodes(key, ds, podsToDelete, nodesNeedingPods, hash);
    }

    private void PodsShouldBeOnNode(ObjectKey key, KubeObject ds, string node, Eligibility eligible, Dictionary<string, List<KubeObject>> nodeToPods,
        string hash, List<string> nodesNeedingPods, List<KubeObject> podsToDelete)
    {
        var exists = nodeToPods.TryGetValue(node, out var daemonPods);
        if (eligible.ShouldRun && !exists)
        {
            nodesNeedingPods.Add(node);
            return;
        }
        if (!exists)
        {
            return;
        }
        if (!eligible.ShouldContinueRunning)
        {
            podsToDelete.AddRange(daemonPods!.Where(p => p.DeletionTimestamp is null));
            return;
        }
        var running = new List<KubeObject>();
        foreach (var pod in daemonPods!)
        {
            if (pod.DeletionTimestamp is not null)
            {
                continue;
            }
            switch (new PodView(pod).Phase)
            {
                case "Failed":
                    // The kubelet keeps rejecting the pod (or it crashed out): delete it so a new one is made, but back
                    // off per node so the controller does not fight the kubelet in a hot loop.
                    var backoffKey = FailedPodBackoff.Key(key, new WorkloadView(ds).ObservedGeneration, node);
                    if (_failedPodsBackoff.IsInBackOff(backoffKey, Now))
                    {
                        EnqueueAfter(key, _failedPodsBackoff.Until(backoffKey)!.Value - Now);
                        continue;
                    }
                    _failedPodsBackoff.Next(backoffKey, Now);
                    Event(ds, "Warning", "FailedDaemonPod", $"Found failed daemon pod {pod.Namespace}/{pod.Name} on node {node}, will try to kill it");
                    podsToDelete.Add(pod);
                    break;
                case "Succeeded":
                    podsToDelete.Add(pod);
                    break;
                default:
                    running.Add(pod);
                    break;
            }
        }
        if (!AllowsSurge(ds))
        {
            // More than one pod on the node: keep the oldest.
            podsToDelete.AddRange(running.Skip(1));
            return;
        }
        if (running.Count <= 1)
        {
            if (running.Count == 0 && eligible.ShouldRun)
            {
                // Surging needs at least one live pod on the node.
                nodesNeedingPods.Add(node);
            }
            return;
        }
        // Surge allows an old and a new pod side by side: keep the oldest of each, and drop the old one once it is
        // not ready or the new one is available.
        KubeObject? oldestNew = null;
        KubeObject? oldestOld = null;
        foreach (var pod in running)
        {
            if (pod.Labels.GetValueOrDefault(ControllerHistory.HashLabel) == hash)
            {
                if (oldestNew is null)
                {
                    oldestNew = pod;
                    continue;
                }
            }
            else if (oldestOld is null)
            {
                oldestOld = pod;
                continue;
            }
            podsToDelete.Add(pod);
        }
        if (oldestNew is not null && oldestOld is not null
            && (!PodState.IsReady(oldestOld) || DaemonPods.IsAvailable(oldestNew, new WorkloadView(ds).MinReadySeconds, Now)))
        {
            podsToDelete.Add(oldestOld);
        }
    }

    /// <summary>
    /// Kubernetes' <c>syncNodes</c>: creates pods for the nodes (at most <see cref="BurstReplicas"/>, in slow-start
    /// batches 1, 2, 4… one batch per pass, pausing after a failure) and deletes the given pods.
    /// </summary>
    private void SyncNodes(ObjectKey key, KubeObject ds, List<KubeObject> podsToDelete, List<string> nodesNeedingPods, string hash)
    {
        if (nodesNeedingPods.Count > 0)
        {
            var (batch, retryAt) = _slowStart.GetValueOrDefault(key, (1, null));
            if (retryAt is { } at && at > Now)
            {
                EnqueueAfter(key, at - Now);
            }
            else
            {
                var count = Math.Min(Math.Min(nodesNeedingPods.Count, batch), BurstReplicas);
                var template = PodTemplate(ds, hash);
                foreach (var node in nodesNeedingPods.Take(count))
                {
                    CreateObject(key, Pods, NewPod(ds, template, node), new PodCreate(ds));
                }
                _slowStart[key] = (Math.Min(batch * 2, BurstReplicas), null);
            }
        }
        else
        {
            _slowStart.Remove(key);
        }
        foreach (var pod in podsToDelete.DistinctBy(p => p.Name).Take(BurstReplicas))
        {
            DeleteObject(key, Pods, pod.Namespace, pod.Name ?? "", pod.Uid, state: new PodDelete(ds, pod.Name ?? ""));
        }
    }

    private void PodCreated(ObjectKey key, PodCreate create, StoreReply reply)
    {
        if (reply is { IsSuccess: true, Object: { } pod })
        {
            Event(create.DaemonSet, "Normal", "SuccessfulCreate", $"Created pod: {pod.Name}");
            return;
        }
        var message = reply.Error?.Message ?? "unknown error";
        // A failed creation ends the slow start: the next attempt starts again at one pod, after a pause.
        _slowStart[key] = (1, Now + CreateRetry);
        Event(create.DaemonSet, "Warning", "FailedCreate", $"Error creating: {message}");
    }

    /// <summary>
    /// Kubernetes' <c>CreatePodTemplate</c>: the DaemonSet's template with the daemon tolerations and the labels
    /// <c>controller-revision-hash</c> and (when the DaemonSet has a template generation) <c>pod-template-generation</c>.
    /// </summary>
    private static JsonObject PodTemplate(KubeObject ds, string hash)
    {
        var template = JsonTree.GetObject(ds.Document, "spec", "template")?.DeepClone() as JsonObject ?? [];
        DaemonPods.AddDaemonTolerations(JsonTree.Ensure(template, "spec"));
        var labels = JsonTree.Ensure(template, "metadata", "labels");
        if (DaemonPods.TemplateGeneration(ds) is { } generation)
        {
            labels[DaemonPods.TemplateGenerationLabel] = generation.ToString(CultureInfo.InvariantCulture);
        }
        if (hash.Length > 0)
        {
            labels[ControllerHistory.HashLabel] = hash;
        }
        return template;
    }

    /// <summary>A pod for one node (<c>GetPodFromTemplate</c> + node affinity pin): name <c>&lt;ds&gt;-&lt;5 random&gt;</c>.</summary>
    private static JsonObject NewPod(KubeObject ds, JsonObject template, string node)
    {
        var metadata = new JsonObject
        {
            ["generateName"] = ds.Name + "-",
            ["namespace"] = ds.Namespace,
        };
        foreach (var field in new[] { "labels", "annotations", "finalizers" })
        {
            if (JsonTree.Get(template, "metadata", field) is { } value)
            {
                metadata[field] = value.DeepClone();
            }
        }
        metadata["ownerReferences"] = new JsonArray(OwnerReferenceTo(ds).ToJson());
        var spec = template["spec"]?.DeepClone() as JsonObject ?? [];
        DaemonPods.PinToNode(spec, node);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = spec,
        };
    }
}
