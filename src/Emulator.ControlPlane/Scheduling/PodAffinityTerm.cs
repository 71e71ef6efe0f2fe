using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>
/// One pod (anti-)affinity term or topology spread selector as the scheduler evaluates it: the label selector (with
/// <c>matchLabelKeys</c> / <c>mismatchLabelKeys</c> merged from the incoming pod's labels, as 1.33 does), the
/// namespaces it looks in, the topology key and, for preferred terms, the weight.
/// </summary>
public sealed record PodAffinityTerm(LabelSelector Selector, IReadOnlySet<string> Namespaces, LabelSelector NamespaceSelector, string TopologyKey, long Weight)
{
    /// <summary>A node's domain for this term: the value of its topology key label, or null when the node has none.</summary>
    public string? DomainOf(NodeInfo node) => node.Labels.GetValueOrDefault(TopologyKey);

    /// <summary>
    /// True when <paramref name="pod"/> is one the term selects: in one of its namespaces (named, or whose labels
    /// match the namespace selector) and matching its label selector.
    /// </summary>
    public bool Matches(KubeObject pod, Func<string, IReadOnlyDictionary<string, string>?> namespaceLabels)
    {
        var ns = pod.Namespace ?? "";
        var inNamespace = Namespaces.Contains(ns)
            || (!NamespaceSelector.MatchesNothing && namespaceLabels(ns) is { } labels && NamespaceSelector.Matches(labels));
        return inNamespace && Selector.Matches(pod);
    }

    /// <summary>
    /// The terms of <paramref name="owner"/> under <c>spec.affinity.&lt;kind&gt;</c> (<c>podAffinity</c> or
    /// <c>podAntiAffinity</c>): the required ones, or the preferred ones with their weights.
    /// </summary>
    public static IReadOnlyList<PodAffinityTerm> Of(KubeObject owner, string kind, bool required)
    {
        var affinity = JsonTree.GetObject(owner.Document, "spec", "affinity", kind);
        if (affinity is null)
        {
            return [];
        }
        if (required)
        {
            return [.. JsonTree.Objects(affinity["requiredDuringSchedulingIgnoredDuringExecution"] as JsonArray).Select(t => Parse(owner, t, 1))];
        }
        return [.. JsonTree.Objects(affinity["preferredDuringSchedulingIgnoredDuringExecution"] as JsonArray)
            .Where(w => w["podAffinityTerm"] is JsonObject)
            .Select(w => Parse(owner, (JsonObject)w["podAffinityTerm"]!, JsonTree.GetInt(w, "weight") ?? 0))];
    }

    /// <summary>True when the pod has any pod affinity or anti-affinity term.</summary>
    public static bool HasAny(KubeObject pod) =>
        JsonTree.GetObject(pod.Document, "spec", "affinity") is { } affinity && (affinity["podAffinity"] is JsonObject || affinity["podAntiAffinity"] is JsonObject);

    /// <summary>
    /// A selector from <paramref name="selector"/> with <c>key In (value)</c> for each of <paramref name="matchKeys"/> and
    /// <c>key NotIn (value)</c> for each of <paramref name="mismatchKeys"/> the owner has a label for.
    /// </summary>
    public static LabelSelector MergeLabelKeys(KubeObject owner, JsonNode? selector, JsonArray? matchKeys, JsonArray? mismatchKeys)
    {
        if (selector is not JsonObject given || (matchKeys is not { Count: > 0 } && mismatchKeys is not { Count: > 0 }))
        {
            return LabelSelector.FromJson(selector);
        }
        var merged = (JsonObject)given.DeepClone();
        var expressions = merged["matchExpressions"] as JsonArray ?? [];
        merged["matchExpressions"] = expressions;
        var labels = owner.Labels;
        foreach (var (keys, op) in new[] { (matchKeys, "In"), (mismatchKeys, "NotIn") })
        {
            foreach (var key in (keys ?? []).Select(JsonTree.AsString).OfType<string>())
            {
                if (labels.TryGetValue(key, out var value))
                {
                    expressions.Add(new JsonObject { ["key"] = key, ["operator"] = op, ["values"] = new JsonArray(value) });
                }
            }
        }
        return LabelSelector.FromJson(merged);
    }

    private static PodAffinityTerm Parse(KubeObject owner, JsonObject term, long weight)
    {
        var selector = Safely(() => MergeLabelKeys(owner, term["labelSelector"], term["matchLabelKeys"] as JsonArray, term["mismatchLabelKeys"] as JsonArray));
        var namespaces = (term["namespaces"] as JsonArray ?? []).Select(JsonTree.AsString).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var namespaceSelector = Safely(() => LabelSelector.FromJson(term["namespaceSelector"]));
        // Neither namespaces nor a namespace selector: the term looks in the pod's own namespace.
        if (namespaces.Count == 0 && term["namespaceSelector"] is not JsonObject)
        {
            namespaces.Add(owner.Namespace ?? "");
        }
        return new PodAffinityTerm(selector, namespaces, namespaceSelector, JsonTree.GetString(term, "topologyKey") ?? "", weight);
    }

    // Validation refuses bad selectors at admission; one that slipped through selects nothing rather than failing the cycle.
    private static LabelSelector Safely(Func<LabelSelector> parse)
    {
        try
        {
            return parse();
        }
        catch (SelectorParseException)
        {
            return LabelSelector.Nothing;
        }
    }
}
