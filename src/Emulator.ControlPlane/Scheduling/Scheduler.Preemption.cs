using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>
/// The DefaultPreemption post-filter: when a pod fits nowhere, find the nodes where evicting pods of lower priority
/// would make it fit, keep as many of those pods as still lets it fit (reprieving the most important first), pick the
/// node whose victims matter least, mark the victims (<c>DisruptionTarget</c>, <c>PreemptionByScheduler</c>) and delete
/// them, and nominate the node (<c>status.nominatedNodeName</c>), which then holds the room for the pod against pods of
/// lower or equal priority until it is bound.
/// </summary>
public sealed partial class Scheduler
{
    // Pods that preempted others, with the node they were nominated to and their priority.
    private readonly Dictionary<ObjectKey, (string Node, KubeObject Pod, long Priority)> _nominated = [];

    /// <summary>What preemption did for one pod that fits nowhere.</summary>
    private abstract record PreemptionOutcome
    {
        /// <summary>Victims are being deleted; the pod waits for the node.</summary>
        public sealed record Nominated(string Node) : PreemptionOutcome;

        /// <summary>The pod may not preempt (the post-filter's message, after <c>preemption: </c>).</summary>
        public sealed record NotEligible(string Message) : PreemptionOutcome;

        /// <summary>No node would fit even without every lower-priority pod.</summary>
        public sealed record NoCandidates : PreemptionOutcome;
    }

    private static long PriorityOf(KubeObject pod) => JsonTree.GetInt(pod.Document, "spec", "priority") ?? 0;

    /// <summary>
    /// The nodes as the pod must see them: each with the pods nominated to it of at least the pod's priority (other than
    /// the pod itself), whose room is promised (addGENominatedPods).
    /// </summary>
    private IReadOnlyList<NodeInfo> WithNominatedPods(ObjectKey key, KubeObject pod, IReadOnlyList<NodeInfo> nodes)
    {
        var priority = PriorityOf(pod);
        var promised = _nominated.Where(n => !n.Key.Equals(key) && n.Value.Priority >= priority).ToLookup(n => n.Value.Node, n => n.Value.Pod, StringComparer.Ordinal);
        if (promised.Count == 0)
        {
            return nodes;
        }
        return [.. nodes.Select(node => promised[node.Name].Any() ? Copy(node, node.Pods.Concat(promised[node.Name])) : node)];
    }

    private static NodeInfo Copy(NodeInfo node, IEnumerable<KubeObject> pods)
    {
        var copy = new NodeInfo(node.Node);
        foreach (var pod in pods)
        {
            copy.Add(pod);
        }
        return copy;
    }

