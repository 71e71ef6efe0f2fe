using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

/// <summary>Protobuf request bodies (kubectl 1.33's <c>create</c> generators send them).</summary>
public sealed class ProtobufBodyTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    // kubectl -n cap create configmap c1 --from-literal=a=b --from-literal=empty=
    private const string ConfigMap = "6b3873000a0f0a0276311209436f6e6669674d6170122a0a150a02633112001a0363617022002a0032003800420012060a016112016212090a05656d70747912001a002200";

    // kubectl -n cap create deployment zero --image nginx --replicas 0
    private const string DeploymentZero = "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b2010a240a047a65726f12001a0363617022002a003200380042005a0b0a0361707012047a65726f127c0800120d0a0b0a0361707012047a65726f1a610a1d0a0012001a0022002a003200380042005a0b0a0361707012047a65726f124012220a056e67696e7812056e67696e782a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200";

    private async Task<(int Status, JsonObject Body, HttpResponseMessage Response)> Post(string path, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/vnd.kubernetes.protobuf");
        var response = await api.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(text)!.AsObject(), response);
    }

    private Task EnsureNamespace() =>
        api.Send(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "cap" } });

    private static byte[] Envelope(string apiVersion, string kind, byte[] raw)
    {
        static byte[] Field(int number, byte[] value) => [(byte)((number << 3) | 2), (byte)value.Length, .. value];
        var typeMeta = Field(1, Encoding.UTF8.GetBytes(apiVersion)).Concat(Field(2, Encoding.UTF8.GetBytes(kind))).ToArray();
        return [0x6B, 0x38, 0x73, 0x00, .. Field(1, typeMeta), .. Field(2, raw)];
    }

    [Fact]
    public async Task A_kubectl_configmap_body_is_created()
    {
        await EnsureNamespace();
        var (status, body, response) = await Post("/api/v1/namespaces/cap/configmaps", Convert.FromHexString(ConfigMap));
        using (response)
        {
            Assert.Equal(201, status);
            Assert.Equal("c1", body["metadata"]!["name"]!.GetValue<string>());
            Assert.Equal("b", body["data"]!["a"]!.GetValue<string>());
            Assert.Equal("", body["data"]!["empty"]!.GetValue<string>());
            Assert.False(response.Headers.Contains("Warning"));
        }
    }

    [Fact]
    public async Task A_kubectl_deployment_body_keeps_zero_replicas()
    {
        await EnsureNamespace();
        var (status, body, response) = await Post("/apis/apps/v1/namespaces/cap/deployments", Convert.FromHexString(DeploymentZero));
        using (response)
        {
            Assert.Equal(201, status);
            Assert.Equal(0, body["spec"]!["replicas"]!.GetValue<int>());
            Assert.Equal("nginx", body["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Unknown_fields_are_skipped_and_reported_as_warnings()
    {
        // ConfigMap {1 metadata {1 name "w1", 99 varint 7}, 2 data {a: b}}
        byte[] raw = [0x0A, 0x07, 0x0A, 0x02, (byte)'w', (byte)'1', 0x98, 0x06, 0x07, 0x12, 0x06, 0x0A, 0x01, (byte)'a', 0x12, 0x01, (byte)'b'];
        var (status, body, response) = await Post("/api/v1/namespaces/default/configmaps", Envelope("v1", "ConfigMap", raw));
        using (response)
        {
            Assert.Equal(201, status);
            Assert.Equal("w1", body["metadata"]!["name"]!.GetValue<string>());
            Assert.Contains(response.Headers.GetValues("Warning"), w => w.Contains("unknown field 99", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_kind_outside_the_protobuf_table_is_unsupported_media_type()
    {
        var (status, body, response) = await Post("/api/v1/namespaces/default/configmaps", Envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", []));
        using (response)
        {
            Assert.Equal(415, status);
            Assert.Equal("UnsupportedMediaType", body["reason"]!.GetValue<string>());
            Assert.Contains("CustomResourceDefinition", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_truncated_body_is_a_bad_request()
    {
        var bytes = Convert.FromHexString(ConfigMap);
        var (status, body, response) = await Post("/api/v1/namespaces/default/configmaps", bytes[..^10]);
        using (response)
        {
            Assert.Equal(400, status);
            Assert.Contains("protobuf", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }
}
