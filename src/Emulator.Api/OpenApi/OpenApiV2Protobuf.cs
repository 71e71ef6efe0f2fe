using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Api.OpenApi;

/// <summary>
/// The Swagger 2.0 document as the gnostic <c>openapi.v2.Document</c> protobuf message
/// (github.com/google/gnostic-models, <c>openapiv2/OpenAPIv2.proto</c>), which kubectl asks for
/// (<c>application/com.github.proto-openapi.spec.v2@v1.0+protobuf</c>). Only the messages the document uses are
/// encoded; fields go out in field-number order and proto3 zero values are left out, as Go's <c>proto.Marshal</c>
/// does. Vendor extensions (<c>x-kubernetes-*</c>), defaults, examples and enum values are <c>Any</c> messages
/// carrying their value as YAML text (JSON is YAML), which kubectl unmarshals.
/// </summary>
public static class OpenApiV2Protobuf
{
    /// <summary>Encodes a Swagger 2.0 document.</summary>
    public static byte[] Encode(JsonObject document)
    {
        var writer = new ProtoWriter();
        writer.String(1, Text(document["swagger"]));
        if (document["info"] is JsonObject info)
        {
            writer.Message(2, w =>
            {
                w.String(1, Text(info["title"]));
                w.String(2, Text(info["version"]));
                w.String(3, Text(info["description"]));
                Extensions(w, 7, info);
            });
        }
        writer.String(3, Text(document["host"]));
        writer.String(4, Text(document["basePath"]));
        writer.Strings(5, document["schemes"]);
        writer.Strings(6, document["consumes"]);
        writer.Strings(7, document["produces"]);
        if (document["paths"] is JsonObject paths)
        {
            writer.Message(8, w =>
            {
                Extensions(w, 1, paths);
                foreach (var (path, item) in paths)
                {
                    if (!path.StartsWith("x-", StringComparison.Ordinal) && item is JsonObject pathItem)
                    {
                        w.Message(2, named => { named.String(1, path); named.Message(2, v => PathItem(v, pathItem)); });
                    }
                }
            });
        }
        if (document["definitions"] is JsonObject definitions)
        {
            writer.Message(9, w => NamedSchemas(w, 1, definitions));
        }
        if (document["security"] is JsonArray security)
        {
            foreach (var requirement in security.OfType<JsonObject>())
            {
                writer.Message(12, w =>
                {
                    foreach (var (name, scopes) in requirement)
                    {
                        w.Message(1, named => { named.String(1, name); named.Message(2, array => array.Strings(1, scopes)); });
                    }
                });
            }
        }
        if (document["securityDefinitions"] is JsonObject securityDefinitions)
        {
            writer.Message(13, w =>
            {
                foreach (var (name, value) in securityDefinitions)
                {
                    if (value is JsonObject scheme && Text(scheme["type"]) == "apiKey")
                    {
                        // SecurityDefinitionsItem.api_key_security: ApiKeySecurity {type, name, in, description}.
                        w.Message(1, named =>
                        {
                            named.String(1, name);
                            named.Message(2, item => item.Message(2, key =>
                            {
                                key.String(1, Text(scheme["type"]));
                                key.String(2, Text(scheme["name"]));
                                key.String(3, Text(scheme["in"]));
                                key.String(4, Text(scheme["description"]));
                                Extensions(key, 5, scheme);
                            }));
                        });
                    }
                }
            });
        }
        Extensions(writer, 16, document);
        return writer.ToArray();
    }

    private static void PathItem(ProtoWriter w, JsonObject item)
    {
        w.String(1, Text(item["$ref"]));
        foreach (var (field, method) in new[] { (2, "get"), (3, "put"), (4, "post"), (5, "delete"), (6, "options"), (7, "head"), (8, "patch") })
        {
            if (item[method] is JsonObject operation)
            {
                w.Message(field, o => Operation(o, operation));
            }
        }
        Parameters(w, 9, item["parameters"]);
        Extensions(w, 10, item);
    }

