using System.Text.Json.Nodes;
using Emulator.Kubernetes.CustomResources;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.Tests.CustomResources;

public class CustomResourceSchemaTests
{
    private static StructuralSchema Schema(string json) => StructuralSchema.Parse(JsonNode.Parse(json)!.AsObject());

    private static List<string> Errors(StructuralSchema schema, string json, string? old = null)
    {
        var errors = new List<FieldError>();
        var oldValue = old is null ? null : JsonNode.Parse(old);
        schema.Validate(JsonNode.Parse(json), oldValue, old is not null, "", errors);
        return errors.Select(e => e.ToString()).ToList();
    }

    private static readonly StructuralSchema CronTab = Schema("""
        {"type": "object", "properties": {"spec": {"type": "object", "required": ["cronSpec"],
          "x-kubernetes-validations": [{"rule": "self.replicas <= self.maxReplicas", "message": "replicas must not exceed maxReplicas"}],
          "properties": {
            "cronSpec": {"type": "string", "pattern": "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$"},
            "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
            "maxReplicas": {"type": "integer", "default": 5},
            "size": {"type": "string", "enum": ["small", "large"]},
            "name": {"type": "string", "maxLength": 5, "minLength": 1},
            "ports": {"type": "array", "maxItems": 2, "items": {"type": "integer"}},
            "port": {"x-kubernetes-int-or-string": true},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "immutable": {"type": "string", "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "Value is immutable"}]}
          }}}}
        """);

