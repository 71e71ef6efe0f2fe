using System.Text.Json.Nodes;

namespace Emulator.Api.Resources;

/// <summary>The <c>autoscaling/v1</c> Scale view of a scalable object, as <c>kubectl scale</c> expects it.</summary>
public static class Scale
{
    /// <summary>Builds the Scale of a Deployment, ReplicaSet or StatefulSet.</summary>
    public static JsonObject From(JsonObject obj)
    {
        var metadata = obj["metadata"]!;
        var selector = obj["spec"]?["selector"]?["matchLabels"] as JsonObject;
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = metadata["name"]?.DeepClone(),
                ["namespace"] = metadata["namespace"]?.DeepClone(),
                ["uid"] = metadata["uid"]?.DeepClone(),
                ["resourceVersion"] = metadata["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = metadata["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = obj["spec"]?["replicas"]?.GetValue<int>() ?? 1 },
            ["status"] = new JsonObject
            {
                ["replicas"] = obj["status"]?["replicas"]?.GetValue<int>() ?? 0,
                // The selector as a string, as the API server renders it.
                ["selector"] = selector is null ? "" : string.Join(",", selector.Select(p => $"{p.Key}={p.Value?.GetValue<string>()}")),
            },
        };
    }
}
