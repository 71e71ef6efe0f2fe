using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>Pod QoS class from cpu/memory requests and limits of all containers (init included).</summary>
public static class QualityOfService
{
    private static readonly string[] Resources = ["cpu", "memory"];

    /// <summary><c>Guaranteed</c>, <c>Burstable</c> or <c>BestEffort</c> for a pod spec.</summary>
    public static string Classify(JsonObject podSpec)
    {
        var containers = JsonTree.Objects(podSpec["containers"] as JsonArray)
            .Concat(JsonTree.Objects(podSpec["initContainers"] as JsonArray)).ToList();
        var anySet = false;
        var guaranteed = containers.Count > 0;
        foreach (var container in containers)
        {
            var requests = JsonTree.GetObject(container, "resources", "requests");
            var limits = JsonTree.GetObject(container, "resources", "limits");
            foreach (var resource in Resources)
            {
                var request = Read(requests, resource);
                var limit = Read(limits, resource);
                if ((request is { } r && r > Quantity.Zero) || (limit is { } l && l > Quantity.Zero))
                {
                    anySet = true;
                }
                if (limit is null || (request is { } rq && rq.CompareTo(limit.Value) != 0))
                {
                    guaranteed = false;
                }
            }
        }
        if (!anySet)
        {
            return "BestEffort";
        }
        return guaranteed ? "Guaranteed" : "Burstable";
    }

    private static Quantity? Read(JsonObject? list, string resource)
    {
        var node = list?[resource];
        var text = JsonTree.AsString(node) ?? (node is JsonValue ? node.ToJsonString() : null);
        return Quantity.TryParse(text, out var q) ? q : null;
    }
}
