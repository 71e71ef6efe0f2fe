using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>
/// kube-scheduler's PodTopologySpread plugin for a pod's explicit <c>topologySpreadConstraints</c>: the
/// <c>DoNotSchedule</c> ones filter (a node's domain may hold at most <c>maxSkew</c> more matching pods than the
/// emptiest domain, counting the pod itself; fewer domains than <c>minDomains</c> make the minimum 0), the
/// <c>ScheduleAnyway</c> ones score (fewer matching pods in a node's domain score higher). Nodes count only when they
/// pass the constraint's inclusion policies (<c>nodeAffinityPolicy</c> Honor and <c>nodeTaintsPolicy</c> Ignore by
/// default) and carry every constraint's topology key. A pod without constraints gets the system default spreading
/// (see <see cref="Scoring"/>).
/// </summary>
public sealed class PodTopologySpread
{
    /// <summary>The skew would exceed <c>maxSkew</c>.</summary>
    public const string ConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";

    /// <summary>The node lacks a constraint's topology key (preemption cannot help).</summary>
    public const string NodeLabelNotMatch = ConstraintsNotMatch + " (missing required label)";

    private const string Hostname = "kubernetes.io/hostname";

    private readonly KubeObject _pod;
    private readonly IReadOnlyList<Constraint> _constraints;
    // Per constraint: matching pods per domain (every domain of a counted node, zero included).
    private readonly Dictionary<string, long>[] _counts;

    private PodTopologySpread(KubeObject pod, IReadOnlyList<Constraint> constraints, IReadOnlyList<NodeInfo> nodes)
    {
        _pod = pod;
        _constraints = constraints;
        _counts = [.. constraints.Select(_ => new Dictionary<string, long>(StringComparer.Ordinal))];
        var terms = new PodSchedulingTerms(pod);
        foreach (var node in nodes)
        {
            var labels = node.Labels;
            if (!constraints.All(c => labels.ContainsKey(c.TopologyKey)))
            {
                continue;
            }
            for (var i = 0; i < constraints.Count; i++)
            {
                if (constraints[i].Includes(terms, node))
                {
                    var domain = labels[constraints[i].TopologyKey];
                    _counts[i][domain] = _counts[i].GetValueOrDefault(domain) + constraints[i].CountMatching(node, pod.Namespace);
                }
            }
        }
    }

    /// <summary>A constraint as evaluated: its selector with <c>matchLabelKeys</c> merged, and its policies.</summary>
    private sealed record Constraint(string TopologyKey, long MaxSkew, long? MinDomains, LabelSelector Selector, bool HonorNodeAffinity, bool HonorTaints)
    {
        public bool Includes(PodSchedulingTerms pod, NodeInfo node) =>
            (!HonorNodeAffinity || NodeAffinity.Matches(pod, node.Node))
            && (!HonorTaints || node.Taints.All(t => Taints.Effect(t) is not (Taints.NoSchedule or Taints.NoExecute) || Taints.Tolerated(pod.Tolerations, t)));

        /// <summary>The node's pods in the pod's namespace that the selector matches, leaving out terminating ones.</summary>
        public long CountMatching(NodeInfo node, string? ns) =>
            node.Pods.Count(p => p.Namespace == ns && p.DeletionTimestamp is null && Selector.Matches(p));
    }

    /// <summary>True when the pod declares topology spread constraints of its own.</summary>
    public static bool HasConstraints(KubeObject pod) => JsonTree.GetArray(pod.Document, "spec", "topologySpreadConstraints") is { Count: > 0 };

    /// <summary>The plugin's PreFilter: null when the pod has no <c>DoNotSchedule</c> constraint.</summary>
    public static PodTopologySpread? PreFilter(KubeObject pod, IReadOnlyList<NodeInfo> nodes) =>
        Constraints(pod, "DoNotSchedule") is { Count: > 0 } constraints ? new PodTopologySpread(pod, constraints, nodes) : null;

