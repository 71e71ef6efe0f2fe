using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>A pod's <c>nodeSelector</c> and required node affinity, matched against a node.</summary>
public static class NodeAffinity
{
    /// <summary>True when the node has every nodeSelector label and matches one of the required node selector terms (if any).</summary>
    public static bool Matches(KubeObject pod, KubeObject node) => Matches(new PodSchedulingTerms(pod), node);

    /// <summary>As <see cref="Matches(KubeObject, KubeObject)"/>, with the pod's terms already decoded.</summary>
    public static bool Matches(PodSchedulingTerms pod, KubeObject node)
    {
        // The node's labels are read only when the pod selects on them: most pods do not, and this runs per pod and
        // node (without allocating when there is nothing to match).
        if (pod.NodeSelector.Count > 0)
        {
            var labels = node.Labels;
            foreach (var (key, value) in pod.NodeSelector)
            {
                if (!labels.TryGetValue(key, out var actual) || actual != value)
                {
                    return false;
                }
            }
        }
        return pod.RequiredNodeAffinity is not { } required || AnyTermMatches(required, node);
    }

    // Terms are ORed; a selector without terms matches nothing.
    private static bool AnyTermMatches(JsonObject required, KubeObject node) =>
        JsonTree.Objects(required["nodeSelectorTerms"] as JsonArray).Any(term => TermMatches(term, node));

    /// <summary>One node selector term: its expressions and fields ANDed; an empty term matches nothing.</summary>
    public static bool TermMatches(JsonObject term, KubeObject node)
    {
        var expressions = JsonTree.Objects(term["matchExpressions"] as JsonArray).ToList();
        var fields = JsonTree.Objects(term["matchFields"] as JsonArray).ToList();
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false;
        }
        var labels = node.Labels;
        foreach (var expression in expressions)
        {
            var key = JsonTree.GetString(expression, "key") ?? "";
            if (!RequirementMatches(expression, labels.TryGetValue(key, out var value), value))
            {
                return false;
            }
        }
        foreach (var field in fields)
        {
            // Only metadata.name is a supported field.
            if (JsonTree.GetString(field, "key") != "metadata.name" || !RequirementMatches(field, true, node.Name))
            {
                return false;
            }
        }
        return true;
    }

    private static bool RequirementMatches(JsonObject requirement, bool present, string? value)
    {
        var values = (requirement["values"] as JsonArray)?.Select(JsonTree.AsString).OfType<string>().ToList() ?? [];
        switch (JsonTree.GetString(requirement, "operator"))
        {
            case "In":
                return present && values.Contains(value!);
            case "NotIn":
                return !present || !values.Contains(value!);
            case "Exists":
                return present;
            case "DoesNotExist":
                return !present;
            case "Gt" or "Lt":
                if (!present || values.Count != 1
                    || !long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var actual)
                    || !long.TryParse(values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var bound))
                {
                    return false;
                }
                return JsonTree.GetString(requirement, "operator") == "Gt" ? actual > bound : actual < bound;
            default:
                return false;
        }
    }
}
