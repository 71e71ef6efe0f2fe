using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Kubernetes.Serialization;

namespace Emulator.Kubernetes.Tests;

public class SerializationTests
{
    [Fact]
    public void Yaml_scalars_keep_kubernetes_typing()
    {
        var obj = ManifestReader.ReadSingle("""
            apiVersion: v1
            kind: ConfigMap
            data:
              quoted: "123"
              single: '456'
              plain: 123
              flag: true
              legacyFlag: yes
              nothing: null
              tilde: ~
              float: 1.5
              exp: 1e3
              hex: 0x1F
              text: hello world
              time: 2024-01-02T03:04:05Z
              tagged: !!str 42
            """);
        var data = (JsonObject)obj.Document["data"]!;
        Assert.Equal(JsonValueKind.String, data["quoted"]!.GetValueKind());
        Assert.Equal("123", data["quoted"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.String, data["single"]!.GetValueKind());
        Assert.Equal(123L, JsonTree.AsInt(data["plain"]));
        Assert.Equal(JsonValueKind.Number, data["plain"]!.GetValueKind());
        Assert.True(JsonTree.AsBool(data["flag"]));
        Assert.True(JsonTree.AsBool(data["legacyFlag"]));
        Assert.True(data.ContainsKey("nothing"));
        Assert.Null(data["nothing"]);
        Assert.Null(data["tilde"]);
        Assert.Equal(1.5, data["float"]!.GetValue<double>());
        Assert.Equal(1000L, JsonTree.AsInt(data["exp"]));
        Assert.Equal(31L, JsonTree.AsInt(data["hex"]));
        Assert.Equal("hello world", JsonTree.AsString(data["text"]));
        Assert.Equal("2024-01-02T03:04:05Z", JsonTree.AsString(data["time"]));
        Assert.Equal("42", JsonTree.AsString(data["tagged"]));
    }

    [Fact]
    public void Multi_document_yaml_yields_every_object_and_skips_empty_documents()
    {
        var objects = ManifestReader.ReadObjects("""
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: a
            ---
            # only a comment
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            """);
        Assert.Equal(2, objects.Count);
        Assert.Equal("Namespace", objects[0].Kind);
        Assert.Equal("web", objects[1].Name);
    }

    [Fact]
    public void List_kinds_are_flattened_into_their_items()
    {
        var objects = ManifestReader.ReadObjects("""
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: ConfigMap
              metadata: {name: one}
            - apiVersion: v1
              kind: ServiceList
              items:
              - apiVersion: v1
                kind: Service
                metadata: {name: two}
            """);
        Assert.Equal(["one", "two"], objects.Select(o => o.Name));
    }

    [Fact]
    public void Json_stream_of_concatenated_objects_is_read()
    {
        var objects = ManifestReader.ReadObjects("""{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a"}} {"kind":"Pod","apiVersion":"v1","metadata":{"name":"b"}}""");
        Assert.Equal(["a", "b"], objects.Select(o => o.Name));
    }

    [Fact]
    public void Unknown_fields_survive_json_and_yaml_round_trips()
    {
        var source = """{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"custom":{"deep":[1,"two",{"three":3}]},"flag":false}}""";
        var obj = KubeObject.ParseJson(source);
        Assert.Equal(source, obj.ToJson());
        var again = ManifestReader.ReadSingle(obj.ToYaml());
        Assert.True(again.ContentEquals(obj));
        Assert.Equal(source, again.ToJson());
    }

    [Fact]
    public void Yaml_output_is_kubectl_style()
    {
        var obj = KubeObject.ParseJson("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","annotations":{"deployment.kubernetes.io/revision":"1","empty":"","note":"a: b"},"labels":{}},
             "spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"app","image":"nginx","args":["-c","echo hi"],"ports":[{"containerPort":80}]}]}}}}
            """);
        var yaml = obj.ToYaml();
        Assert.Equal("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              annotations:
                deployment.kubernetes.io/revision: "1"
                empty: ""
                note: 'a: b'
              labels: {}
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                  - name: app
                    image: nginx
                    args:
                    - -c
                    - echo hi
                    ports:
                    - containerPort: 80

            """.Replace("\r", ""), yaml);
    }

