using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Resources;

/// <summary>
/// Parses a JSON request body the way the API server's decoder reads it: a field given twice keeps its last value
/// (and is reported, for <c>fieldValidation</c>: Strict refuses it, Warn warns), and bytes that are not UTF-8 become
/// U+FFFD, as Go's decoder does, instead of failing the request.
/// </summary>
public static class JsonBody
{
    private const string DuplicatesKey = "emulator.duplicate-fields";

    /// <summary>
    /// The deepest nesting a body may have: System.Text.Json's default, which every later step (patching, writing the
    /// stored JSON) also keeps. Kubernetes' decoder allows 10,000; objects never come close to 64.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>Parses <paramref name="bytes"/>; the paths of fields given more than once go to <paramref name="duplicates"/>.</summary>
    /// <exception cref="JsonException">When the text is not JSON.</exception>
    public static JsonNode? Parse(byte[] bytes, List<string> duplicates)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            bytes = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes));
        }
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read())
        {
            throw new JsonException("unexpected end of JSON input");
        }
        var node = ReadValue(ref reader, "", duplicates);
        if (reader.Read())
        {
            throw new JsonException($"invalid character after top-level value at byte {reader.TokenStartIndex}");
        }
        return node;
    }

    /// <summary>Parses a request's body and remembers its duplicate fields for <see cref="DuplicateFields"/>.</summary>
    public static JsonNode? Parse(HttpContext context, byte[] bytes)
    {
        var duplicates = new List<string>();
        var node = Parse(bytes, duplicates);
        if (duplicates.Count > 0)
        {
            context.Items[DuplicatesKey] = duplicates;
        }
        return node;
    }

    /// <summary>The fields the request's body gave more than once (their paths, <c>metadata.name</c>).</summary>
    public static IReadOnlyList<string> DuplicateFields(HttpContext context) =>
        context.Items.TryGetValue(DuplicatesKey, out var found) && found is List<string> list ? list : [];

    private static JsonNode? ReadValue(ref Utf8JsonReader reader, string path, List<string> duplicates)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new JsonObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    var value = ReadValue(ref reader, childPath, duplicates);
                    if (obj.ContainsKey(name))
                    {
                        duplicates.Add(childPath);
                    }
                    obj[name] = value;
                }
                return obj;
            case JsonTokenType.StartArray:
                var array = new JsonArray();
                var index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    array.Add(ReadValue(ref reader, $"{path}[{index++}]", duplicates));
                }
                return array;
            case JsonTokenType.String:
                return JsonValue.Create(reader.GetString());
            case JsonTokenType.Number:
                // Kept as written: the typed decoder judges whether the number fits the field.
                return JsonNode.Parse(reader.ValueSpan);
            case JsonTokenType.True:
                return JsonValue.Create(true);
            case JsonTokenType.False:
                return JsonValue.Create(false);
            case JsonTokenType.Null:
                return null;
            default:
                throw new JsonException($"unexpected {reader.TokenType}");
        }
    }
}
