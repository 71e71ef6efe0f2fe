using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Serialization;

/// <summary>
/// Reads manifests and request bodies: JSON or YAML, several documents (YAML <c>---</c> or
/// concatenated JSON values), with <c>List</c> kinds flattened into their items as kubectl does.
/// </summary>
public static class ManifestReader
{
    /// <summary>Reads every object of a manifest stream, flattening <c>List</c> / <c>*List</c> documents.</summary>
    /// <exception cref="ManifestParseException">On malformed input or a document that is not an object.</exception>
    public static IReadOnlyList<KubeObject> ReadObjects(string text)
    {
        var result = new List<KubeObject>();
        foreach (var doc in ReadDocuments(text))
        {
            if (doc is null)
            {
                continue;
            }
            if (doc is not JsonObject obj)
            {
                throw new ManifestParseException($"expected an object, found a {Describe(doc)}", 0, 0);
            }
            if (obj.Count == 0)
            {
                continue;
            }
            Flatten(obj, result);
        }
        return result;
    }

    /// <summary>Reads exactly one object (a request body).</summary>
    /// <exception cref="ManifestParseException">On malformed input, no object, or more than one.</exception>
    public static KubeObject ReadSingle(string text)
    {
        var docs = ReadDocuments(text).Where(d => d is not null).ToList();
        if (docs.Count == 0)
        {
            throw new ManifestParseException("Object 'Kind' is missing in empty document", 0, 0);
        }
        if (docs.Count > 1)
        {
            throw new ManifestParseException("expected a single object, found several documents", 0, 0);
        }
        return docs[0] is JsonObject obj
            ? new KubeObject(obj)
            : throw new ManifestParseException($"expected an object, found a {Describe(docs[0])}", 0, 0);
    }

    /// <summary>Parses a single JSON object.</summary>
    /// <exception cref="ManifestParseException">On malformed JSON or a non-object.</exception>
    public static KubeObject ParseSingleJson(string json) =>
        ParseJsonNode(json) is JsonObject obj
            ? new KubeObject(obj)
            : throw new ManifestParseException("expected a JSON object", 1, 1);

    /// <summary>Parses one JSON value of any shape (patch documents are objects or arrays).</summary>
    /// <exception cref="ManifestParseException">On malformed JSON, with line and column.</exception>
    public static JsonNode? ParseJsonNode(string json)
    {
        var values = ReadJsonValues(json);
        if (values.Count != 1)
        {
            throw new ManifestParseException(values.Count == 0 ? "unexpected end of JSON input" : "invalid character after top-level value", 1, 1);
        }
        return values[0];
    }

    /// <summary>Parses one document that may be JSON or YAML (e.g. an apply patch body).</summary>
    /// <exception cref="ManifestParseException">On malformed input.</exception>
    public static JsonNode? ParseNode(string text)
    {
        var docs = ReadDocuments(text);
        return docs.Count switch
        {
            0 => null,
            1 => docs[0],
            _ => throw new ManifestParseException("expected a single document", 0, 0),
        };
    }

    /// <summary>Reads the raw documents of a stream (JSON when it starts with <c>{</c> or <c>[</c>, else YAML).</summary>
    /// <exception cref="ManifestParseException">On malformed input.</exception>
    public static IReadOnlyList<JsonNode?> ReadDocuments(string text)
    {
        var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            return ReadJsonValues(text);
        }
        return YamlDocumentReader.ReadAll(text);
    }

    private static List<JsonNode?> ReadJsonValues(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json.TrimStart('\uFEFF'));
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Disallow });
        var values = new List<JsonNode?>();
        try
        {
            while (reader.Read())
            {
                using var document = JsonDocument.ParseValue(ref reader);
                values.Add(ToNode(document.RootElement));
            }
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            var column = (int)(e.BytePositionInLine ?? 0) + 1;
            var reason = e.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0)
            {
                reason = reason[..cut].TrimEnd('.', ' ');
            }
            throw new ManifestParseException($"json: line {line}, column {column}: {reason}", line, column, e);
        }
        return values;
    }

    // Built by hand so a repeated key keeps its last value (as Go's decoder does) instead of failing later.
    private static JsonNode? ToNode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    obj[property.Name] = ToNode(property.Value);
                }
                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(ToNode(item));
                }
                return array;
            case JsonValueKind.String:
                return JsonValue.Create(element.GetString());
            case JsonValueKind.Number:
                // Numbers that do not fit a long keep their exact text.
                return element.TryGetInt64(out var l) ? JsonValue.Create(l) : JsonValue.Create(element.Clone());
            case JsonValueKind.True:
                return JsonValue.Create(true);
            case JsonValueKind.False:
                return JsonValue.Create(false);
            default:
                return null;
        }
    }

    private static void Flatten(JsonObject obj, List<KubeObject> into)
    {
        var kind = JsonTree.GetString(obj, "kind") ?? "";
        if (kind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray items)
        {
            foreach (var item in items)
            {
                if (item is JsonObject child)
                {
                    Flatten(child, into);
                }
            }
            return;
        }
        into.Add(new KubeObject(obj));
    }

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.Array => "list",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