    [Fact]
    public void Nested_lists_and_empty_collections_are_written_readably()
    {
        var node = JsonNode.Parse("""{"matrix":[[1,2],[]],"items":[{}],"empty":{},"none":null}""");
        Assert.Equal("matrix:\n- - 1\n  - 2\n- []\nitems:\n- {}\nempty: {}\nnone: null\n", YamlWriter.Write(node));
        Assert.Equal("- a\n- b: 1\n  c: 2\n", YamlWriter.Write(JsonNode.Parse("""["a",{"b":1,"c":2}]""")));
        Assert.Equal("a: 1\nb: 2\n", YamlWriter.Write(JsonNode.Parse("""{"b":2,"a":1}"""), sortKeys: true));
    }

    [Fact]
    public void Multi_line_strings_are_written_as_literal_blocks_and_read_back()
    {
        var obj = KubeObject.ParseJson("""{"data":{"script":"line one\nline two\n","noNewline":"a\nb"}}""");
        var yaml = obj.ToYaml();
        Assert.Contains("script: |\n    line one\n    line two\n", yaml);
        Assert.Contains("noNewline: |-\n    a\n    b\n", yaml);
        Assert.True(ManifestReader.ReadSingle(yaml).ContentEquals(obj));
    }

    [Fact]
    public void Strings_that_look_like_other_types_are_quoted_so_they_read_back_as_strings()
    {
        var obj = KubeObject.ParseJson("""{"a":"true","b":"null","c":"1.5","d":"yes","e":"~","f":"0x10","g":"2024-01-01T00:00:00Z"}""");
        var back = ManifestReader.ReadSingle(obj.ToYaml());
        Assert.True(back.ContentEquals(obj));
    }

    [Fact]
    public void Malformed_yaml_reports_line_and_column()
    {
        var error = Assert.Throws<ManifestParseException>(() => ManifestReader.ReadObjects("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n"));
        Assert.True(error.Line >= 4, $"line {error.Line}");
        Assert.True(error.Column > 0);
        Assert.Contains($"line {error.Line}", error.Message);
    }

    [Fact]
    public void Mapping_value_in_a_scalar_points_at_the_offending_column()
    {
        var error = Assert.Throws<ManifestParseException>(() => ManifestReader.ReadObjects("kind: Pod\nmetadata: a: b\n"));
        Assert.Equal((2, 12), (error.Line, error.Column));
        Assert.StartsWith("yaml: line 2, column 12: ", error.Message);
    }

    [Fact]
    public void Malformed_json_reports_line_and_column()
    {
        var error = Assert.Throws<ManifestParseException>(() => ManifestReader.ReadSingle("{\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": }\n}"));
        Assert.Equal(3, error.Line);
        Assert.True(error.Column > 1);
        Assert.StartsWith("json: line 3, column ", error.Message);
    }

    [Fact]
    public void Repeated_json_keys_keep_the_last_value()
    {
        var obj = ManifestReader.ReadSingle("""{"kind":"Pod","metadata":{"name":"a","name":"b"}}""");
        Assert.Equal("b", obj.Name);
        Assert.Equal(2, obj.Document.Count);
    }

    [Fact]
    public void Big_and_fractional_json_numbers_survive()
    {
        var obj = ManifestReader.ReadSingle("""{"a":9007199254740993,"b":1.25,"c":-3,"d":1e400,"e":18446744073709551615}""");
        Assert.Equal("""{"a":9007199254740993,"b":1.25,"c":-3,"d":1e400,"e":18446744073709551615}""", obj.ToJson());
        Assert.True(JsonTree.DeepEquals(obj.Document["b"], System.Text.Json.Nodes.JsonValue.Create(1.25)));
    }

    [Fact]
    public void A_document_that_is_not_an_object_is_rejected()
    {
        Assert.Throws<ManifestParseException>(() => ManifestReader.ReadObjects("- a\n- b\n"));
    }

    [Fact]
    public void Anchors_aliases_and_merge_keys_are_resolved()
    {
        var obj = ManifestReader.ReadSingle("""
            base: &base
              a: 1
              b: 2
            derived:
              <<: *base
              b: 3
            copy: *base
            """);
        Assert.True(JsonTree.DeepEquals(JsonNode.Parse("""{"a":1,"b":3}"""), obj.Document["derived"]));
        Assert.Equal("""{"a":1,"b":2}""", JsonTree.ToCompactJson(obj.Document["copy"]));
    }
}