    /// <summary>
    /// PostFilter: nodes that failed only for reasons preemption can resolve are candidates; on each, the pods of lower
    /// priority are removed, and if the pod then fits, put back one by one (highest priority, then oldest, first) as long
    /// as it still fits. The node chosen has the lowest highest-victim priority, then the lowest priority sum, the fewest
    /// victims, the latest-started most important victim, then the first name.
    /// </summary>
    private PreemptionOutcome Preempt(ObjectKey key, KubeObject pod, IReadOnlyList<NodeInfo> nodes,
        IReadOnlyList<(NodeInfo Node, IReadOnlyList<FilterFailure> Failures)> failed, PodVolumes? volumes)
    {
        if (JsonTree.GetString(pod.Document, "spec", "preemptionPolicy") == "Never")
        {
            return new PreemptionOutcome.NotEligible("not eligible due to preemptionPolicy=Never.");
        }
        var priority = PriorityOf(pod);
        if (_nominated.TryGetValue(key, out var nominated)
            && nodes.FirstOrDefault(n => n.Name == nominated.Node) is { } nominatedNode
            && nominatedNode.Pods.Any(p => p.DeletionTimestamp is not null && PriorityOf(p) < priority))
        {
            // Its victims are still terminating: preempting more would take pods for room already being freed.
            return new PreemptionOutcome.NotEligible("not eligible due to a terminating pod on the nominated node.");
        }
        var usage = PodUsage.Of(pod);
        (NodeInfo Node, List<KubeObject> Victims)? best = null;
        foreach (var (node, failures) in failed)
        {
            if (!failures.All(f => f.Resolvable))
            {
                continue;
            }
            var lower = node.Pods.Where(p => PriorityOf(p) < priority && p.DeletionTimestamp is null).ToList();
            if (lower.Count == 0)
            {
                continue;
            }
            var kept = node.Pods.Except(lower).ToList();
            if (!Fits(pod, usage, nodes, node, kept, volumes))
            {
                continue;
            }
            var victims = new List<KubeObject>();
            foreach (var candidate in lower.OrderByDescending(PriorityOf).ThenBy(StartTime))
            {
                kept.Add(candidate);
                if (!Fits(pod, usage, nodes, node, kept, volumes))
                {
                    kept.RemoveAt(kept.Count - 1);
                    victims.Add(candidate);
                }
            }
            if (victims.Count > 0 && (best is null || Better(victims, best.Value.Victims)))
            {
                best = (node, victims);
            }
        }
        if (best is not { } chosen)
        {
            return new PreemptionOutcome.NoCandidates();
        }
        foreach (var victim in chosen.Victims)
        {
            _events.Tell(new RecordEvent(InvolvedObject.Of(victim), "Normal", "Preempted", $"Preempted by pod {pod.Uid} on node {chosen.Node.Name}", Name), Self);
            var marked = victim.DeepClone();
            marked.Metadata.Remove("resourceVersion");
            if (Conditions.Set(marked.EnsureStatus(), "DisruptionTarget", "True", "PreemptionByScheduler", $"{Name}: preempting to accommodate a higher priority pod", Now))
            {
                UpdateStatus(key, ResourceTypes.Pods, marked.Document);
            }
            DeleteObject(key, ResourceTypes.Pods, victim.Namespace, victim.Name ?? "", victim.Uid);
        }
        _nominated[key] = (chosen.Node.Name, pod, priority);
        return new PreemptionOutcome.Nominated(chosen.Node.Name);
    }

    /// <summary>Whether the pod passes every filter on <paramref name="node"/> holding only <paramref name="pods"/>.</summary>
    private bool Fits(KubeObject pod, PodUsage usage, IReadOnlyList<NodeInfo> nodes, NodeInfo node, IEnumerable<KubeObject> pods, PodVolumes? volumes)
    {
        var trial = Copy(node, pods);
        var view = nodes.Select(n => n.Name == node.Name ? trial : n).ToList();
        return Filters.Run(new PodSchedulingTerms(pod), usage.Requests, usage.HostPorts, trial, volumes,
            PodTopologySpread.PreFilter(pod, view), InterPodAffinity.PreFilter(pod, view, NamespaceLabels)).Count == 0;
    }

    private static bool Better(List<KubeObject> victims, List<KubeObject> than)
    {
        var (highest, thanHighest) = (victims.Max(PriorityOf), than.Max(PriorityOf));
        if (highest != thanHighest)
        {
            return highest < thanHighest;
        }
        var (sum, thanSum) = (victims.Sum(p => PriorityOf(p) + int.MaxValue + 1L), than.Sum(p => PriorityOf(p) + int.MaxValue + 1L));
        if (sum != thanSum)
        {
            return sum < thanSum;
        }
        if (victims.Count != than.Count)
        {
            return victims.Count < than.Count;
        }
        // The node whose most important victims started latest loses the least work.
        var started = victims.Where(p => PriorityOf(p) == highest).Min(StartTime);
        var thanStarted = than.Where(p => PriorityOf(p) == highest).Min(StartTime);
        return started > thanStarted;
    }

    private static DateTimeOffset StartTime(KubeObject pod) =>
        Rfc3339Time.TryParse(JsonTree.GetString(pod.Document, "status", "startTime"), out var started) ? started : pod.CreationTimestamp ?? DateTimeOffset.MaxValue;
}
