using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>
/// kube-scheduler's InterPodAffinity plugin for one incoming pod. PreFilter counts, per topology domain (a node label's
/// key and value), the existing pods its required affinity and anti-affinity terms select and the existing pods whose
/// required anti-affinity selects it; Filter then refuses a node whose domains break a rule. Score adds the weights of
/// preferred terms in both directions (and of existing pods' required affinity, weight 1) per domain.
/// </summary>
public sealed class InterPodAffinity
{
    /// <summary>The incoming pod's required affinity is not met (preemption cannot help).</summary>
    public const string AffinityRulesNotMatch = "node(s) didn't match pod affinity rules";

    /// <summary>The incoming pod's required anti-affinity is broken.</summary>
    public const string AntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";

    /// <summary>An existing pod's required anti-affinity would be broken.</summary>
    public const string ExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";

    private const long HardPodAffinityWeight = 1;

    private readonly IReadOnlyList<PodAffinityTerm> _affinity;
    private readonly IReadOnlyList<PodAffinityTerm> _antiAffinity;
    private readonly Dictionary<(string Key, string Value), long> _affinityCounts = [];
    private readonly Dictionary<(string Key, string Value), long> _antiAffinityCounts = [];
    private readonly Dictionary<(string Key, string Value), long> _existingAntiAffinityCounts = [];
    private readonly bool _selfMatchesAllAffinity;

    private InterPodAffinity(KubeObject pod, IReadOnlyList<NodeInfo> nodes, Func<string, IReadOnlyDictionary<string, string>?> namespaceLabels)
    {
        _affinity = PodAffinityTerm.Of(pod, "podAffinity", required: true);
        _antiAffinity = PodAffinityTerm.Of(pod, "podAntiAffinity", required: true);
        _selfMatchesAllAffinity = _affinity.Count > 0 && _affinity.All(t => t.Matches(pod, namespaceLabels));
        foreach (var node in nodes)
        {
            var labels = node.Labels;
            foreach (var existing in node.Pods)
            {
                // Existing pods' anti-affinity: every domain of theirs that one of their terms' selects the incoming pod in.
                if (PodAffinityTerm.HasAny(existing))
                {
                    foreach (var term in PodAffinityTerm.Of(existing, "podAntiAffinity", required: true))
                    {
                        if (term.Matches(pod, namespaceLabels) && labels.TryGetValue(term.TopologyKey, out var value))
                        {
                            Increment(_existingAntiAffinityCounts, (term.TopologyKey, value));
                        }
                    }
                }
                // The incoming pod's affinity counts an existing pod only when it matches all its terms.
                if (_affinity.Count > 0 && _affinity.All(t => t.Matches(existing, namespaceLabels)))
                {
                    foreach (var term in _affinity)
                    {
                        if (labels.TryGetValue(term.TopologyKey, out var value))
                        {
                            Increment(_affinityCounts, (term.TopologyKey, value));
                        }
                    }
                }
                foreach (var term in _antiAffinity)
                {
                    if (term.Matches(existing, namespaceLabels) && labels.TryGetValue(term.TopologyKey, out var value))
                    {
                        Increment(_antiAffinityCounts, (term.TopologyKey, value));
                    }
                }
            }
        }
    }

    /// <summary>
    /// The plugin's PreFilter: null when nothing can fail (the pod has no required terms and no existing pod has
    /// required anti-affinity), which is the common case and costs one pass over the nodes' affinity lists.
    /// </summary>
    public static InterPodAffinity? PreFilter(KubeObject pod, IReadOnlyList<NodeInfo> nodes, Func<string, IReadOnlyDictionary<string, string>?> namespaceLabels)
    {
        if (!PodAffinityTerm.HasAny(pod) && nodes.All(n => n.PodsWithAffinity.Count == 0))
        {
            return null;
        }
        return new InterPodAffinity(pod, nodes, namespaceLabels);
    }