    /// <summary>The plugin's Filter: why the node would break a constraint, or null.</summary>
    public FilterFailure? Filter(NodeInfo node)
    {
        var labels = node.Labels;
        for (var i = 0; i < _constraints.Count; i++)
        {
            var constraint = _constraints[i];
            if (!labels.TryGetValue(constraint.TopologyKey, out var domain))
            {
                return new FilterFailure(NodeLabelNotMatch, false);
            }
            var counts = _counts[i];
            var minimum = counts.Count == 0 || counts.Count < (constraint.MinDomains ?? 1) ? 0 : counts.Values.Min();
            var self = constraint.Selector.Matches(_pod) ? 1 : 0;
            if (counts.GetValueOrDefault(domain) + self - minimum > constraint.MaxSkew)
            {
                return new FilterFailure(ConstraintsNotMatch, true);
            }
        }
        return null;
    }

    /// <summary>
    /// The plugin's Score for the pod's <c>ScheduleAnyway</c> constraints, normalized to 0–100 (the fewer matching
    /// pods in a node's domains, weighted by the log of the number of domains, the higher); null when the pod has no
    /// constraints of its own, all zeros when none of them is <c>ScheduleAnyway</c>.
    /// </summary>
    public static Dictionary<string, long>? Score(KubeObject pod, IReadOnlyList<NodeInfo> feasible, IReadOnlyList<NodeInfo> nodes)
    {
        if (!HasConstraints(pod))
        {
            return null;
        }
        var constraints = Constraints(pod, "ScheduleAnyway");
        var scores = feasible.ToDictionary(n => n.Name, _ => 0L, StringComparer.Ordinal);
        if (constraints.Count == 0)
        {
            return scores;
        }
        var scored = feasible.Where(n => constraints.All(c => n.Labels.ContainsKey(c.TopologyKey))).ToList();
        var raw = new Dictionary<string, long>(StringComparer.Ordinal);
        var terms = new PodSchedulingTerms(pod);
        for (var i = 0; i < constraints.Count; i++)
        {
            var constraint = constraints[i];
            // Domains are those of the feasible nodes; host names are counted per node.
            var domains = scored.Select(n => n.Labels[constraint.TopologyKey]).ToHashSet(StringComparer.Ordinal);
            var weight = Math.Log((constraint.TopologyKey == Hostname ? scored.Count : domains.Count) + 2);
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            if (constraint.TopologyKey != Hostname)
            {
                foreach (var node in nodes)
                {
                    if (node.Labels.TryGetValue(constraint.TopologyKey, out var domain) && domains.Contains(domain) && constraint.Includes(terms, node))
                    {
                        counts[domain] = counts.GetValueOrDefault(domain) + constraint.CountMatching(node, pod.Namespace);
                    }
                }
            }
            foreach (var node in scored)
            {
                var count = constraint.TopologyKey == Hostname ? constraint.CountMatching(node, pod.Namespace) : counts.GetValueOrDefault(node.Labels[constraint.TopologyKey]);
                raw[node.Name] = raw.GetValueOrDefault(node.Name) + (long)Math.Round((count * weight) + (constraint.MaxSkew - 1));
            }
        }
        var max = raw.Values.DefaultIfEmpty(0).Max();
        var min = raw.Values.DefaultIfEmpty(0).Min();
        foreach (var node in scored)
        {
            scores[node.Name] = max == 0 ? 100 : 100 * (max + min - raw[node.Name]) / max;
        }
        return scores;
    }

    private static List<Constraint> Constraints(KubeObject pod, string whenUnsatisfiable) =>
        [.. JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "topologySpreadConstraints"))
            .Where(c => (JsonTree.GetString(c, "whenUnsatisfiable") ?? "DoNotSchedule") == whenUnsatisfiable)
            .Select(c => new Constraint(
                JsonTree.GetString(c, "topologyKey") ?? "",
                JsonTree.GetInt(c, "maxSkew") ?? 1,
                JsonTree.GetInt(c, "minDomains"),
                Selector(pod, c),
                (JsonTree.GetString(c, "nodeAffinityPolicy") ?? "Honor") == "Honor",
                (JsonTree.GetString(c, "nodeTaintsPolicy") ?? "Ignore") == "Honor"))];

    private static LabelSelector Selector(KubeObject pod, JsonObject constraint)
    {
        try
        {
            return PodAffinityTerm.MergeLabelKeys(pod, constraint["labelSelector"], constraint["matchLabelKeys"] as JsonArray, null);
        }
        catch (SelectorParseException)
        {
            return LabelSelector.Nothing;
        }
    }
}
