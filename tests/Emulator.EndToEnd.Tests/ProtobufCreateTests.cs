using System.Text.Json.Nodes;

namespace Emulator.EndToEnd.Tests;

/// <summary>kubectl 1.33's typed <c>create</c> generators send protobuf bodies.</summary>
public sealed class ProtobufCreateTests(EmulatorFixture cluster) : IClassFixture<EmulatorFixture>
{
    private async Task<JsonNode> Get(params string[] args) =>
        JsonNode.Parse((await cluster.Kubectl.Run([.. args, "-o", "json"])).Succeeded().Stdout)!;

    [Fact]
    public async Task Create_generators_make_the_objects()
    {
        var k = cluster.Kubectl;
        Assert.Contains("namespace/pb created", (await k.Run("create", "namespace", "pb")).Succeeded().Stdout);
        (await k.Run("-n", "pb", "create", "configmap", "c1", "--from-literal=a=b")).Succeeded();
        (await k.Run("-n", "pb", "create", "secret", "generic", "s", "--from-literal=a=b")).Succeeded();
        (await k.Run("-n", "pb", "create", "deployment", "web", "--image", "nginx", "--replicas", "3", "--port", "80")).Succeeded();
        (await k.Run("-n", "pb", "create", "deployment", "zero", "--image", "nginx", "--replicas", "0")).Succeeded();
        (await k.Run("-n", "pb", "create", "job", "j", "--image", "busybox", "--", "sleep", "5")).Succeeded();
        (await k.Run("-n", "pb", "create", "cronjob", "c", "--image", "busybox", "--schedule", "*/1 * * * *")).Succeeded();
        (await k.Run("-n", "pb", "create", "service", "clusterip", "s", "--tcp=80:8080")).Succeeded();

        Assert.Equal("pb", (await Get("get", "namespace", "pb"))["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("b", (await Get("-n", "pb", "get", "configmap", "c1"))["data"]!["a"]!.GetValue<string>());
        var secret = await Get("-n", "pb", "get", "secret", "s");
        Assert.Equal("Yg==", secret["data"]!["a"]!.GetValue<string>());
        Assert.Equal("Opaque", secret["type"]!.GetValue<string>());

        var web = await Get("-n", "pb", "get", "deployment", "web");
        Assert.Equal(3, web["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("web", web["spec"]!["selector"]!["matchLabels"]!["app"]!.GetValue<string>());
        var container = web["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("nginx", container["image"]!.GetValue<string>());
        Assert.Equal(80, container["ports"]![0]!["containerPort"]!.GetValue<int>());
        Assert.Equal(0, (await Get("-n", "pb", "get", "deployment", "zero"))["spec"]!["replicas"]!.GetValue<int>());

        var job = await Get("-n", "pb", "get", "job", "j");
        var jobContainer = job["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(["sleep", "5"], jobContainer["command"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("Never", job["spec"]!["template"]!["spec"]!["restartPolicy"]!.GetValue<string>());

        var cronJob = await Get("-n", "pb", "get", "cronjob", "c");
        Assert.Equal("*/1 * * * *", cronJob["spec"]!["schedule"]!.GetValue<string>());
        Assert.Equal("busybox", cronJob["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());

        var service = await Get("-n", "pb", "get", "service", "s");
        var port = service["spec"]!["ports"]![0]!;
        Assert.Equal(80, port["port"]!.GetValue<int>());
        Assert.Equal(8080, port["targetPort"]!.GetValue<int>());
        Assert.Equal("s", service["spec"]!["selector"]!["app"]!.GetValue<string>());
    }
}