    /// <summary>The plugin's Filter: why the node breaks a rule, or null.</summary>
    public FilterFailure? Filter(NodeInfo node)
    {
        var labels = node.Labels;
        if (!SatisfiesAffinity(labels))
        {
            return new FilterFailure(AffinityRulesNotMatch, false);
        }
        if (_antiAffinityCounts.Count > 0
            && _antiAffinity.Any(t => labels.TryGetValue(t.TopologyKey, out var value) && _antiAffinityCounts.GetValueOrDefault((t.TopologyKey, value)) > 0))
        {
            return new FilterFailure(AntiAffinityRulesNotMatch, true);
        }
        if (_existingAntiAffinityCounts.Count > 0 && labels.Any(l => _existingAntiAffinityCounts.GetValueOrDefault((l.Key, l.Value)) > 0))
        {
            return new FilterFailure(ExistingAntiAffinityRulesNotMatch, true);
        }
        return null;
    }

    private bool SatisfiesAffinity(IReadOnlyDictionary<string, string> labels)
    {
        var podsExist = true;
        foreach (var term in _affinity)
        {
            // Every term's topology label must be on the node.
            if (!labels.TryGetValue(term.TopologyKey, out var value))
            {
                return false;
            }
            podsExist &= _affinityCounts.GetValueOrDefault((term.TopologyKey, value)) > 0;
        }
        // The first pod of a group with affinity to itself: no pod anywhere matches, and it matches its own terms.
        return podsExist || (_affinityCounts.Count == 0 && _selfMatchesAllAffinity);
    }

    /// <summary>
    /// The plugin's Score before normalization, per feasible node: the weights of the incoming pod's preferred
    /// (anti-)affinity terms for the existing pods they select, and of the existing pods' required affinity (weight 1)
    /// and preferred (anti-)affinity terms that select the incoming pod, summed over the node's domains. Null when
    /// nothing applies.
    /// </summary>
    public static Dictionary<string, long>? Score(KubeObject pod, IReadOnlyList<NodeInfo> feasible, IReadOnlyList<NodeInfo> nodes,
        Func<string, IReadOnlyDictionary<string, string>?> namespaceLabels)
    {
        var preferred = PodAffinityTerm.Of(pod, "podAffinity", required: false);
        var preferredAnti = PodAffinityTerm.Of(pod, "podAntiAffinity", required: false);
        var hasConstraints = preferred.Count > 0 || preferredAnti.Count > 0;
        if (!hasConstraints && nodes.All(n => n.PodsWithAffinity.Count == 0))
        {
            return null;
        }
        var domains = new Dictionary<(string Key, string Value), long>();
        foreach (var node in nodes)
        {
            var labels = node.Labels;
            foreach (var existing in hasConstraints ? node.Pods : node.PodsWithAffinity)
            {
                Add(domains, preferred, existing, labels, 1, namespaceLabels);
                Add(domains, preferredAnti, existing, labels, -1, namespaceLabels);
                if (!PodAffinityTerm.HasAny(existing))
                {
                    continue;
                }
                if (labels.Count > 0)
                {
                    Add(domains, PodAffinityTerm.Of(existing, "podAffinity", required: true), pod, labels, HardPodAffinityWeight, namespaceLabels);
                }
                Add(domains, PodAffinityTerm.Of(existing, "podAffinity", required: false), pod, labels, 1, namespaceLabels);
                Add(domains, PodAffinityTerm.Of(existing, "podAntiAffinity", required: false), pod, labels, -1, namespaceLabels);
            }
        }
        if (domains.Count == 0)
        {
            return null;
        }
        return feasible.ToDictionary(n => n.Name, n => n.Labels.Sum(l => domains.GetValueOrDefault((l.Key, l.Value))), StringComparer.Ordinal);
    }

    private static void Add(Dictionary<(string Key, string Value), long> domains, IReadOnlyList<PodAffinityTerm> terms, KubeObject target,
        IReadOnlyDictionary<string, string> nodeLabels, long multiplier, Func<string, IReadOnlyDictionary<string, string>?> namespaceLabels)
    {
        foreach (var term in terms)
        {
            if (term.Matches(target, namespaceLabels) && nodeLabels.TryGetValue(term.TopologyKey, out var value))
            {
                domains[(term.TopologyKey, value)] = domains.GetValueOrDefault((term.TopologyKey, value)) + (term.Weight * multiplier);
            }
        }
    }

    private static void Increment(Dictionary<(string Key, string Value), long> counts, (string, string) pair) =>
        counts[pair] = counts.GetValueOrDefault(pair) + 1;
}