    private static void Operation(ProtoWriter w, JsonObject operation)
    {
        w.Strings(1, operation["tags"]);
        w.String(2, Text(operation["summary"]));
        w.String(3, Text(operation["description"]));
        w.String(5, Text(operation["operationId"]));
        w.Strings(6, operation["produces"]);
        w.Strings(7, operation["consumes"]);
        Parameters(w, 8, operation["parameters"]);
        if (operation["responses"] is JsonObject responses)
        {
            w.Message(9, r =>
            {
                foreach (var (code, value) in responses)
                {
                    if (code.StartsWith("x-", StringComparison.Ordinal) || value is not JsonObject response)
                    {
                        continue;
                    }
                    // NamedResponseValue {name, value: ResponseValue {response: Response {description, schema: SchemaItem {schema}}}}.
                    r.Message(1, named =>
                    {
                        named.String(1, code);
                        named.Message(2, v => v.Message(1, body =>
                        {
                            body.String(1, Text(response["description"]));
                            if (response["schema"] is JsonObject schema)
                            {
                                body.Message(2, item => item.Message(1, s => Schema(s, schema)));
                            }
                            Extensions(body, 5, response);
                        }));
                    });
                }
                Extensions(r, 2, responses);
            });
        }
        w.Strings(10, operation["schemes"]);
        w.Bool(11, operation["deprecated"]);
        Extensions(w, 13, operation);
    }

    private static void Parameters(ProtoWriter w, int field, JsonNode? parameters)
    {
        foreach (var parameter in (parameters as JsonArray ?? []).OfType<JsonObject>())
        {
            // ParametersItem: parameter (1) or json_reference (2).
            w.Message(field, item =>
            {
                if (parameter["$ref"] is not null)
                {
                    item.Message(2, reference => { reference.String(1, Text(parameter["$ref"])); reference.String(2, Text(parameter["description"])); });
                    return;
                }
                item.Message(1, p => Parameter(p, parameter));
            });
        }
    }

    private static void Parameter(ProtoWriter w, JsonObject parameter)
    {
        var location = Text(parameter["in"]);
        if (location == "body")
        {
            // Parameter.body_parameter: BodyParameter {description, name, in, required, schema}.
            w.Message(1, body =>
            {
                body.String(1, Text(parameter["description"]));
                body.String(2, Text(parameter["name"]));
                body.String(3, location);
                body.Bool(4, parameter["required"]);
                if (parameter["schema"] is JsonObject schema)
                {
                    body.Message(5, s => Schema(s, schema));
                }
                Extensions(body, 6, parameter);
            });
            return;
        }
        // Parameter.non_body_parameter: NonBodyParameter {header 1, formData 2, query 3, path 4}. Header and path
        // sub-schemas have no allow_empty_value, so their later fields sit one number lower.
        var (choice, shift) = location switch
        {
            "header" => (1, 1),
            "formData" => (2, 0),
            "path" => (4, 1),
            _ => (3, 0),
        };
        w.Message(2, nonBody => nonBody.Message(choice, p =>
        {
            p.Bool(1, parameter["required"]);
            p.String(2, location);
            p.String(3, Text(parameter["description"]));
            p.String(4, Text(parameter["name"]));
            if (shift == 0)
            {
                p.Bool(5, parameter["allowEmptyValue"]);
            }
            p.String(6 - shift, Text(parameter["type"]));
            p.String(7 - shift, Text(parameter["format"]));
            p.String(9 - shift, Text(parameter["collectionFormat"]));
            if (parameter["default"] is { } value)
            {
                p.Message(10 - shift, any => Any(any, value));
            }
            p.Bool(20 - shift, parameter["uniqueItems"]);
            Extensions(p, 23 - shift, parameter);
        }));
    }

    private static void NamedSchemas(ProtoWriter w, int field, JsonObject schemas)
    {
        foreach (var (name, value) in schemas)
        {
            if (value is JsonObject schema)
            {
                w.Message(field, named => { named.String(1, name); named.Message(2, s => Schema(s, schema)); });
            }
        }
    }

