using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Api.Discovery;

namespace Emulator.Api.OpenApi;

/// <summary>
/// <c>/openapi/v2</c>: one Swagger 2.0 document for every served resource, converted from the <c>/openapi/v3</c> group
/// version documents (so both come from the model's field schema and the CRDs' structural schemas and cannot drift):
/// <c>components/schemas</c> become <c>definitions</c>, <c>{"allOf":[{"$ref":"#/components/schemas/X"}]}</c> becomes
/// <c>{"$ref":"#/definitions/X"}</c>, operations get v2 parameters (body, path, query), <c>consumes</c> and
/// <c>produces</c>. Custom resources' schemas lose what v2 cannot say, as the apiextensions API server strips them
/// (nullable, junctors, properties under <c>x-kubernetes-preserve-unknown-fields</c>). kubectl reads it (as protobuf)
/// for client-side apply's strategic merge patch metadata, <c>explain</c> without OpenAPI v3, and validation.
/// </summary>
public sealed class OpenApiV2(ApiResourceCatalog catalog, OpenApiV3 v3, TimeProvider clock)
{
    private const string V3Prefix = "#/components/schemas/";
    private const string V2Prefix = "#/definitions/";
    private const string PatchDefinition = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";

    // What a gnostic openapi_v2.Schema may hold (anything else fails its parser, so the API server never publishes it).
    private static readonly HashSet<string> SchemaKeys =
    [
        "$ref", "additionalProperties", "allOf", "default", "description", "discriminator", "enum", "example",
        "exclusiveMaximum", "exclusiveMinimum", "externalDocs", "format", "items", "maxItems", "maxLength",
        "maxProperties", "maximum", "minItems", "minLength", "minProperties", "minimum", "multipleOf", "pattern",
        "properties", "readOnly", "required", "title", "type", "uniqueItems", "xml",
    ];

    private readonly Lock _building = new();
    private volatile Snapshot? _current;

    /// <summary>The document in both encodings, with the entity tag and time the API server serves it with.</summary>
    /// <param name="Key">The v3 documents' hashes it was built from.</param>
    /// <param name="Json">The Swagger 2.0 JSON.</param>
    /// <param name="Protobuf">The gnostic <c>openapi.v2.Document</c> message.</param>
    /// <param name="ETag">Uppercase hex SHA-512 of the JSON (both encodings share it: the answer varies by Accept).</param>
    /// <param name="LastModified">When this version of the document was built.</param>
    public sealed record Snapshot(string Key, byte[] Json, byte[] Protobuf, string ETag, DateTimeOffset LastModified)
    {
        private byte[]? _gzipJson;
        private byte[]? _gzipProtobuf;

        /// <summary>The encoding's bytes, gzip-compressed (computed once).</summary>
        public byte[] Gzipped(bool protobuf) => protobuf
            ? _gzipProtobuf ??= Gzip(Protobuf)
            : _gzipJson ??= Gzip(Json);

        private static byte[] Gzip(byte[] data)
        {
            using var buffer = new MemoryStream();
            using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
            {
                gzip.Write(data);
            }
            return buffer.ToArray();
        }
    }

    /// <summary>The current document: rebuilt only when a group version's v3 document changed (a CRD came or went).</summary>
    public Snapshot Current()
    {
        var documents = v3.GroupVersionPaths().Select(path => (Path: path, Document: v3.Document(path))).Where(d => d.Document is not null).ToList();
        var key = string.Join(',', documents.Select(d => d.Path + "=" + d.Document!.Value.Hash));
        // Concurrent first requests build it once.
        lock (_building)
        {
            if (_current is { } current && current.Key == key)
            {
                return current;
            }
            var json = JsonSerializer.SerializeToUtf8Bytes(Build(documents.Select(d => JsonNode.Parse(d.Document!.Value.Json)!.AsObject())));
            var snapshot = new Snapshot(key, json, OpenApiV2Protobuf.Encode(JsonNode.Parse(json)!.AsObject()),
                Convert.ToHexString(SHA512.HashData(json)), clock.GetUtcNow());
            _current = snapshot;
            return snapshot;
        }
    }

