using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.Api.Tests;

/// <summary>Server-side apply and managedFields through the REST API, answered as a Kubernetes 1.33 API server does.</summary>
public sealed class ServerSideApplyTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    private static string Deployment(string name, int replicas = 2, string image = "nginx:1.27", string labels = "app: web") => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: default
          labels: {"{"}{labels}{"}"}
        spec:
          replicas: {replicas}
          selector:
            matchLabels: {"{"}app: web{"}"}
          template:
            metadata:
              labels: {"{"}app: web{"}"}
            spec:
              containers:
              - name: nginx
                image: {image}
        """;

    private async Task<(int Status, JsonObject Body)> Send(HttpMethod method, string path, string? body = null, string contentType = "application/apply-patch+yaml", string? userAgent = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }
        using var response = await api.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject());
    }

    private static JsonObject Entry(JsonObject obj, string manager, string operation) =>
        obj["metadata"]!["managedFields"]!.AsArray().OfType<JsonObject>().Single(e => (string?)e["manager"] == manager && (string?)e["operation"] == operation);

    private static string Fields(JsonObject entry) => entry["fieldsV1"]!.ToJsonString(JsonTree.CompactOptions);

    private static string Compact(JsonNode node) => node.ToJsonString(JsonTree.CompactOptions);

    [Fact]
    public async Task Apply_creates_then_updates_with_one_apply_entry()
    {
        var (created, obj) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-create?fieldManager=kubectl&fieldValidation=Strict&force=false", Deployment("ssa-create"));
        Assert.Equal(201, created);
        var entry = Entry(obj, "kubectl", "Apply");
        Assert.Equal("apps/v1", (string?)entry["apiVersion"]);
        Assert.Equal("FieldsV1", (string?)entry["fieldsType"]);
        Assert.NotNull(entry["time"]);
        Assert.Equal(
            """{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}}""",
            Fields(entry));

        var (updated, changed) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-create?fieldManager=kubectl", Deployment("ssa-create", replicas: 3));
        Assert.Equal(200, updated);
        Assert.Equal(3, JsonTree.GetInt(changed, "spec", "replicas"));
        Assert.Single(changed["metadata"]!["managedFields"]!.AsArray());
    }

    [Fact]
    public async Task Apply_without_a_field_manager_is_invalid_as_the_api_server_says()
    {
        var (status, body) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-nomanager", Deployment("ssa-nomanager"));
        Assert.Equal(422, status);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch","reason":"Invalid","details":{"group":"meta.k8s.io","kind":"PatchOptions","causes":[{"reason":"FieldValueRequired","message":"Required value: is required for apply patch","field":"fieldManager"}]},"code":422}""",
            Compact(body));

        var (forced, forbidden) = await Send(HttpMethod.Patch, $"{ConfigMaps}/none?force=true", """{"data":{"a":"b"}}""", "application/merge-patch+json");
        Assert.Equal(422, forced);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch", (string?)forbidden["message"]);
    }

    [Fact]
    public async Task A_conflict_is_a_409_with_the_managers_fields_and_force_takes_them()
    {
        await Send(HttpMethod.Patch, $"{Deployments}/ssa-conflict?fieldManager=kubectl", Deployment("ssa-conflict"));
        var (patched, _) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-conflict?fieldManager=kubectl-edit", """{"spec":{"replicas":5}}""", "application/merge-patch+json");
        Assert.Equal(200, patched);

        var (status, body) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-conflict?fieldManager=kubectl", Deployment("ssa-conflict", replicas: 2));
        Assert.Equal(409, status);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas","reason":"Conflict","details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"kubectl-edit\" using apps/v1","field":".spec.replicas"}]},"code":409}""",
            Compact(body));

        var (several, many) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-conflict?fieldManager=ci", Deployment("ssa-conflict", replicas: 7, image: "nginx:1.28"));
        Assert.Equal(409, several);
        Assert.Equal("Apply failed with 2 conflicts: conflicts with \"kubectl\":\n- .spec.template.spec.containers[name=\"nginx\"].image\nconflicts with \"kubectl-edit\" using apps/v1:\n- .spec.replicas", (string?)many["message"]);

        var (ok, forced) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-conflict?fieldManager=kubectl&force=true", Deployment("ssa-conflict", replicas: 2));
        Assert.Equal(200, ok);
        Assert.Equal(2, JsonTree.GetInt(forced, "spec", "replicas"));
        Assert.DoesNotContain(forced["metadata"]!["managedFields"]!.AsArray().OfType<JsonObject>(), e => (string?)e["manager"] == "kubectl-edit" && Fields(e).Contains("f:replicas", StringComparison.Ordinal));
        Assert.Contains("f:replicas", Fields(Entry(forced, "kubectl", "Apply")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_field_no_longer_applied_is_removed()
    {
        await Send(HttpMethod.Patch, $"{Deployments}/ssa-remove?fieldManager=kubectl", Deployment("ssa-remove", labels: "app: web, tier: front"));
        var (_, obj) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-remove?fieldManager=kubectl", Deployment("ssa-remove"));
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web" }, JsonTree.StringMap(obj["metadata"]!["labels"]));
    }

    [Fact]
    public async Task Applying_nothing_removes_everything_the_manager_applied_and_its_entry()
    {
        await Send(HttpMethod.Patch, $"{ConfigMaps}/ssa-empty?fieldManager=solo", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa-empty","labels":{"a":"b"}},"data":{"x":"1"}}""");
        var (ok, obj) = await Send(HttpMethod.Patch, $"{ConfigMaps}/ssa-empty?fieldManager=solo", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa-empty"}}""");
        Assert.Equal(200, ok);
        Assert.Null(obj["data"]);
        Assert.Null(obj["metadata"]!["labels"]);
        Assert.Null(obj["metadata"]!["managedFields"]);
    }

    [Fact]
    public async Task Writes_are_recorded_per_manager_from_the_field_manager_or_the_user_agent()
    {
        var (created, obj) = await Send(HttpMethod.Post, ConfigMaps, """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa-writes"},"data":{"a":"1"}}""",
            "application/json", userAgent: "kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0");
        Assert.Equal(201, created);
        Assert.Equal("""{"f:data":{".":{},"f:a":{}}}""", Fields(Entry(obj, "kubectl", "Update")));

        var (_, patched) = await Send(HttpMethod.Patch, $"{ConfigMaps}/ssa-writes?fieldManager=kubectl-label", """{"metadata":{"labels":{"x":"y"}}}""", "application/strategic-merge-patch+json");
        Assert.Equal("""{"f:metadata":{"f:labels":{".":{},"f:x":{}}}}""", Fields(Entry(patched, "kubectl-label", "Update")));
        Assert.Equal(["kubectl", "kubectl-label"], patched["metadata"]!["managedFields"]!.AsArray().Select(e => (string?)e!["manager"]));

        // A write that changes nothing records nothing.
        var (_, again) = await Send(HttpMethod.Patch, $"{ConfigMaps}/ssa-writes?fieldManager=other", """{"metadata":{"labels":{"x":"y"}}}""", "application/merge-patch+json");
        Assert.Equal(patched["metadata"]!["resourceVersion"]!.GetValue<string>(), again["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Status_and_scale_writes_record_their_subresource()
    {
        await Send(HttpMethod.Patch, $"{Deployments}/ssa-sub?fieldManager=kubectl", Deployment("ssa-sub"));
        var (_, withStatus) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-sub/status?fieldManager=kube-controller-manager", """{"status":{"replicas":2}}""", "application/merge-patch+json");
        var status = Entry(withStatus, "kube-controller-manager", "Update");
        Assert.Equal("status", (string?)status["subresource"]);
        Assert.Equal("""{"f:status":{"f:replicas":{}}}""", Fields(status));

        var (scaled, _) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-sub/scale", """{"spec":{"replicas":4}}""", "application/merge-patch+json",
            userAgent: "kubectl.1.33/v1.33.1 (linux/amd64) kubernetes/8adc0f0");
        Assert.Equal(200, scaled);
        var (_, obj) = await Send(HttpMethod.Get, $"{Deployments}/ssa-sub");
        var scale = Entry(obj, "kubectl.1.33", "Update");
        Assert.Equal("scale", (string?)scale["subresource"]);
        Assert.Null(scale["time"]);
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", Fields(scale));
        Assert.DoesNotContain("f:replicas", Fields(Entry(obj, "kubectl", "Apply")));

        var (conflict, body) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-sub?fieldManager=kubectl", Deployment("ssa-sub", replicas: 2));
        Assert.Equal(409, conflict);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl.1.33\" with subresource \"scale\" using apps/v1: .spec.replicas", (string?)body["message"]);
    }

    [Fact]
    public async Task The_status_and_scale_subresources_take_applies_of_their_own()
    {
        await Send(HttpMethod.Patch, $"{Deployments}/ssa-subapply?fieldManager=kubectl", Deployment("ssa-subapply"));
        var (status, withStatus) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-subapply/status?fieldManager=observer",
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"ssa-subapply","namespace":"default"},"status":{"replicas":2},"spec":{"replicas":9}}""");
        Assert.Equal(200, status);
        Assert.Equal(2, JsonTree.GetInt(withStatus, "status", "replicas"));
        Assert.Equal(2, JsonTree.GetInt(withStatus, "spec", "replicas"));
        var statusEntry = Entry(withStatus, "observer", "Apply");
        Assert.Equal("status", (string?)statusEntry["subresource"]);
        Assert.Equal("""{"f:status":{"f:replicas":{}}}""", Fields(statusEntry));

        var (scaled, scale) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-subapply/scale?fieldManager=autoscaler&force=true",
            """{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"ssa-subapply","namespace":"default"},"spec":{"replicas":6}}""");
        Assert.Equal(200, scaled);
        Assert.Equal("Scale", (string?)scale["kind"]);
        Assert.Equal(6, JsonTree.GetInt(scale, "spec", "replicas"));
        var (_, obj) = await Send(HttpMethod.Get, $"{Deployments}/ssa-subapply");
        var scaleEntry = Entry(obj, "autoscaler", "Apply");
        Assert.Equal("scale", (string?)scaleEntry["subresource"]);
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", Fields(scaleEntry));
        Assert.DoesNotContain("f:replicas", Fields(Entry(obj, "kubectl", "Apply")));
    }

    [Fact]
    public async Task A_json_patch_may_rewrite_managed_fields_under_a_resource_version_precondition()
    {
        var (_, obj) = await Send(HttpMethod.Patch, $"{ConfigMaps}/ssa-migrate?fieldManager=kubectl-client-side-apply", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa-migrate"},"data":{"a":"1"}}""");
        var rv = obj["metadata"]!["resourceVersion"]!.GetValue<string>();
        var entries = """[{"manager":"kubectl","operation":"Apply","apiVersion":"v1","time":"2025-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}}]""";

        var (stale, staleBody) = await Send(HttpMethod.Patch, $"{ConfigMaps}/ssa-migrate",
            $$"""[{"op":"replace","path":"/metadata/managedFields","value":{{entries}}},{"op":"replace","path":"/metadata/resourceVersion","value":"1"}]""", "application/json-patch+json");
        Assert.Equal(409, stale);
        Assert.Equal("Operation cannot be fulfilled on configmaps \"ssa-migrate\": the object has been modified; please apply your changes to the latest version and try again", (string?)staleBody["message"]);

        var (ok, migrated) = await Send(HttpMethod.Patch, $"{ConfigMaps}/ssa-migrate",
            $$"""[{"op":"replace","path":"/metadata/managedFields","value":{{entries}}},{"op":"replace","path":"/metadata/resourceVersion","value":"{{rv}}"}]""", "application/json-patch+json");
        Assert.Equal(200, ok);
        Assert.Equal("""[{"manager":"kubectl","operation":"Apply","apiVersion":"v1","time":"2025-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}}]""",
            Compact(migrated["metadata"]!["managedFields"]!));
    }

    [Fact]
    public async Task A_dry_run_apply_stores_nothing_and_a_configuration_outside_the_schema_is_refused()
    {
        var (status, obj) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-dry?fieldManager=kubectl&dryRun=All", Deployment("ssa-dry"));
        Assert.Equal(201, status);
        Assert.Equal("ssa-dry", JsonTree.GetString(obj, "metadata", "name"));
        var (missing, _) = await Send(HttpMethod.Get, $"{Deployments}/ssa-dry");
        Assert.Equal(404, missing);

        var (refused, body) = await Send(HttpMethod.Patch, $"{Deployments}/ssa-bogus?fieldManager=kubectl", Deployment("ssa-bogus") + "\n  bogus: 1\n");
        Assert.Equal(500, refused);
        Assert.Equal(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"failed to create typed patch object (default/ssa-bogus; apps/v1, Kind=Deployment): .spec.bogus: field not declared in schema","code":500}""",
            Compact(body));
    }
}

/// <summary>Server-side apply of custom resources: the CRD schema's list and map types decide what each manager owns.</summary>
public sealed class CustomResourceServerSideApplyTests(CustomResourceFixture api) : IClassFixture<CustomResourceFixture>
{
    private const string Gadgets = "/apis/ssa.example.com/v1/namespaces/default/gadgets";

    private async Task Define()
    {
        var crd = JsonNode.Parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.ssa.example.com"},
             "spec":{"group":"ssa.example.com","scope":"Namespaced","names":{"plural":"gadgets","kind":"Gadget"},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{
                "spec":{"type":"object","properties":{
                  "items":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
                           "items":{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"value":{"type":"string"}}}},
                  "tags":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
                  "config":{"type":"object","x-kubernetes-map-type":"atomic","additionalProperties":{"type":"string"}}}}}}}}]}}
            """)!;
        var (status, body, _) = await api.Send(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        Assert.True(status == 201, body.ToJsonString());
    }

    private async Task<(int Status, JsonObject Body)> Apply(string manager, string spec, bool force = false)
    {
        var body = JsonNode.Parse($$"""{"apiVersion":"ssa.example.com/v1","kind":"Gadget","metadata":{"name":"g","namespace":"default"},"spec":{{spec}}}""");
        var (status, answer, _) = await api.Send(HttpMethod.Patch, $"{Gadgets}/g?fieldManager={manager}{(force ? "&force=true" : "")}", body, "application/apply-patch+yaml");
        return (status, answer);
    }

    private static JsonObject Entry(JsonObject obj, string manager) =>
        obj["metadata"]!["managedFields"]!.AsArray().OfType<JsonObject>().Single(e => (string?)e["manager"] == manager);

    [Fact]
    public async Task Map_lists_and_sets_are_owned_item_by_item_and_atomic_maps_as_a_whole()
    {
        await Define();
        var (created, _) = await Apply("a", """{"items":[{"name":"a","value":"1"}],"tags":["x"],"config":{"k":"v"}}""");
        Assert.Equal(201, created);
        var (ok, both) = await Apply("b", """{"items":[{"name":"b","value":"2"}],"tags":["y"]}""");
        Assert.Equal(200, ok);
        Assert.Equal(["a", "b"], both["spec"]!["items"]!.AsArray().Select(i => (string?)i!["name"]));
        Assert.Equal(["x", "y"], both["spec"]!["tags"]!.AsArray().Select(t => (string?)t));
        Assert.Equal(
            """{"f:spec":{"f:config":{},"f:items":{"k:{\"name\":\"a\"}":{".":{},"f:name":{},"f:value":{}}},"f:tags":{"v:\"x\"":{}}}}""",
            Entry(both, "a")["fieldsV1"]!.ToJsonString(JsonTree.CompactOptions));

        var (conflict, body) = await Apply("b", """{"items":[{"name":"a","value":"9"},{"name":"b","value":"2"}],"config":{"k":"w"}}""");
        Assert.Equal(409, conflict);
        Assert.Equal("Apply failed with 2 conflicts: conflicts with \"a\":\n- .spec.config\n- .spec.items[name=\"a\"].value", (string?)body["message"]);

        var (_, dropped) = await Apply("a", """{"tags":["x"]}""");
        Assert.Equal(["b"], dropped["spec"]!["items"]!.AsArray().Select(i => (string?)i!["name"]));
        Assert.Null(dropped["spec"]!["config"]);
    }
}