    private static void Schema(ProtoWriter w, JsonObject schema)
    {
        w.String(1, Text(schema["$ref"]));
        w.String(2, Text(schema["format"]));
        w.String(3, Text(schema["title"]));
        w.String(4, Text(schema["description"]));
        if (schema["default"] is { } defaultValue)
        {
            w.Message(5, any => Any(any, defaultValue));
        }
        w.Double(6, schema["multipleOf"]);
        w.Double(7, schema["maximum"]);
        w.Bool(8, schema["exclusiveMaximum"]);
        w.Double(9, schema["minimum"]);
        w.Bool(10, schema["exclusiveMinimum"]);
        w.Int64(11, schema["maxLength"]);
        w.Int64(12, schema["minLength"]);
        w.String(13, Text(schema["pattern"]));
        w.Int64(14, schema["maxItems"]);
        w.Int64(15, schema["minItems"]);
        w.Bool(16, schema["uniqueItems"]);
        w.Int64(17, schema["maxProperties"]);
        w.Int64(18, schema["minProperties"]);
        w.Strings(19, schema["required"]);
        foreach (var value in schema["enum"] as JsonArray ?? [])
        {
            w.Message(20, any => Any(any, value));
        }
        switch (schema["additionalProperties"])
        {
            case JsonObject additional:
                w.Message(21, item => item.Message(1, s => Schema(s, additional)));
                break;
            case JsonValue flag when flag.TryGetValue<bool>(out var allowed):
                // A oneof member is written even when false.
                w.Message(21, item => item.ForceBool(2, allowed));
                break;
        }
        switch (schema["type"])
        {
            case JsonValue type:
                w.Message(22, item => item.String(1, type.GetValue<string>()));
                break;
            case JsonArray types:
                w.Message(22, item => item.Strings(1, types));
                break;
        }
        if (schema["items"] is JsonObject items)
        {
            w.Message(23, item => item.Message(1, s => Schema(s, items)));
        }
        else if (schema["items"] is JsonArray itemList)
        {
            w.Message(23, item =>
            {
                foreach (var each in itemList.OfType<JsonObject>())
                {
                    item.Message(1, s => Schema(s, each));
                }
            });
        }
        foreach (var each in (schema["allOf"] as JsonArray ?? []).OfType<JsonObject>())
        {
            w.Message(24, s => Schema(s, each));
        }
        if (schema["properties"] is JsonObject properties)
        {
            w.Message(25, p => NamedSchemas(p, 1, properties));
        }
        w.String(26, Text(schema["discriminator"]));
        w.Bool(27, schema["readOnly"]);
        if (schema["example"] is { } example)
        {
            w.Message(30, any => Any(any, example));
        }
        Extensions(w, 31, schema);
    }

    // NamedAny {name, value: Any {yaml}} for every x- key of the object.
    private static void Extensions(ProtoWriter w, int field, JsonObject owner)
    {
        foreach (var (name, value) in owner)
        {
            if (name.StartsWith("x-", StringComparison.Ordinal) && value is not null)
            {
                w.Message(field, named => { named.String(1, name); named.Message(2, any => Any(any, value)); });
            }
        }
    }

    private static void Any(ProtoWriter w, JsonNode? value) =>
        w.String(2, (value?.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null") + "\n");

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>Protobuf wire format: tags, varints, fixed64 doubles and length-delimited strings and messages.</summary>
    private sealed class ProtoWriter
    {
        private readonly MemoryStream _buffer = new();

        public byte[] ToArray() => _buffer.ToArray();

        public void String(int field, string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }
            Bytes(field, Encoding.UTF8.GetBytes(value));
        }

        public void Strings(int field, JsonNode? values)
        {
            foreach (var value in (values as JsonArray ?? []).OfType<JsonValue>())
            {
                // An empty element of a repeated field is still written.
                Bytes(field, Encoding.UTF8.GetBytes(value.GetValue<string>()));
            }
        }

        public void Bool(int field, JsonNode? value)
        {
            if (value is JsonValue v && v.TryGetValue<bool>(out var flag) && flag)
            {
                ForceBool(field, true);
            }
        }

        public void ForceBool(int field, bool value)
        {
            Tag(field, 0);
            Varint(value ? 1UL : 0UL);
        }

        public void Int64(int field, JsonNode? value)
        {
            if (value is JsonValue v && v.TryGetValue<long>(out var number) && number != 0)
            {
                Tag(field, 0);
                Varint((ulong)number);
            }
        }

        public void Double(int field, JsonNode? value)
        {
            if (value is JsonValue v && v.TryGetValue<double>(out var number) && number != 0)
            {
                Tag(field, 1);
                Span<byte> bytes = stackalloc byte[8];
                BinaryPrimitives.WriteDoubleLittleEndian(bytes, number);
                _buffer.Write(bytes);
            }
        }

        public void Message(int field, Action<ProtoWriter> body)
        {
            var inner = new ProtoWriter();
            body(inner);
            // An empty sub-message is still present (Go writes a set message field even when all its fields are zero).
            Bytes(field, inner._buffer.GetBuffer().AsSpan(0, (int)inner._buffer.Length));
        }

        private void Bytes(int field, ReadOnlySpan<byte> bytes)
        {
            Tag(field, 2);
            Varint((ulong)bytes.Length);
            _buffer.Write(bytes);
        }

        private void Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _buffer.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _buffer.WriteByte((byte)value);
        }
    }
}
