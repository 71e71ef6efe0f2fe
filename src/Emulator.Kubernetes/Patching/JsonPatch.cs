using System.Globalization;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Patching;

/// <summary>JSON patch (RFC 6902): <c>add</c>, <c>remove</c>, <c>replace</c>, <c>move</c>, <c>copy</c>, <c>test</c> on JSON pointers.</summary>
public static class JsonPatch
{
    /// <summary>Applies the operations in order to a copy of <paramref name="target"/>; all or nothing.</summary>
    /// <exception cref="PatchException">When the patch is malformed or an operation does not apply.</exception>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw new PatchException("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }
        var document = target?.DeepClone();
        foreach (var node in operations)
        {
            if (node is not JsonObject operation)
            {
                throw new PatchException("json: cannot unmarshal non-object into Go value of type jsonpatch.Operation");
            }
            var op = JsonTree.GetString(operation, "op") ?? throw new PatchException("Unexpected kind: missing op");
            var path = JsonTree.GetString(operation, "path") ?? throw new PatchException($"{op} operation missing path");
            switch (op)
            {
                case "add":
                    document = Add(document, path, RequireValue(operation, op), op);
                    break;
                case "remove":
                    document = Remove(document, path, op, out _);
                    break;
                case "replace":
                    Resolve(document, path, op);
                    document = Remove(document, path, op, out _);
                    document = Add(document, path, RequireValue(operation, op), op);
                    break;
                case "move":
                    {
                        var from = JsonTree.GetString(operation, "from") ?? throw new PatchException("move operation missing from");
                        if (path.StartsWith(from + "/", StringComparison.Ordinal))
                        {
                            throw new PatchException($"move operation does not apply: from \"{from}\" is a prefix of path \"{path}\"");
                        }
                        document = Remove(document, from, op, out var moved);
                        document = Add(document, path, moved, op);
                        break;
                    }
                case "copy":
                    {
                        var from = JsonTree.GetString(operation, "from") ?? throw new PatchException("copy operation missing from");
                        var copied = Resolve(document, from, op);
                        document = Add(document, path, copied?.DeepClone(), op);
                        break;
                    }
                case "test":
                    {
                        var actual = Resolve(document, path, op);
                        if (!JsonTree.DeepEquals(actual, operation["value"]))
                        {
                            throw new PatchException($"testing value {path} failed: test failed");
                        }
                        break;
                    }
                default:
                    throw new PatchException($"Unexpected kind: {op}");
            }
        }
        return document;
    }

    private static JsonNode? RequireValue(JsonObject operation, string op) =>
        operation.TryGetPropertyValue("value", out var value)
            ? value?.DeepClone()
            : throw new PatchException($"{op} operation missing value");

    private static List<string> Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }
        if (pointer[0] != '/')
        {
            throw new PatchException($"JSON pointer must be empty or start with a \"/\": \"{pointer}\"");
        }
        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static JsonNode? Resolve(JsonNode? document, string pointer, string op)
    {
        var current = document;
        foreach (var token in Tokens(pointer))
        {
            current = current switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
                JsonArray arr when TryIndex(token, arr.Count, out var index) && index < arr.Count => arr[index],
                _ => throw Missing(op, pointer),
            };
        }
        return current;
    }

    private static JsonNode? Add(JsonNode? document, string pointer, JsonNode? value, string op)
    {
        var tokens = Tokens(pointer);
        if (tokens.Count == 0)
        {
            return value;
        }
        var parent = Resolve(document, ParentPointer(pointer), op);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray arr:
                if (last == "-")
                {
                    arr.Add(value);
                }
                else if (TryIndex(last, arr.Count + 1, out var index))
                {
                    arr.Insert(index, value);
                }
                else
                {
                    throw new PatchException($"{op} operation does not apply: index out of bounds: {last}");
                }
                break;
            default:
                throw Missing(op, pointer);
        }
        return document;
    }

    private static JsonNode? Remove(JsonNode? document, string pointer, string op, out JsonNode? removed)
    {
        var tokens = Tokens(pointer);
        if (tokens.Count == 0)
        {
            removed = document;
            return null;
        }
        var parent = Resolve(document, ParentPointer(pointer), op);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(last, out var child):
                obj.Remove(last);
                removed = child;
                break;
            case JsonArray arr when TryIndex(last, arr.Count, out var index) && index < arr.Count:
                removed = arr[index];
                arr.RemoveAt(index);
                break;
            default:
                throw Missing(op, pointer);
        }
        return document;
    }

    private static string ParentPointer(string pointer) => pointer[..pointer.LastIndexOf('/')];

    private static bool TryIndex(string token, int limit, out int index)
    {
        index = -1;
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0') || !token.All(char.IsAsciiDigit))
        {
            return false;
        }
        return int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < limit;
    }

    private static PatchException Missing(string op, string pointer) =>
        new($"{op} operation does not apply: doc is missing path: \"{pointer}\": missing value");
}
