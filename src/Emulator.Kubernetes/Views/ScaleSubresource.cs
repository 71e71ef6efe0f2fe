using System.Text.Json.Nodes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.Kubernetes.Views;

/// <summary>
/// The <c>scale</c> subresource of Deployments, ReplicaSets and StatefulSets: an <c>autoscaling/v1</c> Scale
/// with <c>spec.replicas</c>, <c>status.replicas</c> and <c>status.selector</c> as a selector string.
/// </summary>
public static class ScaleSubresource
{
    /// <summary>Builds the Scale of a workload.</summary>
    public static KubeObject From(KubeObject workload)
    {
        var metadata = new JsonObject { ["name"] = workload.Name };
        if (workload.Namespace is { } ns)
        {
            metadata["namespace"] = ns;
        }
        foreach (var key in new[] { "uid", "resourceVersion", "creationTimestamp" })
        {
            if (workload.Metadata[key] is { } value)
            {
                metadata[key] = value.DeepClone();
            }
        }
        string selector;
        try
        {
            selector = LabelSelector.FromJson(JsonTree.Get(workload.Document, "spec", "selector")).ToString();
        }
        catch (SelectorParseException)
        {
            selector = "";
        }
        var status = new JsonObject { ["replicas"] = JsonTree.GetInt(workload.Document, "status", "replicas") ?? 0 };
        if (selector.Length > 0)
        {
            status["selector"] = selector;
        }
        return new KubeObject(new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject { ["replicas"] = JsonTree.GetInt(workload.Document, "spec", "replicas") ?? 1 },
            ["status"] = status,
        });
    }

    /// <summary>A copy of the workload with <c>spec.replicas</c> taken from the Scale.</summary>
    public static KubeObject Apply(KubeObject workload, KubeObject scale)
    {
        var updated = workload.DeepClone();
        updated.EnsureSpec()["replicas"] = JsonTree.GetInt(scale.Document, "spec", "replicas") ?? 0;
        return updated;
    }
}
