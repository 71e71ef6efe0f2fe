using System.Text.Json.Nodes;
using Emulator.Kubernetes.Patching;
using Emulator.Kubernetes.Schema;

namespace Emulator.Kubernetes.Tests;

public class JsonMergePatchTests
{
    [Fact]
    public void Rfc7386_semantics()
    {
        var target = JsonNode.Parse("""{"a":"b","c":{"d":"e","f":"g"},"list":[1,2]}""");
        var patch = JsonNode.Parse("""{"a":"z","c":{"f":null,"h":1},"list":[3]}""");
        var result = JsonMergePatch.Apply(target, patch);
        Assert.True(JsonTree.DeepEquals(JsonNode.Parse("""{"a":"z","c":{"d":"e","h":1},"list":[3]}"""), result));
        Assert.Equal("b", JsonTree.GetString((JsonObject)target!, "a"));
    }

    [Fact]
    public void Scale_patch_sets_replicas()
    {
        var deployment = JsonNode.Parse("""{"spec":{"replicas":1,"selector":{"matchLabels":{"app":"x"}}}}""");
        var result = (JsonObject)JsonMergePatch.Apply(deployment, JsonNode.Parse("""{"spec":{"replicas":5}}"""))!;
        Assert.Equal(5, JsonTree.GetInt(result, "spec", "replicas"));
        Assert.NotNull(JsonTree.Get(result, "spec", "selector"));
    }
}

public class JsonPatchTests
{
    private static JsonNode Doc() => JsonNode.Parse("""{"spec":{"replicas":1,"items":["a","b"],"template":{"x":1}},"metadata":{"labels":{"a/b":"1"}}}""")!;

    [Fact]
    public void Add_remove_replace_move_copy_and_test()
    {
        var patch = JsonNode.Parse("""
            [
              {"op":"test","path":"/spec/replicas","value":1},
              {"op":"replace","path":"/spec/replicas","value":3},
              {"op":"add","path":"/spec/items/1","value":"inserted"},
              {"op":"add","path":"/spec/items/-","value":"last"},
              {"op":"remove","path":"/spec/items/0"},
              {"op":"copy","from":"/spec/template","path":"/spec/copied"},
              {"op":"move","from":"/spec/template","path":"/spec/moved"},
              {"op":"remove","path":"/metadata/labels/a~1b"}
            ]
            """);
        var result = JsonPatch.Apply(Doc(), patch);
        Assert.True(JsonTree.DeepEquals(JsonNode.Parse("""
            {"spec":{"replicas":3,"items":["inserted","b","last"],"copied":{"x":1},"moved":{"x":1}},"metadata":{"labels":{}}}
            """), result));
    }

    [Fact]
    public void Failed_test_is_an_error_and_nothing_applies()
    {
        var original = Doc();
        var error = Assert.Throws<PatchException>(() => JsonPatch.Apply(original, JsonNode.Parse("""[{"op":"replace","path":"/spec/replicas","value":9},{"op":"test","path":"/spec/replicas","value":2}]""")));
        Assert.Equal("testing value /spec/replicas failed: test failed", error.Message);
        Assert.Equal(1, JsonTree.GetInt((JsonObject)original, "spec", "replicas"));
    }

    [Fact]
    public void Missing_paths_are_clear_errors()
    {
        var error = Assert.Throws<PatchException>(() => JsonPatch.Apply(Doc(), JsonNode.Parse("""[{"op":"replace","path":"/spec/nothing","value":1}]""")));
        Assert.Equal("replace operation does not apply: doc is missing path: \"/spec/nothing\": missing value", error.Message);
        error = Assert.Throws<PatchException>(() => JsonPatch.Apply(Doc(), JsonNode.Parse("""[{"op":"add","path":"/missing/deep","value":1}]""")));
        Assert.Contains("add operation does not apply", error.Message);
        Assert.Throws<PatchException>(() => JsonPatch.Apply(Doc(), JsonNode.Parse("""[{"op":"jump","path":"/a"}]""")));
        Assert.Throws<PatchException>(() => JsonPatch.Apply(Doc(), JsonNode.Parse("""{"op":"add"}""")));
    }

    [Fact]
    public void Rollout_undo_replaces_the_template()
    {
        var result = JsonPatch.Apply(Doc(), JsonNode.Parse("""[{"op":"replace","path":"/spec/template","value":{"y":2}},{"op":"replace","path":"/metadata/labels","value":{"app":"x"}}]"""));
        Assert.Equal(2, JsonTree.GetInt((JsonObject)result!, "spec", "template", "y"));
        Assert.Null(JsonTree.Get((JsonObject)result!, "spec", "template", "x"));
    }
}

public class StrategicMergePatchTests
{
    private static readonly TypeDefinition Deployment = FieldSchema.Default.Find("Deployment")!;

