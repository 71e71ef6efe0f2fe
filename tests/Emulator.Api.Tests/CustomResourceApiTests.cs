using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Emulator.Api.Discovery;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.Store;
using Emulator.Runtime;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;
using Emulator.Runtime.Time;

namespace Emulator.Api.Tests;

/// <summary>An API server over a store with Kubernetes admission and the CRD controller, one per test class.</summary>
public sealed class CustomResourceFixture : IAsyncLifetime
{
    private ActorSystem _system = null!;
    private ApiServer _server = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _system = ActorSystem.Create("crd-test", EmulatedTime.ScaledConfig(1.0)
            .WithFallback(JournalSettings.InMemory())
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING"))
            .WithFallback(RuntimeConfig.Defaults));
        StoreSerialization.Register(EventSerialization.Get(_system).Manifests);
        var hub = _system.ActorOf(Props.Create(() => new WatchHub(1000)), "watch-hub");
        var store = _system.ActorOf(Props.Create(() => new ApiStore(KubernetesAdmission.Default, hub, 1000)), "api-store");
        _system.ActorOf(Props.Create(() => new CustomResourceDefinitionController(store, hub, null)), "crd-controller");
        _server = await ApiServer.StartAsync(_system, store, hub, ApiResourceCatalog.Default, new ApiServerOptions { Port = 0 });
        Client = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await _server.DisposeAsync();
        await _system.Terminate();
    }

    public async Task<(int Status, JsonObject Body, HttpResponseMessage Response)> Send(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject(), response);
    }
}

public sealed class CustomResourceApiTests(CustomResourceFixture api) : IClassFixture<CustomResourceFixture>
{
    private const string Table = "application/json;as=Table;v=v1;g=meta.k8s.io";
    private const string Crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

    /// <summary>A CRD of group <paramref name="group"/> with a v1 storage version and a deprecated v1beta1.</summary>
    private static JsonObject Widgets(string group, string scope = "Namespaced") => JsonNode.Parse("""
        {
          "apiVersion": "apiextensions.k8s.io/v1",
          "kind": "CustomResourceDefinition",
          "metadata": {"name": "widgets.GROUP"},
          "spec": {
            "group": "GROUP",
            "scope": "SCOPE",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"], "categories": ["all"]},
            "versions": [
              {"name": "v1beta1", "served": true, "storage": false, "deprecated": true,
               "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
              {"name": "v1", "served": true, "storage": true,
               "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                 "spec": {"type": "object", "required": ["size"], "properties": {
                   "size": {"type": "string", "enum": ["small", "large"]},
                   "replicas": {"type": "integer", "minimum": 0, "default": 1},
                   "selector": {"type": "string"}}},
                 "status": {"type": "object", "properties": {"replicas": {"type": "integer"}, "phase": {"type": "string"}}}}}},
               "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas", "labelSelectorPath": ".spec.selector"}},
               "additionalPrinterColumns": [
                 {"name": "Size", "type": "string", "jsonPath": ".spec.size"},
                 {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
                 {"name": "Phase", "type": "string", "jsonPath": ".status.phase", "priority": 1}]}
            ]
          }
        }
        """.Replace("GROUP", group, StringComparison.Ordinal).Replace("SCOPE", scope, StringComparison.Ordinal))!.AsObject();

