using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Schema;

/// <summary>
/// Finds (and removes) fields the schema does not declare — what the API server reports under
/// <c>fieldValidation=Strict</c> (<c>unknown field "spec.foo"</c>) and silently drops otherwise.
/// </summary>
public static class UnknownFields
{
    /// <summary>The paths of undeclared fields, in document order (<c>spec.template.spec.containers[0].foo</c>).</summary>
    public static IReadOnlyList<string> Find(JsonObject document, TypeDefinition root)
    {
        var found = new List<string>();
        WalkStruct(document, root, "", found, prune: false);
        return found;
    }

    /// <summary>Removes undeclared fields in place and returns their paths.</summary>
    public static IReadOnlyList<string> Prune(JsonObject document, TypeDefinition root)
    {
        var found = new List<string>();
        WalkStruct(document, root, "", found, prune: true);
        return found;
    }

    /// <summary>
    /// The strict decoding message: <c>strict decoding error: unknown field "spec.foo", unknown field "spec.bar"</c>.
    /// </summary>
    public static string StrictDecodingMessage(IEnumerable<string> paths) =>
        "strict decoding error: " + string.Join(", ", paths.Select(p => $"unknown field \"{p}\""));

    private static void WalkStruct(JsonObject obj, TypeDefinition type, string path, List<string> found, bool prune)
    {
        List<string>? remove = null;
        foreach (var (key, value) in obj)
        {
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            var field = type.Field(key);
            if (field is null)
            {
                if (!type.Open)
                {
                    found.Add(childPath);
                    (remove ??= []).Add(key);
                }
                continue;
            }
            // Strategic merge directives ($patch, $setElementOrder/...) never reach stored objects.
            Walk(value, field.Type, childPath, found, prune);
        }
        if (prune && remove is not null)
        {
            foreach (var key in remove)
            {
                obj.Remove(key);
            }
        }
    }

    private static void Walk(JsonNode? value, TypeReference type, string path, List<string> found, bool prune)
    {
        switch (type.Shape)
        {
            case TypeShape.Struct when value is JsonObject obj && type.Definition is { } definition:
                WalkStruct(obj, definition, path, found, prune);
                break;
            case TypeShape.List when value is JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], type.Element!, $"{path}[{i}]", found, prune);
                }
                break;
            case TypeShape.Map when value is JsonObject map:
                foreach (var (key, item) in map)
                {
                    Walk(item, type.Element!, $"{path}.{key}", found, prune);
                }
                break;
        }
    }
}
