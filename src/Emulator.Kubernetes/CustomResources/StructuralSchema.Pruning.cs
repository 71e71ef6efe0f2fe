using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.CustomResources;

public sealed partial class StructuralSchema
{
    /// <summary>The <c>metadata</c> fields of an ObjectMeta: what is kept of a custom object's metadata.</summary>
    private static readonly HashSet<string> ObjectMetaFields =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields",
    ];

    /// <summary>
    /// Prunes a custom object as the API server does before storing it: every field the schema does not specify is
    /// dropped, except under <c>x-kubernetes-preserve-unknown-fields</c>; <c>apiVersion</c>, <c>kind</c> and the
    /// ObjectMeta fields of <c>metadata</c> are kept at the root and in embedded resources. Returns the paths dropped
    /// (what <c>fieldValidation=Strict</c> reports as unknown fields).
    /// </summary>
    public IReadOnlyList<string> PruneObject(JsonObject obj)
    {
        var pruned = new List<string>();
        Prune(obj, "", pruned, resource: true);
        return pruned;
    }

    private void Prune(JsonNode? value, string path, List<string> pruned, bool resource)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var childPath = Child(path, key);
                    if (resource && key is "apiVersion" or "kind")
                    {
                        continue;
                    }
                    if (resource && key == "metadata")
                    {
                        PruneMetadata(obj[key], childPath, pruned);
                        continue;
                    }
                    if (Properties.TryGetValue(key, out var property))
                    {
                        property.Prune(obj[key], childPath, pruned, property.EmbeddedResource);
                    }
                    else if (AdditionalProperties is { } additional)
                    {
                        additional.Prune(obj[key], childPath, pruned, additional.EmbeddedResource);
                    }
                    else if (!PreserveUnknownFields)
                    {
                        obj.Remove(key);
                        pruned.Add(childPath);
                    }
                }
                break;
            case JsonArray array when Items is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    items.Prune(array[i], $"{path}[{i}]", pruned, items.EmbeddedResource);
                }
                break;
        }
    }

    private static void PruneMetadata(JsonNode? metadata, string path, List<string> pruned)
    {
        if (metadata is not JsonObject obj)
        {
            return;
        }
        foreach (var key in obj.Select(p => p.Key).Where(k => !ObjectMetaFields.Contains(k)).ToList())
        {
            obj.Remove(key);
            pruned.Add(Child(path, key));
        }
    }

    /// <summary>
    /// Applies the schema's defaults, as the API server does when decoding a custom object (and reading one back): an
    /// absent field with a <c>default</c> gets it, and so does a null one the schema does not allow to be null.
    /// </summary>
    public void ApplyDefaults(JsonNode? value)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var (key, property) in Properties)
                {
                    if (property.Default is { } defaultValue && (!obj.ContainsKey(key) || (obj[key] is null && !property.Nullable)))
                    {
                        obj[key] = defaultValue.DeepClone();
                    }
                    if (obj.ContainsKey(key))
                    {
                        property.ApplyDefaults(obj[key]);
                    }
                }
                if (AdditionalProperties is { } additional)
                {
                    foreach (var (key, child) in obj.ToList())
                    {
                        if (!Properties.ContainsKey(key))
                        {
                            additional.ApplyDefaults(child);
                        }
                    }
                }
                break;
            case JsonArray array when Items is { } items:
                foreach (var item in array)
                {
                    items.ApplyDefaults(item);
                }
                break;
        }
    }
}