    private static JsonObject Live() => (JsonObject)JsonNode.Parse("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web","tier":"front"},"finalizers":["a","b"]},
         "spec":{"replicas":2,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
          "template":{"metadata":{"labels":{"app":"web"}},"spec":{
            "containers":[
              {"name":"app","image":"nginx:1","ports":[{"containerPort":80,"protocol":"TCP"}],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
               "volumeMounts":[{"name":"data","mountPath":"/data"}]},
              {"name":"sidecar","image":"busybox","args":["sleep","1"]}],
            "volumes":[{"name":"data","emptyDir":{}}],
            "tolerations":[{"key":"k","operator":"Exists"}]}}}}
        """)!;

    private static JsonObject Apply(string patch) => StrategicMergePatch.Apply(Live(), JsonNode.Parse(patch), Deployment);

    private static JsonArray Containers(JsonObject d) => JsonTree.GetArray(d, "spec", "template", "spec", "containers")!;

    [Fact]
    public void Containers_merge_by_name()
    {
        var result = Apply("""{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:2"}]}}}}""");
        var containers = Containers(result);
        Assert.Equal(2, containers.Count);
        Assert.Equal("nginx:2", JsonTree.GetString((JsonObject)containers[0]!, "image"));
        Assert.Equal(80, JsonTree.GetInt((JsonObject)containers[0]!, "ports", "0", "containerPort") ?? JsonTree.AsInt(((JsonObject)containers[0]!)["ports"]![0]!["containerPort"]));
        Assert.Equal("busybox", JsonTree.GetString((JsonObject)containers[1]!, "image"));
    }

    [Fact]
    public void New_list_items_are_appended_and_env_merges_by_name()
    {
        var result = Apply("""{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"B","value":"changed"},{"name":"C","value":"3"}]},{"name":"third","image":"redis"}]}}}}""");
        var containers = Containers(result);
        Assert.Equal(["app", "sidecar", "third"], containers.Select(c => JsonTree.GetString((JsonObject)c!, "name")));
        var env = (JsonArray)containers[0]!["env"]!;
        Assert.Equal("""[{"name":"A","value":"1"},{"name":"B","value":"changed"},{"name":"C","value":"3"}]""", JsonTree.ToCompactJson(env));
    }

    [Fact]
    public void Null_deletes_a_key()
    {
        var result = Apply("""{"metadata":{"labels":{"tier":null}},"spec":{"strategy":{"rollingUpdate":null}}}""");
        Assert.Equal("""{"app":"web"}""", JsonTree.ToCompactJson(result["metadata"]!["labels"]));
        Assert.Null(JsonTree.Get(result, "spec", "strategy", "rollingUpdate"));
        Assert.False(((JsonObject)result["spec"]!["strategy"]!).ContainsKey("rollingUpdate"));
    }

    [Fact]
    public void Patch_delete_directive_removes_a_list_item()
    {
        var result = Apply("""{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}""");
        Assert.Equal(["app"], Containers(result).Select(c => JsonTree.GetString((JsonObject)c!, "name")));
    }

    [Fact]
    public void Patch_replace_directive_replaces_a_list_or_a_map()
    {
        var result = Apply("""{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"x"},{"$patch":"replace"}]}}}}""");
        Assert.Equal("""[{"name":"only","image":"x"}]""", JsonTree.ToCompactJson(Containers(result)));
        result = Apply("""{"metadata":{"labels":{"$patch":"replace","new":"1"}}}""");
        Assert.Equal("""{"new":"1"}""", JsonTree.ToCompactJson(result["metadata"]!["labels"]));
    }

    [Fact]
    public void Patch_delete_directive_on_a_map_empties_it()
    {
        var result = Apply("""{"metadata":{"labels":{"$patch":"delete"}}}""");
        Assert.Equal("{}", JsonTree.ToCompactJson(result["metadata"]!["labels"]));
    }

    [Fact]
    public void Explicit_merge_directive_element_is_the_default()
    {
        var result = Apply("""{"spec":{"template":{"spec":{"containers":[{"$patch":"merge"},{"name":"app","image":"nginx:9"}]}}}}""");
        Assert.Equal(["nginx:9", "busybox"], Containers(result).Select(c => JsonTree.GetString((JsonObject)c!, "image")));
    }

    [Fact]
    public void Lists_without_merge_key_are_replaced()
    {
        var result = Apply("""{"spec":{"template":{"spec":{"tolerations":[{"key":"other","operator":"Exists"}],"containers":[{"name":"sidecar","args":["sleep","2"]}]}}}}""");
        Assert.Equal("""[{"key":"other","operator":"Exists"}]""", JsonTree.ToCompactJson(JsonTree.Get(result, "spec", "template", "spec", "tolerations")));
        Assert.Equal("""["sleep","2"]""", JsonTree.ToCompactJson(Containers(result)[1]!["args"]));
    }

    [Fact]
    public void Set_element_order_reorders_merged_list()
    {
        var result = Apply("""
            {"spec":{"template":{"spec":{
              "$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}],
              "containers":[{"name":"app","image":"nginx:3"}]}}}}
            """);
        Assert.Equal(["sidecar", "app"], Containers(result).Select(c => JsonTree.GetString((JsonObject)c!, "name")));
        Assert.Equal("nginx:3", JsonTree.GetString((JsonObject)Containers(result)[1]!, "image"));
    }

    [Fact]
    public void Set_element_order_interleaves_server_only_items_by_their_live_position()
    {
        var live = (JsonObject)JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}}}""")!;
        var result = StrategicMergePatch.Apply(live, JsonNode.Parse("""
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"}],"containers":[{"name":"c","image":"x"}]}}}}
            """), Deployment);
        Assert.Equal(["b", "c", "a"], Containers(result).Select(c => JsonTree.GetString((JsonObject)c!, "name")));
    }

    [Fact]
    public void Set_element_order_of_a_primitive_list()
    {
        var result = Apply("""{"metadata":{"$setElementOrder/finalizers":["b","a"]}}""");
        Assert.Equal("""["b","a"]""", JsonTree.ToCompactJson(result["metadata"]!["finalizers"]));
    }

    [Fact]
    public void Set_element_order_inside_list_items_applies_to_nested_lists()
    {
        var result = Apply("""
            {"spec":{"template":{"spec":{"containers":[{"name":"app","$setElementOrder/env":[{"name":"B"},{"name":"A"}]}]}}}}
            """);
        Assert.Equal(["B", "A"], ((JsonArray)Containers(result)[0]!["env"]!).Select(e => JsonTree.GetString((JsonObject)e!, "name")));
    }

    [Fact]
    public void Delete_from_primitive_list_removes_values_and_merged_primitive_lists_are_sets()
    {
        var result = Apply("""{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"],"finalizers":["c","b"]}}""");
        Assert.Equal("""["b","c"]""", JsonTree.ToCompactJson(result["metadata"]!["finalizers"]));
    }

    [Fact]
    public void Retain_keys_clears_fields_not_listed()
    {
        var result = Apply("""{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""");
        Assert.Equal("""{"type":"Recreate"}""", JsonTree.ToCompactJson(result["spec"]!["strategy"]));
    }

    [Fact]
    public void Container_ports_merge_by_container_port()
    {
        var result = Apply("""{"spec":{"template":{"spec":{"containers":[{"name":"app","ports":[{"containerPort":80,"name":"http"},{"containerPort":443}]}]}}}}""");
        Assert.Equal("""[{"containerPort":80,"protocol":"TCP","name":"http"},{"containerPort":443}]""", JsonTree.ToCompactJson(Containers(result)[0]!["ports"]));
    }

    [Fact]
    public void Ports_sharing_a_number_are_told_apart_by_protocol()
    {
        var service = (JsonObject)JsonNode.Parse("""{"spec":{"ports":[{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP"}]}}""")!;
        var result = StrategicMergePatch.Apply(service, JsonNode.Parse("""{"spec":{"ports":[{"port":53,"protocol":"TCP","targetPort":5353}]}}"""), FieldSchema.Default.Find("Service"));
        Assert.Equal("""[{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP","targetPort":5353}]""", JsonTree.ToCompactJson(result["spec"]!["ports"]));
        result = StrategicMergePatch.Apply(service, JsonNode.Parse("""{"spec":{"ports":[{"port":53,"protocol":"UDP","$patch":"delete"}]}}"""), FieldSchema.Default.Find("Service"));
        Assert.Equal("""[{"name":"dns-tcp","port":53,"protocol":"TCP"}]""", JsonTree.ToCompactJson(result["spec"]!["ports"]));
    }

    [Fact]
    public void Retain_keys_inside_a_volume_switches_its_source()
    {
        var result = Apply("""{"spec":{"template":{"spec":{"volumes":[{"name":"data","$retainKeys":["configMap","name"],"configMap":{"name":"cfg"}}]}}}}""");
        Assert.Equal("""[{"name":"data","configMap":{"name":"cfg"}}]""", JsonTree.ToCompactJson(JsonTree.Get(result, "spec", "template", "spec", "volumes")));
    }

    [Fact]
    public void Volume_mounts_merge_by_mount_path()
    {
        var result = Apply("""{"spec":{"template":{"spec":{"containers":[{"name":"app","volumeMounts":[{"mountPath":"/data","readOnly":true}]}]}}}}""");
        Assert.Equal("""[{"name":"data","mountPath":"/data","readOnly":true}]""", JsonTree.ToCompactJson(Containers(result)[0]!["volumeMounts"]));
    }

    [Fact]
    public void Service_ports_merge_by_port()
    {
        var service = (JsonObject)JsonNode.Parse("""{"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443}]}}""")!;
        var result = StrategicMergePatch.Apply(service, JsonNode.Parse("""{"spec":{"ports":[{"port":80,"targetPort":9090}]}}"""), FieldSchema.Default.Find("Service"));
        Assert.Equal("""[{"port":80,"targetPort":9090},{"port":443}]""", JsonTree.ToCompactJson(result["spec"]!["ports"]));
    }

    [Fact]
    public void Item_without_merge_key_is_an_error()
    {
        var error = Assert.Throws<PatchException>(() => Apply("""{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}"""));
        Assert.Contains("does not contain declared merge key: name", error.Message);
    }

    [Fact]
    public void Unknown_directive_is_an_error()
    {
        Assert.Throws<PatchException>(() => Apply("""{"metadata":{"$patch":"explode"}}"""));
    }

    [Fact]
    public void Without_schema_maps_merge_and_lists_replace()
    {
        var live = (JsonObject)JsonNode.Parse("""{"spec":{"a":1,"items":[{"name":"x"},{"name":"y"}]}}""")!;
        var result = StrategicMergePatch.Apply(live, JsonNode.Parse("""{"spec":{"b":2,"items":[{"name":"z"}]}}"""), null);
        Assert.Equal("""{"a":1,"items":[{"name":"z"}],"b":2}""", JsonTree.ToCompactJson(result["spec"]));
    }

    [Fact]
    public void Restart_annotation_patch_as_kubectl_rollout_restart_sends()
    {
        var result = Apply("""{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2024-01-01T00:00:00Z"}}}}}""");
        Assert.Equal("2024-01-01T00:00:00Z", JsonTree.GetString(result, "spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"));
        Assert.Equal("web", JsonTree.GetString(result, "spec", "template", "metadata", "labels", "app"));
    }

    [Fact]
    public void Content_types_map_to_patch_types()
    {
        Assert.Equal(PatchType.StrategicMergePatch, PatchContentTypes.FromContentType("application/strategic-merge-patch+json; charset=utf-8"));
        Assert.Equal(PatchType.MergePatch, PatchContentTypes.FromContentType("application/merge-patch+json"));
        Assert.Equal(PatchType.JsonPatch, PatchContentTypes.FromContentType("application/json-patch+json"));
        Assert.Null(PatchContentTypes.FromContentType("application/json"));
    }
}

