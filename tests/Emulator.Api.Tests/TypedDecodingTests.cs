using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

/// <summary>
/// Bodies whose fields do not fit their kind's Go types are refused before the store sees them, with the API
/// server's status codes and messages (the table of issue 15, then updates, patches, YAML and subresources).
/// </summary>
public sealed class TypedDecodingTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";

    private async Task<(int Status, JsonObject Body)> SendText(HttpMethod method, string path, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await api.Client.SendAsync(request);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    private static void AssertBadRequest(string message, (int Status, JsonObject Body) answer)
    {
        Assert.Equal(400, answer.Status);
        var expected = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = "BadRequest",
            ["code"] = 400,
        };
        Assert.Equal(expected.ToJsonString(), answer.Body.ToJsonString());
    }

    private static void AssertPatchInvalid(string value, string error, (int Status, JsonObject Body) answer)
    {
        Assert.Equal(422, answer.Status);
        var cause = $"Invalid value: {value}: {error}";
        Assert.Equal("Invalid", answer.Body["reason"]!.GetValue<string>());
        Assert.Equal($" \"\" is invalid: patch: {cause}", answer.Body["message"]!.GetValue<string>());
        var causes = answer.Body["details"]!["causes"]!.AsArray();
        Assert.Equal("FieldValueInvalid", causes.Single()!["reason"]!.GetValue<string>());
        Assert.Equal("patch", causes.Single()!["field"]!.GetValue<string>());
        Assert.Equal(cause, causes.Single()!["message"]!.GetValue<string>());
    }

    private static string Deployment(string name, string replicas) =>
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\"},"
        + "\"spec\":{\"replicas\":" + replicas + ",\"selector\":{\"matchLabels\":{\"app\":\"" + name + "\"}},"
        + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"" + name + "\"}},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx\"}]}}}}";

    [Fact]
    public async Task A_pod_whose_containers_are_strings_is_refused()
    {
        var answer = await SendText(HttpMethod.Post, "/api/v1/namespaces/default/pods",
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"strings"},"spec":{"containers":["nginx"]}}""");
        AssertBadRequest("Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type v1.Container", answer);
        Assert.Equal(404, (await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods/strings")).Status);
    }

    [Fact]
    public async Task A_config_map_whose_data_is_a_list_is_refused()
    {
        var answer = await SendText(HttpMethod.Post, ConfigMaps,
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"listed"},"data":[1,2]}""");
        AssertBadRequest("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string", answer);
        Assert.Equal(404, (await api.Send(HttpMethod.Get, $"{ConfigMaps}/listed")).Status);
    }

    [Theory]
    [InlineData("9223372036854775808")]
    [InlineData("1.5e308")]
    public async Task A_deployment_whose_replicas_do_not_fit_an_int32_is_refused(string replicas)
    {
        var answer = await SendText(HttpMethod.Post, Deployments, Deployment("huge", replicas));
        AssertBadRequest($"Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal number {replicas} into Go struct field DeploymentSpec.spec.replicas of type int32", answer);
        Assert.Equal(404, (await api.Send(HttpMethod.Get, $"{Deployments}/huge")).Status);
    }

    [Fact]
    public async Task A_service_port_spelled_out_is_refused()
    {
        var answer = await SendText(HttpMethod.Post, "/api/v1/namespaces/default/services",
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"eighty"},"spec":{"ports":[{"port":"eighty"}]}}""");
        AssertBadRequest("Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32", answer);
    }

    [Fact]
    public async Task A_label_value_that_is_an_object_is_refused_and_the_server_keeps_answering()
    {
        var answer = await SendText(HttpMethod.Post, ConfigMaps,
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"nested","labels":{"a":{"b":{}}}}}""");
        AssertBadRequest("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go struct field ObjectMeta.metadata.labels of type string", answer);
        var (created, _) = await SendText(HttpMethod.Post, ConfigMaps, """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"nested","labels":{"a":"b"}}}""");
        Assert.Equal(201, created);
    }

    [Fact]
    public async Task An_update_with_a_type_error_is_refused_and_leaves_the_object()
    {
        Assert.Equal(201, (await SendText(HttpMethod.Post, Deployments, Deployment("updated", "1"))).Status);
        var answer = await SendText(HttpMethod.Put, $"{Deployments}/updated", Deployment("updated", "\"two\""));
        AssertBadRequest("Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32", answer);
        var (_, stored) = await api.Send(HttpMethod.Get, $"{Deployments}/updated");
        Assert.Equal(1, stored["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_status_update_with_a_type_error_is_refused()
    {
        Assert.Equal(201, (await SendText(HttpMethod.Post, Deployments, Deployment("statused", "1"))).Status);
        var (_, live) = await api.Send(HttpMethod.Get, $"{Deployments}/statused");
        live["status"] = new JsonObject { ["replicas"] = "many" };
        var answer = await api.Send(HttpMethod.Put, $"{Deployments}/statused/status", live);
        AssertBadRequest("Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentStatus.status.replicas of type int32", answer);
    }

    [Fact]
    public async Task A_scale_with_a_type_error_is_refused()
    {
        Assert.Equal(201, (await SendText(HttpMethod.Post, Deployments, Deployment("scaled", "1"))).Status);
        var answer = await SendText(HttpMethod.Put, $"{Deployments}/scaled/scale",
            """{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"scaled","namespace":"default"},"spec":{"replicas":2147483648}}""");
        AssertBadRequest("Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal number 2147483648 into Go struct field ScaleSpec.spec.replicas of type int32", answer);
        var patched = await SendText(HttpMethod.Patch, $"{Deployments}/scaled/scale", """{"spec":{"replicas":"3"}}""", "application/merge-patch+json");
        Assert.Equal(422, patched.Status);
        Assert.EndsWith(": json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32", patched.Body["message"]!.GetValue<string>());
        var (_, stored) = await api.Send(HttpMethod.Get, $"{Deployments}/scaled");
        Assert.Equal(1, stored["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_merge_patch_with_a_type_error_is_invalid_and_quotes_the_patched_object()
    {
        Assert.Equal(201, (await SendText(HttpMethod.Post, ConfigMaps, """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"merged"},"data":{"a":"1"}}""")).Status);
        var answer = await SendText(HttpMethod.Patch, $"{ConfigMaps}/merged", """{"data":{"a":{"b":1}}}""", "application/merge-patch+json");
        Assert.Equal(422, answer.Status);
        var message = answer.Body["message"]!.GetValue<string>();
        // Go marshals the patched object with sorted keys; %q escapes its quotes.
        Assert.StartsWith(" \"\" is invalid: patch: Invalid value: \"{\\\"apiVersion\\\":\\\"v1\\\",\\\"data\\\":{\\\"a\\\":{\\\"b\\\":1}},\\\"kind\\\":\\\"ConfigMap\\\",\\\"metadata\\\":{", message);
        Assert.EndsWith("\": json: cannot unmarshal object into Go struct field ConfigMap.data of type string", message);
        Assert.Equal("1", (await api.Send(HttpMethod.Get, $"{ConfigMaps}/merged")).Body["data"]!["a"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_strategic_merge_patch_with_a_type_error_is_invalid_and_quotes_the_patch()
    {
        Assert.Equal(201, (await SendText(HttpMethod.Post, Deployments, Deployment("strategic", "1"))).Status);
        var answer = await SendText(HttpMethod.Patch, $"{Deployments}/strategic", """{"spec":{"replicas":1.5}}""", "application/strategic-merge-patch+json");
        AssertPatchInvalid("\"map[spec:map[replicas:1.5]]\"", "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32", answer);
        Assert.Equal(1, (await api.Send(HttpMethod.Get, $"{Deployments}/strategic")).Body["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_json_patch_with_a_type_error_is_invalid()
    {
        Assert.Equal(201, (await SendText(HttpMethod.Post, Deployments, Deployment("jsonpatched", "1"))).Status);
        var answer = await SendText(HttpMethod.Patch, $"{Deployments}/jsonpatched",
            """[{"op":"replace","path":"/spec/template/spec/containers","value":["nginx"]}]""", "application/json-patch+json");
        Assert.Equal(422, answer.Status);
        Assert.EndsWith("\": json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.containers of type v1.Container", answer.Body["message"]!.GetValue<string>());
        Assert.Equal("patch", answer.Body["details"]!["causes"]![0]!["field"]!.GetValue<string>());
        var (_, stored) = await api.Send(HttpMethod.Get, $"{Deployments}/jsonpatched");
        Assert.Equal("nginx", stored["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_yaml_body_is_decoded_like_json()
    {
        var answer = await SendText(HttpMethod.Post, Deployments, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: yamled
            spec:
              replicas: 1.5e308
              selector: {matchLabels: {app: yamled}}
              template:
                metadata: {labels: {app: yamled}}
                spec:
                  containers: [{name: app, image: nginx}]
            """, "application/yaml");
        AssertBadRequest("Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal number 1.5e+308 into Go struct field DeploymentSpec.spec.replicas of type int32", answer);
        var valid = await SendText(HttpMethod.Post, ConfigMaps, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: yamled}\ndata: {a: \"1\"}\n", "application/yaml");
        Assert.Equal(201, valid.Status);
        Assert.Equal("1", valid.Body["data"]!["a"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_body_whose_kind_is_not_a_string_is_unrecognized()
    {
        var answer = await SendText(HttpMethod.Post, ConfigMaps, """{"apiVersion":"v1","kind":7,"metadata":{"name":"seven"}}""");
        AssertBadRequest("the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of type string ({\"apiVersion\":\"v1\",\"kind\":7,\"m ...)", answer);
    }
}
