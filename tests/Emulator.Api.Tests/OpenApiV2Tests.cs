using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

public sealed class OpenApiV2Tests(CustomResourceFixture api) : IClassFixture<CustomResourceFixture>
{
    private const string Protobuf = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    private async Task<JsonObject> V2()
    {
        var (status, document, response) = await api.Send(HttpMethod.Get, "/openapi/v2", accept: "application/json");
        Assert.Equal(200, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        return document;
    }

    private async Task<byte[]> V2Protobuf()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        request.Headers.TryAddWithoutValidation("Accept", Protobuf);
        using var response = await api.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/com.github.proto-openapi.spec.v2.v1.0+protobuf", response.Content.Headers.ContentType!.ToString());
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    private static IEnumerable<string> References(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "$ref" && p.Value is JsonValue v ? [v.GetValue<string>()] : References(p.Value)),
        JsonArray a => a.SelectMany(References),
        _ => [],
    };

    [Fact]
    public async Task The_v2_document_has_definitions_keyed_by_Go_package_with_kinds_and_patch_metadata()
    {
        var document = await V2();
        Assert.Equal("2.0", document["swagger"]!.GetValue<string>());
        var definitions = document["definitions"]!.AsObject();
        var deployment = definitions["io.k8s.api.apps.v1.Deployment"]!;
        AssertJson("""[{"group":"apps","kind":"Deployment","version":"v1"}]""", deployment["x-kubernetes-group-version-kind"]!);
        Assert.Equal("#/definitions/io.k8s.api.apps.v1.DeploymentSpec", deployment["properties"]!["spec"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", deployment["properties"]!["metadata"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta", definitions["io.k8s.api.apps.v1.DeploymentList"]!["properties"]!["metadata"]!["$ref"]!.GetValue<string>());
        var containers = definitions["io.k8s.api.core.v1.PodSpec"]!["properties"]!["containers"]!;
        Assert.Equal(("array", "name", "merge"), (containers["type"]!.GetValue<string>(), containers["x-kubernetes-patch-merge-key"]!.GetValue<string>(), containers["x-kubernetes-patch-strategy"]!.GetValue<string>()));
        Assert.Equal("#/definitions/io.k8s.api.core.v1.Container", containers["items"]!["$ref"]!.GetValue<string>());
        var volumes = definitions["io.k8s.api.core.v1.PodSpec"]!["properties"]!["volumes"]!;
        Assert.Equal("merge,retainKeys", volumes["x-kubernetes-patch-strategy"]!.GetValue<string>());
        AssertJson("""{"format":"int-or-string","type":"string"}""", definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!);
        AssertJson("""{"type":"string"}""", definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"]!);
        Assert.Equal("date-time", definitions["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]!["format"]!.GetValue<string>());
        Assert.Equal("int32", definitions["io.k8s.api.apps.v1.DeploymentSpec"]!["properties"]!["replicas"]!["format"]!.GetValue<string>());
        // v2 has no allOf wrapping, no v3 component references, and every reference resolves.
        var references = References(document).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.True(r.StartsWith("#/definitions/", StringComparison.Ordinal) && definitions.ContainsKey(r["#/definitions/".Length..]), r));
        Assert.DoesNotContain("#/components/", document.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_v3_schema_is_a_v2_definition_with_the_same_fields_and_merge_rules()
    {
        var v2 = (await V2())["definitions"]!.AsObject();
        var (_, root, _) = await api.Send(HttpMethod.Get, "/openapi/v3");
        var compared = 0;
        foreach (var (_, entry) in root["paths"]!.AsObject())
        {
            var (_, v3, _) = await api.Send(HttpMethod.Get, entry!["serverRelativeURL"]!.GetValue<string>());
            foreach (var (name, schema) in v3["components"]!["schemas"]!.AsObject())
            {
                var definition = v2[name];
                Assert.True(definition is not null, name);
                var v3Properties = schema!["properties"] as JsonObject ?? [];
                var v2Properties = definition!["properties"] as JsonObject ?? [];
                Assert.Equal(v3Properties.Select(p => p.Key).Order(), v2Properties.Select(p => p.Key).Order());
                foreach (var (field, property) in v3Properties)
                {
                    foreach (var extension in new[] { "x-kubernetes-patch-merge-key", "x-kubernetes-patch-strategy", "x-kubernetes-list-type", "x-kubernetes-list-map-keys" })
                    {
                        Assert.True(JsonNode.DeepEquals(property![extension], v2Properties[field]![extension]), $"{name}.{field} {extension}");
                    }
                    var v3Reference = property!["allOf"]?[0]?["$ref"] ?? property["items"]?["allOf"]?[0]?["$ref"];
                    var v2Reference = v2Properties[field]!["$ref"] ?? v2Properties[field]!["items"]?["$ref"];
                    Assert.Equal(v3Reference?.GetValue<string>().Replace("#/components/schemas/", "#/definitions/", StringComparison.Ordinal), v2Reference?.GetValue<string>());
                }
                // A definition is every kind any group version says it is.
                foreach (var gvk in schema["x-kubernetes-group-version-kind"] as JsonArray ?? [])
                {
                    Assert.Contains(definition["x-kubernetes-group-version-kind"]!.AsArray(), listed => JsonNode.DeepEquals(listed, gvk));
                }
                compared++;
            }
        }
        Assert.True(compared > 100, $"{compared} schemas compared");
    }

    [Fact]
    public async Task Every_served_resource_has_operations_with_their_action_kind_and_patch_types()
    {
        var paths = (await V2())["paths"]!.AsObject();
        var item = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!;
        var patch = item["patch"]!;
        Assert.Equal("patch", patch["x-kubernetes-action"]!.GetValue<string>());
        Assert.Equal("patchAppsV1NamespacedDeployment", patch["operationId"]!.GetValue<string>());
        AssertJson("""["apps_v1"]""", patch["tags"]);
        Assert.Equal("readCoreV1Node", paths["/api/v1/nodes/{name}"]!["get"]!["operationId"]!.GetValue<string>());
        Assert.Equal("listRbacAuthorizationV1ClusterRole", paths["/apis/rbac.authorization.k8s.io/v1/clusterroles"]!["get"]!["operationId"]!.GetValue<string>());
        AssertJson("""{"group":"apps","kind":"Deployment","version":"v1"}""", patch["x-kubernetes-group-version-kind"]!);
        Assert.Contains("application/strategic-merge-patch+json", patch["consumes"]!.AsArray().Select(c => c!.GetValue<string>()));
        var parameters = patch["parameters"]!.AsArray();
        Assert.Contains(parameters, p => p!["name"]!.GetValue<string>() == "fieldValidation" && p["in"]!.GetValue<string>() == "query" && p["type"]!.GetValue<string>() == "string");
        Assert.Contains(parameters, p => p!["in"]!.GetValue<string>() == "body" && p["schema"]!["$ref"]!.GetValue<string>() == "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch");
        Assert.Equal(["name", "namespace", "pretty"], item["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
        Assert.Equal("#/definitions/io.k8s.api.apps.v1.Deployment", item["get"]!["responses"]!["200"]!["schema"]!["$ref"]!.GetValue<string>());
        var collection = paths["/apis/apps/v1/namespaces/{namespace}/deployments"]!;
        Assert.Equal("list", collection["get"]!["x-kubernetes-action"]!.GetValue<string>());
        Assert.Equal("#/definitions/io.k8s.api.apps.v1.DeploymentList", collection["get"]!["responses"]!["200"]!["schema"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/definitions/io.k8s.api.apps.v1.Deployment", collection["post"]!["parameters"]![0]!["schema"]!["$ref"]!.GetValue<string>());
        // Cluster-scoped resources have no namespace in their path.
        Assert.Equal("Node", paths["/api/v1/nodes/{name}"]!["get"]!["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Equal(["name", "pretty"], paths["/api/v1/nodes/{name}"]!["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_protobuf_document_decodes_to_the_JSON_document()
    {
        var json = await V2();
        var decoded = GnosticReader.Document(await V2Protobuf());
        Assert.Equal("2.0", decoded["swagger"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(json["info"], decoded["info"]));
        Assert.Equal(json["definitions"]!.AsObject().Select(d => d.Key), decoded["definitions"]!.AsObject().Select(d => d.Key));
        foreach (var (name, definition) in json["definitions"]!.AsObject())
        {
            Assert.True(JsonNode.DeepEquals(definition, decoded["definitions"]![name]), $"{name}: {definition!.ToJsonString()} != {decoded["definitions"]![name]!.ToJsonString()}");
        }
        Assert.Equal(json["paths"]!.AsObject().Select(d => d.Key), decoded["paths"]!.AsObject().Select(d => d.Key));
        foreach (var (path, item) in json["paths"]!.AsObject())
        {
            Assert.True(JsonNode.DeepEquals(item, decoded["paths"]![path]), $"{path}: {item!.ToJsonString()} != {decoded["paths"]![path]!.ToJsonString()}");
        }
        Assert.True(JsonNode.DeepEquals(json["securityDefinitions"], decoded["securityDefinitions"]));
        Assert.True(JsonNode.DeepEquals(json["security"], decoded["security"]));
    }

    [Fact]
    public async Task The_answer_is_negotiated_by_Accept_and_revalidated_by_its_entity_tag()
    {
        using var first = await api.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/openapi/v2"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        // No Accept (*/*) is JSON.
        Assert.Equal("application/json", first.Content.Headers.ContentType!.MediaType);
        Assert.Contains("Accept", first.Headers.Vary);
        var etag = first.Headers.ETag!;
        Assert.Matches("^\"[0-9A-F]{128}\"$", etag.Tag);
        Assert.NotNull(first.Content.Headers.LastModified);

        using var revalidate = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        revalidate.Headers.TryAddWithoutValidation("Accept", Protobuf);
        revalidate.Headers.IfNoneMatch.Add(etag);
        using var notModified = await api.Client.SendAsync(revalidate);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var stale = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"0000\""));
        using var changed = await api.Client.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        using var preferred = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        preferred.Headers.TryAddWithoutValidation("Accept", "application/json;q=0.5, application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
        using var protobuf = await api.Client.SendAsync(preferred);
        Assert.Equal("application/com.github.proto-openapi.spec.v2.v1.0+protobuf", protobuf.Content.Headers.ContentType!.ToString());

        using var html = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        html.Headers.TryAddWithoutValidation("Accept", "text/html");
        using var unacceptable = await api.Client.SendAsync(html);
        Assert.Equal(HttpStatusCode.NotAcceptable, unacceptable.StatusCode);

        // kubectl's Go transport asks for gzip, as kube-openapi's handler (gziphandler) answers large documents.
        using var zipped = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        zipped.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
        using var compressed = await api.Client.SendAsync(zipped);
        Assert.Equal(["gzip"], compressed.Content.Headers.ContentEncoding);
        await using var unzip = new System.IO.Compression.GZipStream(await compressed.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress);
        Assert.Equal("2.0", JsonNode.Parse(unzip)!["swagger"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_custom_resource_is_published_as_apiextensions_publishes_it_in_v2()
    {
        var crd = JsonNode.Parse("""
            {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
             "metadata": {"name": "gizmos.v2.example.com"},
             "spec": {"group": "v2.example.com", "scope": "Namespaced",
               "names": {"plural": "gizmos", "kind": "Gizmo"},
               "versions": [{"name": "v1", "served": true, "storage": true,
                 "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                   "spec": {"type": "object", "required": ["size", "note"], "properties": {
                     "size": {"type": "string", "enum": ["S", "M"], "maxLength": 1},
                     "note": {"type": "string", "nullable": true},
                     "port": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]},
                     "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {"a": {"type": "string"}}},
                     "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"}}}}}}}]}}
            """);
        Assert.Equal(201, (await api.Send(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).Status);
        JsonObject document = [];
        for (var attempt = 0; attempt < 100 && document["definitions"]?["com.example.v2.v1.Gizmo"] is null; attempt++)
        {
            document = await V2();
            await Task.Delay(attempt == 0 ? 0 : 50);
        }
        var gizmo = document["definitions"]!["com.example.v2.v1.Gizmo"]!;
        AssertJson("""[{"group":"v2.example.com","kind":"Gizmo","version":"v1"}]""", gizmo["x-kubernetes-group-version-kind"]!);
        Assert.Equal("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", gizmo["properties"]!["metadata"]!["$ref"]!.GetValue<string>());
        var spec = gizmo["properties"]!["spec"]!;
        // A nullable property loses its type and is no longer required; junctors and unknown-field subtrees are dropped.
        AssertJson("""["size"]""", spec["required"]!);
        AssertJson("""{"enum":["S","M"],"maxLength":1,"type":"string"}""", spec["properties"]!["size"]!);
        AssertJson("{}", spec["properties"]!["note"]!);
        AssertJson("""{"x-kubernetes-int-or-string":true}""", spec["properties"]!["port"]!);
        AssertJson("""{"x-kubernetes-preserve-unknown-fields":true}""", spec["properties"]!["extra"]!);
        Assert.Equal("set", spec["properties"]!["tags"]!["x-kubernetes-list-type"]!.GetValue<string>());
        Assert.NotNull(document["definitions"]!["com.example.v2.v1.GizmoList"]);
        // No strategic merge patch for custom resources: kubectl falls back to a JSON merge patch.
        var patch = document["paths"]!["/apis/v2.example.com/v1/namespaces/{namespace}/gizmos/{name}"]!["patch"]!;
        Assert.DoesNotContain("application/strategic-merge-patch+json", patch["consumes"]!.AsArray().Select(c => c!.GetValue<string>()));
        // The protobuf encoding carries the custom resource too (enum values and extensions as YAML).
        var decoded = GnosticReader.Document(await V2Protobuf());
        Assert.True(JsonNode.DeepEquals(gizmo, decoded["definitions"]!["com.example.v2.v1.Gizmo"]), decoded["definitions"]!["com.example.v2.v1.Gizmo"]!.ToJsonString());
    }

    /// <summary>
    /// Decodes the gnostic <c>openapi.v2.Document</c> messages the server writes back into Swagger JSON, field by field
    /// from <c>openapiv2/OpenAPIv2.proto</c>, so the test checks the wire encoding independently of the encoder.
    /// </summary>
    private static class GnosticReader
    {
        private readonly record struct Field(int Number, int WireType, ulong Varint, byte[] Bytes)
        {
            public string Text => Encoding.UTF8.GetString(Bytes);
        }

        private static List<Field> Fields(byte[] data)
        {
            var fields = new List<Field>();
            var position = 0;
            while (position < data.Length)
            {
                var tag = Varint(data, ref position);
                var (number, wireType) = ((int)(tag >> 3), (int)(tag & 7));
                switch (wireType)
                {
                    case 0:
                        fields.Add(new Field(number, 0, Varint(data, ref position), []));
                        break;
                    case 1:
                        fields.Add(new Field(number, 1, BitConverter.ToUInt64(data, position), []));
                        position += 8;
                        break;
                    case 2:
                        var length = (int)Varint(data, ref position);
                        fields.Add(new Field(number, 2, 0, data[position..(position + length)]));
                        position += length;
                        break;
                    default:
                        throw new InvalidDataException($"wire type {wireType} of field {number}");
                }
            }
            return fields;
        }

        private static ulong Varint(byte[] data, ref int position)
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = data[position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
        }

        private static JsonNode Yaml(byte[] any) => JsonNode.Parse(Fields(any).Single(f => f.Number == 2).Text)!;

        private static void Extension(JsonObject owner, byte[] namedAny)
        {
            var fields = Fields(namedAny);
            owner[fields.Single(f => f.Number == 1).Text] = Yaml(fields.Single(f => f.Number == 2).Bytes);
        }

        private static (string Name, byte[] Value) Named(byte[] named)
        {
            var fields = Fields(named);
            return (fields.Single(f => f.Number == 1).Text, fields.Single(f => f.Number == 2).Bytes);
        }

        public static JsonObject Document(byte[] data)
        {
            var document = new JsonObject();
            foreach (var field in Fields(data))
            {
                switch (field.Number)
                {
                    case 1:
                        document["swagger"] = field.Text;
                        break;
                    case 2:
                        document["info"] = new JsonObject(Fields(field.Bytes).Select(f => KeyValuePair.Create(f.Number == 1 ? "title" : "version", (JsonNode?)f.Text)));
                        break;
                    case 8:
                        var paths = new JsonObject();
                        foreach (var path in Fields(field.Bytes).Where(f => f.Number == 2))
                        {
                            var (name, item) = Named(path.Bytes);
                            paths[name] = PathItem(item);
                        }
                        document["paths"] = paths;
                        break;
                    case 9:
                        document["definitions"] = NamedSchemas(field.Bytes);
                        break;
                    case 12:
                        var requirement = new JsonObject();
                        foreach (var entry in Fields(field.Bytes))
                        {
                            var (name, scopes) = Named(entry.Bytes);
                            requirement[name] = new JsonArray(Fields(scopes).Select(s => (JsonNode)s.Text).ToArray());
                        }
                        (document["security"] ??= new JsonArray()).AsArray().Add(requirement);
                        break;
                    case 13:
                        var definitions = new JsonObject();
                        foreach (var entry in Fields(field.Bytes))
                        {
                            var (name, item) = Named(entry.Bytes);
                            var apiKey = Fields(Fields(item).Single(f => f.Number == 2).Bytes);
                            var names = new[] { "", "type", "name", "in", "description" };
                            definitions[name] = new JsonObject(apiKey.Select(f => KeyValuePair.Create(names[f.Number], (JsonNode?)f.Text)));
                        }
                        document["securityDefinitions"] = definitions;
                        break;
                    default:
                        throw new InvalidDataException($"Document field {field.Number}");
                }
            }
            return document;
        }

        private static JsonObject PathItem(byte[] data)
        {
            var item = new JsonObject();
            var methods = new Dictionary<int, string> { [2] = "get", [3] = "put", [4] = "post", [5] = "delete", [8] = "patch" };
            foreach (var field in Fields(data))
            {
                if (methods.TryGetValue(field.Number, out var method))
                {
                    item[method] = Operation(field.Bytes);
                }
                else if (field.Number == 9)
                {
                    (item["parameters"] ??= new JsonArray()).AsArray().Add(Parameter(field.Bytes));
                }
                else
                {
                    throw new InvalidDataException($"PathItem field {field.Number}");
                }
            }
            return item;
        }

        private static JsonObject Operation(byte[] data)
        {
            var operation = new JsonObject();
            foreach (var field in Fields(data))
            {
                switch (field.Number)
                {
                    case 1:
                        (operation["tags"] ??= new JsonArray()).AsArray().Add(field.Text);
                        break;
                    case 5:
                        operation["operationId"] = field.Text;
                        break;
                    case 6 or 7 or 10:
                        var key = field.Number switch { 6 => "produces", 7 => "consumes", _ => "schemes" };
                        (operation[key] ??= new JsonArray()).AsArray().Add(field.Text);
                        break;
                    case 8:
                        (operation["parameters"] ??= new JsonArray()).AsArray().Add(Parameter(field.Bytes));
                        break;
                    case 9:
                        var responses = new JsonObject();
                        foreach (var code in Fields(field.Bytes))
                        {
                            var (name, value) = Named(code.Bytes);
                            var response = new JsonObject();
                            foreach (var f in Fields(Fields(value).Single(v => v.Number == 1).Bytes))
                            {
                                if (f.Number == 1)
                                {
                                    response["description"] = f.Text;
                                }
                                else
                                {
                                    response["schema"] = Schema(Fields(f.Bytes).Single(s => s.Number == 1).Bytes);
                                }
                            }
                            responses[name] = response;
                        }
                        operation["responses"] = responses;
                        break;
                    case 13:
                        Extension(operation, field.Bytes);
                        break;
                    default:
                        throw new InvalidDataException($"Operation field {field.Number}");
                }
            }
            return operation;
        }

        // ParametersItem {parameter {body_parameter | non_body_parameter {query 3 | path 4}}}.
        private static JsonObject Parameter(byte[] data)
        {
            var parameter = Fields(Fields(data).Single(f => f.Number == 1).Bytes).Single();
            var result = new JsonObject();
            if (parameter.Number == 1)
            {
                foreach (var f in Fields(parameter.Bytes))
                {
                    _ = f.Number switch
                    {
                        2 => result["name"] = f.Text,
                        3 => result["in"] = f.Text,
                        4 => result["required"] = f.Varint != 0,
                        5 => result["schema"] = Schema(f.Bytes),
                        _ => throw new InvalidDataException($"BodyParameter field {f.Number}"),
                    };
                }
                return result;
            }
            var nonBody = Fields(parameter.Bytes).Single();
            var shift = nonBody.Number == 4 ? 1 : 0;
            foreach (var f in Fields(nonBody.Bytes))
            {
                var name = f.Number switch
                {
                    1 => "required",
                    2 => "in",
                    3 => "description",
                    4 => "name",
                    _ when f.Number == 6 - shift => "type",
                    _ when f.Number == 20 - shift => "uniqueItems",
                    _ => throw new InvalidDataException($"parameter field {f.Number}"),
                };
                result[name] = f.WireType == 0 ? f.Varint != 0 : f.Text;
            }
            return result;
        }

        private static JsonObject NamedSchemas(byte[] data)
        {
            var schemas = new JsonObject();
            foreach (var entry in Fields(data))
            {
                var (name, schema) = Named(entry.Bytes);
                schemas[name] = Schema(schema);
            }
            return schemas;
        }

        private static JsonObject Schema(byte[] data)
        {
            var schema = new JsonObject();
            foreach (var field in Fields(data))
            {
                switch (field.Number)
                {
                    case 1:
                        schema["$ref"] = field.Text;
                        break;
                    case 2:
                        schema["format"] = field.Text;
                        break;
                    case 4:
                        schema["description"] = field.Text;
                        break;
                    case 11:
                        schema["maxLength"] = (long)field.Varint;
                        break;
                    case 19:
                        (schema["required"] ??= new JsonArray()).AsArray().Add(field.Text);
                        break;
                    case 20:
                        (schema["enum"] ??= new JsonArray()).AsArray().Add(Yaml(field.Bytes));
                        break;
                    case 21:
                        var additional = Fields(field.Bytes).Single();
                        schema["additionalProperties"] = additional.Number == 1 ? Schema(additional.Bytes) : additional.Varint != 0;
                        break;
                    case 22:
                        schema["type"] = Fields(field.Bytes).Single().Text;
                        break;
                    case 23:
                        schema["items"] = Schema(Fields(field.Bytes).Single().Bytes);
                        break;
                    case 25:
                        schema["properties"] = NamedSchemas(field.Bytes);
                        break;
                    case 31:
                        Extension(schema, field.Bytes);
                        break;
                    default:
                        throw new InvalidDataException($"Schema field {field.Number}");
                }
            }
            return schema;
        }
    }
}