    [Fact]
    public void Schema_errors_use_the_API_servers_wording()
    {
        var errors = Errors(CronTab, """
            {"spec": {"cronSpec": "x", "replicas": "three", "size": "medium", "name": "toolong", "ports": [1, 2, 3], "port": true}}
            """);
        Assert.Contains("spec.cronSpec: Invalid value: \"x\": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'", errors);
        Assert.Contains("spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"", errors);
        Assert.Contains("spec.size: Unsupported value: \"medium\": supported values: \"small\", \"large\"", errors);
        Assert.Contains("spec.name: Too long: may not be more than 5 bytes", errors);
        Assert.Contains("spec.ports: Too many: 3: must have at most 2 items", errors);
        Assert.Contains("spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\"", errors);
    }

    [Fact]
    public void Required_fields_and_bounds_are_checked()
    {
        Assert.Equal(["spec.cronSpec: Required value"], Errors(CronTab, """{"spec": {"replicas": 1, "maxReplicas": 2}}"""));
        Assert.Equal(["spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10"],
            Errors(CronTab, """{"spec": {"cronSpec": "* * * * *", "replicas": 20, "maxReplicas": 30}}"""));
        Assert.Equal(["spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"],
            Errors(CronTab, """{"spec": {"cronSpec": "* * * * *", "replicas": 0, "maxReplicas": 2}}"""));
        Assert.Equal(["spec.name: Invalid value: \"\": spec.name in body should be at least 1 chars long"],
            Errors(CronTab, """{"spec": {"cronSpec": "* * * * *", "replicas": 1, "maxReplicas": 2, "name": ""}}"""));
        Assert.Empty(Errors(CronTab, """{"spec": {"cronSpec": "*/5 * * * *", "replicas": 1, "maxReplicas": 2, "port": "http", "labels": {"a": "b"}}}"""));
    }

    [Fact]
    public void CEL_rules_are_evaluated_with_their_message_and_transition_rules_only_on_update()
    {
        Assert.Equal(["spec: Invalid value: \"object\": replicas must not exceed maxReplicas"],
            Errors(CronTab, """{"spec": {"cronSpec": "* * * * *", "replicas": 8, "maxReplicas": 4}}"""));
        Assert.Empty(Errors(CronTab, """{"spec": {"cronSpec": "* * * * *", "replicas": 2, "maxReplicas": 4, "immutable": "a"}}"""));
        Assert.Equal(["spec.immutable: Invalid value: \"string\": Value is immutable"],
            Errors(CronTab, """{"spec": {"cronSpec": "* * * * *", "replicas": 2, "maxReplicas": 4, "immutable": "b"}}""",
                """{"spec": {"cronSpec": "* * * * *", "replicas": 2, "maxReplicas": 4, "immutable": "a"}}"""));
    }

    [Fact]
    public void A_message_expression_gives_the_message_when_it_yields_a_string()
    {
        var schema = Schema("""
            {"type": "object", "properties": {"name": {"type": "string",
              "x-kubernetes-validations": [{"rule": "self == self.lowerAscii()", "message": "fallback", "messageExpression": "'name ' + self + ' must be lower case'"},
                                           {"rule": "self.size() < 5", "message": "too long", "messageExpression": "self.nonsense"}]}}}
            """);
        Assert.Equal(["name: Invalid value: \"string\": name Web-Server must be lower case", "name: Invalid value: \"string\": too long"],
            Errors(schema, """{"name": "Web-Server"}"""));
    }

    [Fact]
    public void A_rule_read_before_defaults_fails_with_no_such_key()
    {
        Assert.Equal(["spec: Invalid value: \"object\": no such key: replicas"], Errors(CronTab, """{"spec": {"cronSpec": "* * * * *"}}"""));
    }

    [Fact]
    public void Rules_using_Kubernetes_libraries_are_enforced_and_rules_that_do_not_compile_are_reported()
    {
        var schema = Schema("""
            {"type": "object", "properties": {"a": {"type": "array", "items": {"type": "integer"},
              "x-kubernetes-validations": [{"rule": "self.isSorted()"}, {"rule": "self.size() < 3"}]}},
             "x-kubernetes-validations": [{"rule": "self.a.isFrobnicated(("}]}
            """);
        Assert.Equal(["a: Invalid value: \"array\": failed rule: self.isSorted()"], Errors(schema, """{"a": [3, 1]}"""));
        Assert.Equal(["a: Invalid value: \"array\": failed rule: self.size() < 3"], Errors(schema, """{"a": [1, 2, 3]}"""));
        Assert.Equal(["root: self.a.isFrobnicated(("], schema.UncompiledRules("root"));
    }

    [Fact]
    public void Pruning_drops_unspecified_fields_but_keeps_preserved_ones_and_object_metadata()
    {
        var obj = JsonNode.Parse("""
            {"apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "a", "bogus": 1},
             "spec": {"cronSpec": "* * * * *", "extra": true, "labels": {"x": "y"}, "free": {"anything": {"goes": 1}}}, "top": 1}
            """)!.AsObject();
        var pruned = CronTab.PruneObject(obj);
        Assert.Equal(["metadata.bogus", "spec.extra", "top"], pruned.Order(StringComparer.Ordinal));
        Assert.Equal("""{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"a"},"spec":{"cronSpec":"* * * * *","labels":{"x":"y"},"free":{"anything":{"goes":1}}}}""",
            obj.ToJsonString());
    }

    [Fact]
    public void Defaults_fill_absent_fields()
    {
        var obj = JsonNode.Parse("""{"spec": {"cronSpec": "* * * * *", "maxReplicas": null}}""")!;
        CronTab.ApplyDefaults(obj);
        Assert.Equal(1, obj["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(5, obj["spec"]!["maxReplicas"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(".spec.replicas", "3")]
    [InlineData(".status.conditions[?(@.type==\"Ready\")].status", "True")]
    [InlineData(".spec.items[1].name", "b")]
    [InlineData(".spec.items[*].name", "a")]
    [InlineData(".metadata.labels['app.kubernetes.io/name']", "web")]
    public void Json_paths_of_printer_columns_find_values(string path, string expected)
    {
        var obj = JsonNode.Parse("""
            {"metadata": {"labels": {"app.kubernetes.io/name": "web"}}, "spec": {"replicas": 3, "items": [{"name": "a"}, {"name": "b"}]},
             "status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}}
            """);
        Assert.Equal(expected, JsonPathExpression.Print(JsonPathExpression.Parse(path).First(obj)));
    }

    [Fact]
    public void Versions_sort_by_Kubernetes_priority()
    {
        string[] versions = ["v1alpha1", "foo", "v1", "v2beta1", "v1beta2", "v2", "v1beta1", "bar"];
        Assert.Equal(["v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1", "bar", "foo"], versions.Order(KubeVersionComparer.Instance));
    }
}