    private static JsonObject Widget(string group, string name, string size = "small", string version = "v1") => new()
    {
        ["apiVersion"] = $"{group}/{version}",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["size"] = size, ["selector"] = "app=w" },
    };

    private async Task Define(string group, string scope = "Namespaced")
    {
        var (status, body, _) = await api.Send(HttpMethod.Post, Crds, Widgets(group, scope));
        Assert.True(status == 201, body.ToJsonString());
    }

    [Fact]
    public async Task A_CRD_appears_in_discovery_with_its_versions_names_and_subresources()
    {
        await Define("discovery.example.com");
        var (_, groups, _) = await api.Send(HttpMethod.Get, "/apis");
        var group = groups["groups"]!.AsArray().OfType<JsonObject>().Single(g => g["name"]!.GetValue<string>() == "discovery.example.com");
        Assert.Equal("discovery.example.com/v1", group["preferredVersion"]!["groupVersion"]!.GetValue<string>());
        Assert.Equal(["v1", "v1beta1"], group["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<string>()));

        var (_, list, _) = await api.Send(HttpMethod.Get, "/apis/discovery.example.com/v1");
        var resources = list["resources"]!.AsArray().OfType<JsonObject>().ToDictionary(r => r["name"]!.GetValue<string>());
        Assert.Equal(["widgets", "widgets/status", "widgets/scale"], resources.Keys);
        Assert.Equal("wd", resources["widgets"]["shortNames"]![0]!.GetValue<string>());
        Assert.Equal("all", resources["widgets"]["categories"]![0]!.GetValue<string>());
        Assert.True(resources["widgets"]["namespaced"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Custom_objects_are_created_defaulted_listed_and_printed_with_the_CRDs_columns()
    {
        await Define("print.example.com");
        var (status, created, _) = await api.Send(HttpMethod.Post, "/apis/print.example.com/v1/namespaces/default/widgets", Widget("print.example.com", "w1", "large"));
        Assert.Equal(201, status);
        Assert.Equal(1, created["spec"]!["replicas"]!.GetValue<int>());

        var (_, list, _) = await api.Send(HttpMethod.Get, "/apis/print.example.com/v1/namespaces/default/widgets");
        Assert.Equal("WidgetList", list["kind"]!.GetValue<string>());
        Assert.Single(list["items"]!.AsArray());

        var (_, table, _) = await api.Send(HttpMethod.Get, "/apis/print.example.com/v1/namespaces/default/widgets", accept: Table);
        Assert.Equal(["Name", "Size", "Replicas", "Phase"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal(1, table["columnDefinitions"]![3]!["priority"]!.GetValue<int>());
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("w1", cells[0]!.GetValue<string>());
        Assert.Equal("large", cells[1]!.GetValue<string>());
        Assert.Equal(1, cells[2]!.GetValue<long>());
        Assert.Null(cells[3]);
    }

    [Fact]
    public async Task An_invalid_custom_object_is_refused_with_the_schemas_path_and_Kubernetes_status()
    {
        await Define("invalid.example.com");
        var bad = Widget("invalid.example.com", "bad", "medium");
        bad["spec"]!["replicas"] = -1;
        var (status, body, _) = await api.Send(HttpMethod.Post, "/apis/invalid.example.com/v1/namespaces/default/widgets", bad);
        Assert.Equal(422, status);
        Assert.Equal("Invalid", body["reason"]!.GetValue<string>());
        Assert.Equal("Widget.invalid.example.com \"bad\" is invalid: [spec.size: Unsupported value: \"medium\": supported values: \"small\", \"large\", spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0]",
            body["message"]!.GetValue<string>());
        Assert.Equal(("Widget", "invalid.example.com"), (body["details"]!["kind"]!.GetValue<string>(), body["details"]!["group"]!.GetValue<string>()));
        Assert.Equal(["spec.size", "spec.replicas"], body["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Unknown_fields_are_refused_under_strict_validation_and_pruned_otherwise()
    {
        await Define("strict.example.com");
        var extra = Widget("strict.example.com", "extra");
        extra["spec"]!["colour"] = "red";
        var (status, body, _) = await api.Send(HttpMethod.Post, "/apis/strict.example.com/v1/namespaces/default/widgets?fieldValidation=Strict", extra);
        Assert.Equal(400, status);
        Assert.Equal("Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.colour\"", body["message"]!.GetValue<string>());

        var (created, stored, response) = await api.Send(HttpMethod.Post, "/apis/strict.example.com/v1/namespaces/default/widgets?fieldValidation=Warn", extra);
        Assert.Equal(201, created);
        Assert.Null(stored["spec"]!["colour"]);
        Assert.Contains(response.Headers.GetValues("Warning"), w => w.Contains("unknown field \\\"spec.colour\\\"", StringComparison.Ordinal) || w.Contains("unknown field \"spec.colour\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Objects_are_stored_at_the_storage_version_and_served_at_every_served_version()
    {
        await Define("versions.example.com");
        var (status, created, response) = await api.Send(HttpMethod.Post, "/apis/versions.example.com/v1beta1/namespaces/default/widgets", Widget("versions.example.com", "old", version: "v1beta1"));
        Assert.Equal(201, status);
        Assert.Equal("versions.example.com/v1beta1", created["apiVersion"]!.GetValue<string>());
        Assert.Contains(response.Headers.GetValues("Warning"), w => w.Contains("versions.example.com/v1beta1 Widget is deprecated", StringComparison.Ordinal));
        var (_, asV1, _) = await api.Send(HttpMethod.Get, "/apis/versions.example.com/v1/namespaces/default/widgets/old");
        Assert.Equal("versions.example.com/v1", asV1["apiVersion"]!.GetValue<string>());
        var (_, asBeta, _) = await api.Send(HttpMethod.Get, "/apis/versions.example.com/v1beta1/namespaces/default/widgets");
        Assert.Equal("versions.example.com/v1beta1", asBeta["items"]![0]!["apiVersion"]!.GetValue<string>());

        var (mismatch, body, _) = await api.Send(HttpMethod.Post, "/apis/versions.example.com/v1/namespaces/default/widgets", Widget("versions.example.com", "x", version: "v1beta1"));
        Assert.Equal(400, mismatch);
        Assert.Equal("the API version in the data (versions.example.com/v1beta1) does not match the expected API version (versions.example.com/v1)", body["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_status_and_scale_subresources_work_as_for_built_in_kinds()
    {
        await Define("sub.example.com");
        const string path = "/apis/sub.example.com/v1/namespaces/default/widgets/s";
        var (_, created, _) = await api.Send(HttpMethod.Post, "/apis/sub.example.com/v1/namespaces/default/widgets", Widget("sub.example.com", "s"));

        // The main resource ignores status; the status subresource changes only status.
        created["status"] = new JsonObject { ["phase"] = "Ready", ["replicas"] = 1 };
        var (_, afterMain, _) = await api.Send(HttpMethod.Put, path, created);
        Assert.Null(afterMain["status"]);
        afterMain["status"] = new JsonObject { ["phase"] = "Ready", ["replicas"] = 1 };
        afterMain["spec"]!["size"] = "large";
        var (_, afterStatus, _) = await api.Send(HttpMethod.Put, path + "/status", afterMain);
        Assert.Equal("Ready", afterStatus["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("small", afterStatus["spec"]!["size"]!.GetValue<string>());

        var (_, scale, _) = await api.Send(HttpMethod.Get, path + "/scale");
        Assert.Equal(("Scale", 1, 1, "app=w"), (scale["kind"]!.GetValue<string>(), scale["spec"]!["replicas"]!.GetValue<int>(), scale["status"]!["replicas"]!.GetValue<int>(), scale["status"]!["selector"]!.GetValue<string>()));
        var (patched, _, _) = await api.Send(HttpMethod.Patch, path + "/scale", new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 4 } }, "application/merge-patch+json");
        Assert.Equal(200, patched);
        var (_, scaled, _) = await api.Send(HttpMethod.Get, path);
        Assert.Equal(4, scaled["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Cluster_scoped_custom_resources_are_served_without_a_namespace()
    {
        await Define("cluster.example.com", "Cluster");
        var (status, created, _) = await api.Send(HttpMethod.Post, "/apis/cluster.example.com/v1/widgets", Widget("cluster.example.com", "global"));
        Assert.Equal(201, status);
        Assert.Null(created["metadata"]!["namespace"]);
        var (notFound, _, _) = await api.Send(HttpMethod.Get, "/apis/cluster.example.com/v1/namespaces/default/widgets");
        Assert.Equal(404, notFound);
    }

    [Fact]
    public async Task Deleting_the_CRD_removes_its_objects_and_its_resource()
    {
        await Define("gone.example.com");
        await api.Send(HttpMethod.Post, "/apis/gone.example.com/v1/namespaces/default/widgets", Widget("gone.example.com", "g"));
        var (status, deleting, _) = await api.Send(HttpMethod.Delete, Crds + "/widgets.gone.example.com");
        Assert.Equal(200, status);
        Assert.Contains(deleting["status"]!["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "Terminating");
        // The CRD controller deletes the objects, then the finalizer: real time, so allow for a loaded machine.
        for (var i = 0; i < 600 && (await api.Send(HttpMethod.Get, Crds + "/widgets.gone.example.com")).Status != 404; i++)
        {
            await Task.Delay(50);
        }
        Assert.Equal(404, (await api.Send(HttpMethod.Get, Crds + "/widgets.gone.example.com")).Status);
        Assert.Equal(404, (await api.Send(HttpMethod.Get, "/apis/gone.example.com/v1/namespaces/default/widgets")).Status);
    }
}
