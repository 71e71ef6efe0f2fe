using System.Text.Json.Nodes;
using Emulator.Api.Discovery;
using Emulator.Kubernetes;
using Emulator.Kubernetes.CustomResources;

namespace Emulator.Api.Resources;

/// <summary>The <c>autoscaling/v1</c> Scale view of a scalable object, as <c>kubectl scale</c> expects it.</summary>
public static class Scale
{
    /// <summary>
    /// Builds the Scale of a Deployment, ReplicaSet, StatefulSet or ReplicationController, or of a custom object
    /// whose CRD has a scale subresource (its replicas and selector read from the CRD's paths).
    /// </summary>
    public static JsonObject From(ApiResource resource, JsonObject obj)
    {
        var metadata = obj["metadata"]!;
        int replicas;
        int observed;
        string selectorText;
        if (resource.CustomVersion?.Scale is { } paths)
        {
            replicas = (int)(JsonTree.AsInt(JsonPathExpression.Parse(paths.SpecReplicasPath).First(obj)) ?? 0);
            observed = (int)(JsonTree.AsInt(JsonPathExpression.Parse(paths.StatusReplicasPath).First(obj)) ?? 0);
            selectorText = paths.LabelSelectorPath is { } selectorPath ? JsonTree.AsString(JsonPathExpression.Parse(selectorPath).First(obj)) ?? "" : "";
        }
        else
        {
            replicas = obj["spec"]?["replicas"]?.GetValue<int>() ?? 1;
            observed = obj["status"]?["replicas"]?.GetValue<int>() ?? 0;
            var selector = obj["spec"]?["selector"] is JsonObject s && s["matchLabels"] is JsonObject labels ? labels : obj["spec"]?["selector"] as JsonObject;
            // The selector as a string, as the API server renders it (a ReplicationController's is a plain map).
            selectorText = selector is null ? "" : string.Join(",", selector.Where(p => p.Value is JsonValue).Select(p => $"{p.Key}={p.Value?.GetValue<string>()}"));
        }
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
            ["spec"] = new JsonObject { ["replicas"] = replicas },
            ["status"] = new JsonObject { ["replicas"] = observed, ["selector"] = selectorText },
        };
    }

    /// <summary>Writes the desired replicas of a Scale update into the object (at the CRD's spec path for custom objects).</summary>
    public static void SetReplicas(ApiResource resource, JsonObject obj, int replicas)
    {
        var path = resource.CustomVersion?.Scale?.SpecReplicasPath ?? ".spec.replicas";
        var fields = path.TrimStart('.').Split('.');
        var parent = obj;
        foreach (var field in fields[..^1])
        {
            parent = JsonTree.Ensure(parent, field);
        }
        parent[fields[^1]] = replicas;
    }
}
