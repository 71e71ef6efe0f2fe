using System.Text.Json.Nodes;
using Emulator.Kubernetes.ServerSideApply;

namespace Emulator.Kubernetes.Tests.ServerSideApply;

public class FieldSetTests
{
    private static PathElement Key(string name, JsonNode? value) => PathElement.Keyed([KeyValuePair.Create(name, value)]);

    private static FieldPath Path(params object[] parts) => new(parts.Select(p => p switch
    {
        PathElement e => e,
        string s => PathElement.Field(s),
        int i => PathElement.At(i),
        _ => throw new ArgumentException("part"),
    }));

    [Fact]
    public void FieldsV1_round_trips_in_kubernetes_order_with_dot_for_owned_parents()
    {
        const string text = """{"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}}""";
        var set = FieldSet.FromFieldsV1(JsonNode.Parse(text));

        Assert.Equal(text, set.ToFieldsV1().ToJsonString(JsonTree.CompactOptions));
        Assert.True(set.Has(Path("spec", "template", "spec", "containers", Key("name", "nginx"))));
        Assert.True(set.Has(Path("spec", "template", "spec", "containers", Key("name", "nginx"), "image")));
        Assert.False(set.Has(Path("spec", "template")));
        Assert.Equal(5, set.Count);
    }

    [Fact]
    public void Elements_sort_fields_before_keys_values_and_indexes_and_keys_by_name_then_value()
    {
        var set = FieldSet.Of(
            Path("list", PathElement.At(1)),
            Path("list", PathElement.Member("b")),
            Path("list", PathElement.Keyed([KeyValuePair.Create<string, JsonNode?>("protocol", "TCP"), KeyValuePair.Create<string, JsonNode?>("containerPort", 80)])),
            Path("list", Key("name", "a")),
            Path("list", PathElement.Member(3)),
            Path("list", "zfield"));

        Assert.Equal(
            """{"f:list":{"f:zfield":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{},"k:{\"name\":\"a\"}":{},"v:3":{},"v:\"b\"":{},"i:1":{}}}""",
            set.ToFieldsV1().ToJsonString(JsonTree.CompactOptions));
    }

    [Fact]
    public void Paths_print_as_conflict_messages_do()
    {
        Assert.Equal(".spec.template.spec.containers[name=\"nginx\"].image",
            Path("spec", "template", "spec", "containers", Key("name", "nginx"), "image").ToString());
        Assert.Equal(".spec.ports[port=80,protocol=\"TCP\"]",
            Path("spec", "ports", PathElement.Keyed([KeyValuePair.Create<string, JsonNode?>("protocol", "TCP"), KeyValuePair.Create<string, JsonNode?>("port", 80)])).ToString());
        Assert.Equal(".metadata.finalizers[=\"x\"]", Path("metadata", "finalizers", PathElement.Member("x")).ToString());
        Assert.Equal(".list[3]", Path("list", 3).ToString());
    }

    [Fact]
    public void Set_operations_follow_the_trie()
    {
        var a = FieldSet.Of(Path("spec", "replicas"), Path("spec", "template", "image"), Path("metadata", "labels", "app"));
        var b = FieldSet.Of(Path("spec", "replicas"), Path("spec", "paused"), Path("metadata", "labels", "app"));

        Assert.Equal(4, a.Union(b).Count);
        Assert.True(a.Intersection(b).SetEquals(FieldSet.Of(Path("spec", "replicas"), Path("metadata", "labels", "app"))));
        Assert.True(a.Difference(b).SetEquals(FieldSet.Of(Path("spec", "template", "image"))));
        // Recursive difference removes what lies below a removed member; a plain difference does not.
        var status = FieldSet.Of(Path("status"));
        var withStatus = FieldSet.Of(Path("status", "replicas"), Path("spec", "replicas"));
        Assert.True(withStatus.RecursiveDifference(status).SetEquals(FieldSet.Of(Path("spec", "replicas"))));
        Assert.True(withStatus.Difference(status).SetEquals(withStatus));
        Assert.True(withStatus.KeepOnly(status).SetEquals(FieldSet.Of(Path("status", "replicas"))));
    }

    [Fact]
    public void Unknown_element_kinds_are_skipped_and_malformed_keys_refused()
    {
        var set = FieldSet.FromFieldsV1(JsonNode.Parse("""{"f:a":{},"x:future":{}}"""));
        Assert.Equal(1, set.Count);
        Assert.Throws<FormatException>(() => FieldSet.FromFieldsV1(JsonNode.Parse("""{"k:notjson":{}}""")));
        Assert.Throws<FormatException>(() => FieldSet.FromFieldsV1(JsonNode.Parse("""{"f":{}}""")));
    }
}
