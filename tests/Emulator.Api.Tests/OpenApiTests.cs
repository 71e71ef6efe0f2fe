using System.Net;
using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

public sealed class OpenApiTests(CustomResourceFixture api) : IClassFixture<CustomResourceFixture>
{
    private async Task<JsonObject> Document(string path)
    {
        var (_, root, _) = await api.Send(HttpMethod.Get, "/openapi/v3");
        var url = root["paths"]![path]!["serverRelativeURL"]!.GetValue<string>();
        var (status, document, _) = await api.Send(HttpMethod.Get, url);
        Assert.Equal(200, status);
        return document;
    }

    [Fact]
    public async Task The_v3_root_lists_every_group_version_with_a_content_hash()
    {
        var (status, root, _) = await api.Send(HttpMethod.Get, "/openapi/v3");
        Assert.Equal(200, status);
        var paths = root["paths"]!.AsObject();
        Assert.Contains("api/v1", paths.Select(p => p.Key));
        Assert.Contains("apis/apps/v1", paths.Select(p => p.Key));
        Assert.Matches("^/openapi/v3/apis/apps/v1\\?hash=[0-9A-F]{128}$", paths["apis/apps/v1"]!["serverRelativeURL"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_group_version_document_has_operations_with_their_kind_and_the_kinds_schemas()
    {
        var document = await Document("apis/apps/v1");
        var patch = document["paths"]!["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!["patch"]!;
        Assert.Equal("Deployment", patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");

        var schemas = document["components"]!["schemas"]!.AsObject();
        var deployment = schemas["io.k8s.api.apps.v1.Deployment"]!;
        Assert.Equal("apps", deployment["x-kubernetes-group-version-kind"]![0]!["group"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec", deployment["properties"]!["spec"]!["allOf"]![0]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", deployment["properties"]!["metadata"]!["allOf"]![0]!["$ref"]!.GetValue<string>());
        // The pod spec lives in core; its containers merge by name, as kubectl's patches need.
        var containers = schemas["io.k8s.api.core.v1.PodSpec"]!["properties"]!["containers"]!;
        Assert.Equal(("array", "name", "merge"), (containers["type"]!.GetValue<string>(), containers["x-kubernetes-patch-merge-key"]!.GetValue<string>(), containers["x-kubernetes-patch-strategy"]!.GetValue<string>()));
        Assert.Equal("int32", schemas["io.k8s.api.apps.v1.DeploymentSpec"]!["properties"]!["replicas"]!["format"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_stale_hash_is_redirected_to_the_current_document()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = api.Client.BaseAddress };
        using var response = await client.GetAsync("/openapi/v3/apis/apps/v1?hash=0000");
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Matches("^/openapi/v3/apis/apps/v1\\?hash=[0-9A-F]{128}$", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task A_custom_resource_gets_a_document_from_its_CRDs_schema()
    {
        var crd = JsonNode.Parse("""
            {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
             "metadata": {"name": "gadgets.openapi.example.com"},
             "spec": {"group": "openapi.example.com", "scope": "Namespaced",
               "names": {"plural": "gadgets", "kind": "Gadget"},
               "versions": [{"name": "v1", "served": true, "storage": true,
                 "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "required": ["size"], "properties": {"size": {"type": "string"}}}}}}}]}}
            """);
        Assert.Equal(201, (await api.Send(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).Status);
        var document = await Document("apis/openapi.example.com/v1");
        Assert.Equal("Gadget", document["paths"]!["/apis/openapi.example.com/v1/namespaces/{namespace}/gadgets/{name}"]!["get"]!["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        var gadget = document["components"]!["schemas"]!["com.example.openapi.v1.Gadget"]!;
        Assert.Equal("size", gadget["properties"]!["spec"]!["required"]![0]!.GetValue<string>());
        Assert.NotNull(document["components"]!["schemas"]!["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
    }
}
