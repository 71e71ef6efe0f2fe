using System.Text.Json.Nodes;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.CustomResources;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.HorizontalPodAutoscaler;

/// <summary>The <c>autoscaling/v1</c> Scale of a target: desired and observed replicas, and its pods' selector as a string.</summary>
public sealed record TargetScale(int SpecReplicas, int StatusReplicas, string Selector);

/// <summary>Why the scale of a target could not be read (the API's words).</summary>
public sealed class ScaleTargetException(string message) : Exception(message);

/// <summary>
/// What an autoscaler's <c>scaleTargetRef</c> names, resolved as the controller's REST mapper and scale client do: a
/// built-in kind with the <c>scale</c> subresource (Deployment, ReplicaSet, StatefulSet, ReplicationController) or a
/// custom resource whose CRD has one, read and written at the paths its scale subresource names.
/// </summary>
public sealed class ScaleTarget
{
    private const string NoScale = "the server could not find the requested resource";

    private ScaleTarget(ResourceType type, ScaleSubresource? customScale)
    {
        Type = type;
        CustomScale = customScale;
    }

    /// <summary>The store type of the target.</summary>
    public ResourceType Type { get; }

    /// <summary>A custom resource's scale paths; null for built-in kinds.</summary>
    public ScaleSubresource? CustomScale { get; }

    /// <summary>
    /// Resolves <paramref name="apiVersion"/> and <paramref name="kind"/> (any version of the group, as the REST mapper
    /// maps a group and kind); <paramref name="definitions"/> are the stored CRDs.
    /// </summary>
    /// <exception cref="ScaleTargetException">No such kind, or a kind without the scale subresource.</exception>
    public static ScaleTarget Resolve(string apiVersion, string kind, IEnumerable<StoredObject> definitions)
    {
        var group = GroupVersionKind.SplitApiVersion(apiVersion).Group;
        if (KindRegistry.Default.Kinds.FirstOrDefault(k => k.Group == group && k.Kind == kind) is { } builtIn)
        {
            return builtIn.HasScale ? new ScaleTarget(ResourceTypes.Of(builtIn), null) : throw new ScaleTargetException(NoScale);
        }
        foreach (var stored in definitions)
        {
            if (CustomResourceTypes.Parse(stored) is { NamesAccepted: true } crd && crd.Group == group && crd.Kind == kind)
            {
                return crd.StorageVersion.Scale is { } scale ? new ScaleTarget(CustomResourceTypes.Of(crd), scale) : throw new ScaleTargetException(NoScale);
            }
        }
        throw new ScaleTargetException($"no matches for kind \"{kind}\" in group \"{group}\"");
    }

    /// <summary>The Scale of a target object.</summary>
    public TargetScale ScaleOf(JsonObject target)
    {
        if (CustomScale is { } paths)
        {
            return new TargetScale(
                (int)(JsonTree.AsInt(JsonPathExpression.Parse(paths.SpecReplicasPath).First(target)) ?? 0),
                (int)(JsonTree.AsInt(JsonPathExpression.Parse(paths.StatusReplicasPath).First(target)) ?? 0),
                paths.LabelSelectorPath is { } selectorPath ? JsonTree.AsString(JsonPathExpression.Parse(selectorPath).First(target)) ?? "" : "");
        }
        var selector = JsonTree.Get(target, "spec", "selector");
        string text;
        if (Type.Kind == "ReplicationController")
        {
            // A ReplicationController's selector is a plain map, rendered as labels.SelectorFromSet does.
            text = LabelSelector.FromSet(JsonTree.StringMap(selector)).ToString();
        }
        else
        {
            try
            {
                text = selector is null ? "" : LabelSelector.FromJson(selector).ToString();
            }
            catch (SelectorParseException)
            {
                text = "";
            }
        }
        return new TargetScale(
            (int)(JsonTree.GetInt(target, "spec", "replicas") ?? 1),
            (int)(JsonTree.GetInt(target, "status", "replicas") ?? 0),
            text);
    }

    /// <summary>The target with its desired replicas set (what an update of its scale subresource writes).</summary>
    public JsonObject WithReplicas(JsonObject target, int replicas)
    {
        var updated = target.DeepClone().AsObject();
        var path = CustomScale?.SpecReplicasPath ?? ".spec.replicas";
        var fields = path.TrimStart('.').Split('.');
        var parent = updated;
        foreach (var field in fields[..^1])
        {
            parent = JsonTree.Ensure(parent, field);
        }
        parent[fields[^1]] = replicas;
        return updated;
    }
}