    /// <summary>The Swagger 2.0 document converted from the given v3 group version documents.</summary>
    public JsonObject Build(IEnumerable<JsonObject> v3Documents)
    {
        var custom = CustomResourceDefinitions();
        var definitions = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var paths = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var document in v3Documents)
        {
            foreach (var (name, schema) in document["components"]?["schemas"] as JsonObject ?? [])
            {
                if (schema is not JsonObject v3Schema)
                {
                    continue;
                }
                if (!definitions.TryGetValue(name, out var existing))
                {
                    definitions[name] = custom.TryGetValue(name, out var kind) ? CustomResourceDefinition(v3Schema, kind) : Schema(v3Schema, structural: false);
                }
                else if (v3Schema["x-kubernetes-group-version-kind"] is JsonArray kinds)
                {
                    // A type other group versions only refer to (a PersistentVolumeClaim in a StatefulSet) is still the
                    // kind its own group version serves: the definition lists every group-version-kind it is.
                    if (existing["x-kubernetes-group-version-kind"] is not JsonArray listed)
                    {
                        existing["x-kubernetes-group-version-kind"] = listed = [];
                    }
                    foreach (var gvk in kinds.Where(k => !listed.Any(l => JsonNode.DeepEquals(l, k))).ToList())
                    {
                        listed.Add(gvk!.DeepClone());
                    }
                }
            }
            foreach (var (path, item) in document["paths"] as JsonObject ?? [])
            {
                if (item is JsonObject v3Item)
                {
                    paths[path] = PathItem(path, v3Item, custom, definitions.ContainsKey);
                }
            }
        }
        definitions[PatchDefinition] = new JsonObject
        {
            ["description"] = "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
            ["type"] = "object",
        };
        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = DiscoveryDocuments.GitVersion },
            ["paths"] = new JsonObject(paths.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            ["definitions"] = new JsonObject(definitions.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value))),
            ["securityDefinitions"] = new JsonObject
            {
                ["BearerToken"] = new JsonObject
                {
                    ["description"] = "Bearer Token authentication",
                    ["in"] = "header",
                    ["name"] = "authorization",
                    ["type"] = "apiKey",
                },
            },
            ["security"] = new JsonArray(new JsonObject { ["BearerToken"] = new JsonArray() }),
        };
    }

    // The custom resources' component names: their kind (true) and list kind (false).
    private Dictionary<string, bool> CustomResourceDefinitions()
    {
        var names = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var resource in catalog.Resources)
        {
            if (resource.Definition is { } crd && resource.CustomVersion is { } version)
            {
                var (kind, list) = CustomResourceSchemas.ComponentNames(crd, version);
                names[kind] = true;
                names[list] = false;
            }
        }
        return names;
    }

    // A custom resource whose root keeps unknown fields is published as a bare object in v2: kubectl would otherwise
    // reject every field the schema does not list (apiextensions' buildKubeNative).
    private static JsonObject CustomResourceDefinition(JsonObject v3Schema, bool kind)
    {
        if (kind && v3Schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true)
        {
            return new JsonObject
            {
                ["type"] = "object",
                ["x-kubernetes-group-version-kind"] = v3Schema["x-kubernetes-group-version-kind"]?.DeepClone(),
            };
        }
        return Schema(v3Schema, structural: true);
    }

    /// <summary>
    /// One v3 schema as v2 writes it. <paramref name="structural"/> applies what apiextensions' ToStructuralOpenAPIV2
    /// does to custom resources' schemas: a nullable value loses its type, items and properties; a value keeping unknown
    /// fields loses its items and properties (and its type when an object); an array without items its type; a nullable
    /// property is no longer required.
    /// </summary>
    public static JsonObject Schema(JsonObject v3Schema, bool structural)
    {
        var result = new JsonObject();
        // v3 wraps a reference as allOf so that a description can stand beside it; v2 puts them side by side.
        if (v3Schema["allOf"] is JsonArray { Count: 1 } allOf && allOf[0] is JsonObject only && only["$ref"] is JsonValue reference)
        {
            result["$ref"] = Reference(reference.GetValue<string>());
        }
        foreach (var (key, value) in v3Schema)
        {
            switch (key)
            {
                case "allOf":
                    break;
                case "$ref":
                    result["$ref"] = Reference(value!.GetValue<string>());
                    break;
                case "properties" when value is JsonObject properties:
                    result["properties"] = new JsonObject(properties.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)(p.Value is JsonObject o ? Schema(o, structural) : p.Value?.DeepClone()))));
                    break;
                case "items" when value is JsonObject items:
                    result["items"] = Schema(items, structural);
                    break;
                case "additionalProperties" when value is JsonObject additional:
                    result["additionalProperties"] = Schema(additional, structural);
                    break;
                default:
                    if (SchemaKeys.Contains(key) || key.StartsWith("x-", StringComparison.Ordinal))
                    {
                        result[key] = value?.DeepClone();
                    }
                    break;
            }
        }
        if (structural)
        {
            StripForV2(v3Schema, result);
        }
        else if (v3Schema["x-kubernetes-preserve-unknown-fields"] is JsonValue preserve && preserve.GetValue<bool>()
            && !result.ContainsKey("properties") && result["type"]?.GetValue<string>() == "object")
        {
            // A free-form value (a struct the model does not describe): untyped, as for custom resources, so that
            // kubectl's patch computation looks no further into it rather than failing on "expected kind, but got map".
            result.Remove("type");
        }
        return result;
    }

    private static void StripForV2(JsonObject v3Schema, JsonObject schema)
    {
        static bool IsTrue(JsonNode? node) => node is JsonValue value && value.TryGetValue<bool>(out var b) && b;
        var preserve = IsTrue(v3Schema["x-kubernetes-preserve-unknown-fields"]);
        if (IsTrue(v3Schema["nullable"]))
        {
            // Untyped values break kubectl when items or properties are set.
            schema.Remove("type");
            schema.Remove("items");
            schema.Remove("properties");
        }
        if (preserve)
        {
            schema.Remove("items");
            schema.Remove("properties");
        }
        if (!schema.ContainsKey("items") && schema["type"]?.GetValue<string>() == "array")
        {
            schema.Remove("type");
        }
        if (preserve && schema["type"]?.GetValue<string>() == "object")
        {
            schema.Remove("type");
        }
        if (schema["required"] is JsonArray required)
        {
            var properties = schema["properties"] as JsonObject;
            var nullable = (v3Schema["properties"] as JsonObject ?? [])
                .Where(p => properties is not null && p.Value is JsonObject o && IsTrue(o["nullable"]))
                .Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            var kept = required.Select(r => r!.GetValue<string>()).Where(r => !nullable.Contains(r)).ToArray();
            if (v3Schema["additionalProperties"] is JsonObject additional && IsTrue(additional["nullable"]))
            {
                kept = [];
            }
            if (kept.Length == 0)
            {
                schema.Remove("required");
            }
            else if (kept.Length != required.Count)
            {
                schema["required"] = new JsonArray(kept.Select(r => (JsonNode)r).ToArray());
            }
        }
    }

    private static string Reference(string v3Reference) =>
        v3Reference.StartsWith(V3Prefix, StringComparison.Ordinal) ? V2Prefix + v3Reference[V3Prefix.Length..] : v3Reference;

    private static JsonObject PathItem(string path, JsonObject v3Item, Dictionary<string, bool> custom, Func<string, bool> defined)
    {
        var item = new JsonObject();
        string? kind = null;
        foreach (var method in new[] { "delete", "get", "patch", "post", "put" })
        {
            if (v3Item[method] is JsonObject operation)
            {
                item[method] = Operation(method, operation, custom, defined);
                kind ??= operation["x-kubernetes-group-version-kind"]?["kind"]?.GetValue<string>();
            }
        }
        // Parameters every operation of the path shares, as the API server lists them on the path.
        var parameters = new JsonArray();
        if (path.EndsWith("/{name}", StringComparison.Ordinal))
        {
            parameters.Add(PathParameter("name", $"name of the {kind}"));
        }
        if (path.Contains("/{namespace}/", StringComparison.Ordinal))
        {
            parameters.Add(PathParameter("namespace", "object name and auth scope, such as for teams and projects"));
        }
        parameters.Add(new JsonObject
        {
            ["description"] = "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
            ["in"] = "query",
            ["name"] = "pretty",
            ["type"] = "string",
            ["uniqueItems"] = true,
        });
        item["parameters"] = parameters;
        return item;
    }

    private static JsonObject PathParameter(string name, string description) => new()
    {
        ["description"] = description,
        ["in"] = "path",
        ["name"] = name,
        ["required"] = true,
        ["type"] = "string",
        ["uniqueItems"] = true,
    };

    private static JsonObject Operation(string method, JsonObject v3Operation, Dictionary<string, bool> custom, Func<string, bool> defined)
    {
        var reference = v3Operation["responses"]?["200"]?["content"]?["application/json"]?["schema"] is JsonObject schema
            ? Schema(schema, structural: false)
            : new JsonObject { ["type"] = "object" };
        var target = reference["$ref"]?.GetValue<string>() ?? "";
        var isCustom = target.StartsWith(V2Prefix, StringComparison.Ordinal) && custom.ContainsKey(target[V2Prefix.Length..]);
        // A list answers with the list kind.
        if (v3Operation["x-kubernetes-action"]?.GetValue<string>() == "list" && target.Length > 0 && defined(target[V2Prefix.Length..] + "List"))
        {
            reference = new JsonObject { ["$ref"] = target + "List" };
        }
        var parameters = new JsonArray();
        if (method is "post" or "put" or "patch")
        {
            parameters.Add(new JsonObject
            {
                ["in"] = "body",
                ["name"] = "body",
                ["required"] = true,
                ["schema"] = method == "patch" ? new JsonObject { ["$ref"] = V2Prefix + PatchDefinition } : reference.DeepClone(),
            });
        }
        foreach (var parameter in v3Operation["parameters"] as JsonArray ?? [])
        {
            if (parameter is JsonObject p)
            {
                var v2 = new JsonObject { ["in"] = p["in"]?.DeepClone(), ["name"] = p["name"]?.DeepClone() };
                foreach (var (key, value) in p["schema"] as JsonObject ?? [])
                {
                    v2[key] = value?.DeepClone();
                }
                parameters.Add(v2);
            }
        }
        if (method == "patch")
        {
            parameters.Add(new JsonObject { ["in"] = "query", ["name"] = "force", ["type"] = "boolean", ["uniqueItems"] = true });
        }
        var responses = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK", ["schema"] = reference.DeepClone() } };
        if (method is "post" or "put")
        {
            responses["201"] = new JsonObject { ["description"] = "Created", ["schema"] = reference.DeepClone() };
        }
        if (method is "post" or "delete")
        {
            responses["202"] = new JsonObject { ["description"] = "Accepted", ["schema"] = reference.DeepClone() };
        }
        responses["401"] = new JsonObject { ["description"] = "Unauthorized" };
        var result = new JsonObject
        {
            // A custom resource takes no strategic merge patch: kubectl sends it a JSON merge patch instead.
            ["consumes"] = method != "patch" ? new JsonArray("*/*")
                : isCustom ? new JsonArray("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")
                : new JsonArray("application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"),
            ["operationId"] = v3Operation["operationId"]?.DeepClone(),
            ["tags"] = v3Operation["tags"]?.DeepClone(),
            ["parameters"] = parameters,
            ["produces"] = isCustom ? new JsonArray("application/json", "application/yaml")
                : new JsonArray("application/json", "application/yaml", "application/vnd.kubernetes.protobuf"),
            ["responses"] = responses,
            ["schemes"] = new JsonArray("https"),
        };
        foreach (var (key, value) in v3Operation)
        {
            if (key.StartsWith("x-", StringComparison.Ordinal))
            {
                result[key] = value?.DeepClone();
            }
        }
        if (parameters.Count == 0)
        {
            result.Remove("parameters");
        }
        return result;
    }
}
