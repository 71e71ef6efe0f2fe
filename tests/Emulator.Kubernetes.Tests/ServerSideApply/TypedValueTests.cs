using System.Text.Json.Nodes;
using Emulator.Kubernetes.Schema;
using Emulator.Kubernetes.ServerSideApply;

namespace Emulator.Kubernetes.Tests.ServerSideApply;

public class TypedValueTests
{
    private static readonly ApplyType Deployment = ApplyType.ForStruct(FieldSchema.Default.Find("Deployment")!);
    private static readonly ApplyType Service = ApplyType.ForStruct(FieldSchema.Default.Find("Service")!);

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static string FieldsV1(FieldSet set) => set.ToFieldsV1().ToJsonString(JsonTree.CompactOptions);

    private const string Web = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
          "template":{"metadata":{"labels":{"app":"web"}},
           "spec":{"containers":[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":80}]}]}}}}
        """;

    [Fact]
    public void A_configuration_sets_its_leaves_list_items_and_map_keys_but_not_struct_fields()
    {
        var set = TypedValue.ToFieldSet(Json(Web), Deployment);

        Assert.Equal(
            """{"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:labels":{"f:app":{}},"f:name":{}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}""",
            FieldsV1(set));
    }

    [Fact]
    public void Typing_errors_read_as_the_api_server_prints_them()
    {
        var errors = new List<string>();
        TypedValue.ToFieldSet(Json("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"bogus":1,"template":{"spec":{"containers":[{"name":"a"},{"name":"a"},{"image":"x"}]}}}}
            """), Deployment, errors);

        Assert.Equal([
            ".spec.bogus: field not declared in schema",
            ".spec.template.spec.containers: duplicate entries for key [name=\"a\"]",
            ".spec.template.spec.containers: element 2: associative list with keys has an element that omits key field \"name\" (and doesn't have default value)",
        ], errors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Merge_joins_map_lists_by_key_replaces_atomic_values_and_keeps_live_only_items()
    {
        var live = Json("""
            {"spec":{"selector":{"matchLabels":{"app":"web","tier":"a"}},"template":{"spec":{"containers":[
              {"name":"sidecar","image":"envoy"},{"name":"nginx","image":"nginx:1.26","imagePullPolicy":"IfNotPresent"}]}}}}
            """);
        var config = Json("""
            {"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}
            """);

        var merged = TypedValue.Merge(live, config, Deployment);

        Assert.True(JsonTree.DeepEquals(Json("""
            {"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"spec":{"containers":[
              {"name":"sidecar","image":"envoy"},{"name":"nginx","image":"nginx:1.27","imagePullPolicy":"IfNotPresent"}]}}}}
            """), merged), merged.ToJsonString());
    }

    [Fact]
    public void Service_ports_are_keyed_by_port_and_protocol_with_tcp_by_default()
    {
        var live = Json("""{"spec":{"ports":[{"port":53,"protocol":"UDP","name":"dns"},{"port":53,"protocol":"TCP","name":"dns-tcp"}]}}""");
        var config = Json("""{"spec":{"ports":[{"port":53,"targetPort":5353}]}}""");

        var merged = TypedValue.Merge(live, config, Service);

        Assert.Equal(5353, JsonTree.GetInt((JsonObject)merged["spec"]!["ports"]![1]!, "targetPort"));
        Assert.Null(merged["spec"]!["ports"]![0]!["targetPort"]);
    }

    [Fact]
    public void Compare_reports_added_modified_and_removed_fields_and_new_parents()
    {
        var before = Json("""{"metadata":{"annotations":{"a":"1"}},"spec":{"replicas":1,"paused":true}}""");
        var after = Json("""{"metadata":{"labels":{"app":"x"}},"spec":{"replicas":2}}""");

        var comparison = TypedValue.Compare(before, after, Deployment);

        Assert.Equal("""{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}""", FieldsV1(comparison.Added));
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", FieldsV1(comparison.Modified));
        Assert.Equal("""{"f:metadata":{"f:annotations":{".":{},"f:a":{}}},"f:spec":{"f:paused":{}}}""", FieldsV1(comparison.Removed));
    }

    [Fact]
    public void Removing_items_drops_emptied_parents()
    {
        var value = Json("""{"metadata":{"labels":{"a":"1"}},"spec":{"replicas":1}}""");
        var removed = TypedValue.RemoveItems(value, FieldSet.Of(FieldPath.Fields("metadata", "labels", "a")), Deployment);
        Assert.True(JsonTree.DeepEquals(Json("""{"spec":{"replicas":1}}"""), removed), removed.ToJsonString());
    }
}