public class PatcherTests
{
    private static KubeObject Live() => KubeObject.ParseJson("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","resourceVersion":"5"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}}}
        """);

    [Fact]
    public void Strategic_patch_uses_the_kind_schema()
    {
        var result = Patcher.Apply(Live(), PatchType.StrategicMergePatch, """{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"z"}]}}}}""");
        Assert.Equal(["x", "z"], JsonTree.GetArray(result.Document, "spec", "template", "spec", "containers")!.Select(c => JsonTree.GetString((JsonObject)c!, "image")));
    }

    [Fact]
    public void Merge_patch_replaces_lists()
    {
        var result = Patcher.Apply(Live(), PatchType.MergePatch, """{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"z"}]}}}}""");
        Assert.Single(JsonTree.GetArray(result.Document, "spec", "template", "spec", "containers")!);
    }

    [Fact]
    public void Json_patch_and_live_object_untouched()
    {
        var live = Live();
        var result = Patcher.Apply(live, PatchType.JsonPatch, """[{"op":"replace","path":"/spec/replicas","value":4}]""");
        Assert.Equal(4, JsonTree.GetInt(result.Document, "spec", "replicas"));
        Assert.Equal(1, JsonTree.GetInt(live.Document, "spec", "replicas"));
    }

    [Fact]
    public void Malformed_body_and_non_object_results_are_errors()
    {
        Assert.Throws<Emulator.Kubernetes.Serialization.ManifestParseException>(() => Patcher.Apply(Live(), PatchType.MergePatch, "{\"spec\":"));
        Assert.Throws<PatchException>(() => Patcher.Apply(Live(), PatchType.JsonPatch, """[{"op":"replace","path":"","value":3}]"""));
    }

    [Fact]
    public void Resource_version_precondition_is_read_from_the_patch()
    {
        Assert.Equal("5", Patcher.ResourceVersionPrecondition(JsonNode.Parse("""{"metadata":{"resourceVersion":"5"}}""")));
        Assert.Null(Patcher.ResourceVersionPrecondition(JsonNode.Parse("""{"spec":{}}""")));
    }
}
