using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

/// <summary>
/// HorizontalPodAutoscalers served at autoscaling/v1 beside v2 (kubectl 1.27's <c>autoscale</c> writes v1): one object,
/// stored at v2, read and written at either version.
/// </summary>
public sealed class AutoscalingVersionTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private const string V1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers";
    private const string V2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";

    private static JsonObject Autoscale(string name) => JsonNode.Parse($$$"""
        {"kind":"HorizontalPodAutoscaler","apiVersion":"autoscaling/v1","metadata":{"name":"{{{name}}}","creationTimestamp":null},
         "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"},"minReplicas":2,"maxReplicas":5,"targetCPUUtilizationPercentage":80},
         "status":{"currentReplicas":0,"desiredReplicas":0}}
        """)!.AsObject();

    [Fact]
    public async Task Discovery_prefers_v2_and_serves_v1_too()
    {
        var (_, groups) = await api.Send(HttpMethod.Get, "/apis");
        var autoscaling = groups["groups"]!.AsArray().Single(g => g!["name"]!.GetValue<string>() == "autoscaling")!;
        Assert.Equal(["v2", "v1"], autoscaling["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<string>()));
        Assert.Equal("v2", autoscaling["preferredVersion"]!["version"]!.GetValue<string>());
        var (status, v1) = await api.Send(HttpMethod.Get, "/apis/autoscaling/v1");
        Assert.Equal(200, status);
        Assert.Equal(["horizontalpodautoscalers", "horizontalpodautoscalers/status"], v1["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task What_kubectl_autoscale_writes_at_v1_reads_at_v2_with_its_cpu_metric()
    {
        var (created, body) = await api.Send(HttpMethod.Post, V1, Autoscale("from-v1"));
        Assert.Equal(201, created);
        Assert.Equal("autoscaling/v1", body["apiVersion"]!.GetValue<string>());
        Assert.Equal(80, body["spec"]!["targetCPUUtilizationPercentage"]!.GetValue<int>());
        var (_, v2) = await api.Send(HttpMethod.Get, V2 + "/from-v1");
        Assert.Equal("autoscaling/v2", v2["apiVersion"]!.GetValue<string>());
        Assert.Equal("""[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]""", v2["spec"]!["metrics"]!.ToJsonString());
        Assert.Null(v2["metadata"]!["annotations"]);
    }

    [Fact]
    public async Task A_v2_only_metric_survives_a_v1_round_trip()
    {
        var hpa = Autoscale("mixed");
        hpa["apiVersion"] = "autoscaling/v2";
        var spec = (JsonObject)hpa["spec"]!;
        spec.Remove("targetCPUUtilizationPercentage");
        spec["metrics"] = JsonNode.Parse("""
            [{"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}},
             {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}}]
            """);
        Assert.Equal(201, (await api.Send(HttpMethod.Post, V2, hpa)).Status);
        var (_, v1) = await api.Send(HttpMethod.Get, V1 + "/mixed");
        Assert.Equal(70, v1["spec"]!["targetCPUUtilizationPercentage"]!.GetValue<int>());
        Assert.Equal("""[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}]""",
            v1["metadata"]!["annotations"]!["autoscaling.alpha.kubernetes.io/metrics"]!.GetValue<string>());

        // Written back at v1 with a new maximum: the memory metric stays, after it the CPU target.
        v1["spec"]!["maxReplicas"] = 7;
        var (updated, _) = await api.Send(HttpMethod.Put, V1 + "/mixed", v1);
        Assert.Equal(200, updated);
        var (_, v2) = await api.Send(HttpMethod.Get, V2 + "/mixed");
        Assert.Equal(7, v2["spec"]!["maxReplicas"]!.GetValue<int>());
        Assert.Equal(["memory", "cpu"], v2["spec"]!["metrics"]!.AsArray().Select(m => m!["resource"]!["name"]!.GetValue<string>()));

        // A merge patch at v1 works on the v1 view.
        var (patched, body) = await api.Send(HttpMethod.Patch, V1 + "/mixed", JsonNode.Parse("""{"spec":{"targetCPUUtilizationPercentage":60}}"""), "application/merge-patch+json");
        Assert.Equal(200, patched);
        Assert.Equal(60, body["spec"]!["targetCPUUtilizationPercentage"]!.GetValue<int>());
        var (_, after) = await api.Send(HttpMethod.Get, V2 + "/mixed");
        Assert.Equal(60, after["spec"]!["metrics"]![1]!["resource"]!["target"]!["averageUtilization"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_v1_body_is_decoded_against_the_v1_type()
    {
        var hpa = Autoscale("strict");
        hpa["spec"]!["metrics"] = new JsonArray();
        var (status, body) = await api.Send(HttpMethod.Post, V1 + "?fieldValidation=Strict", hpa);
        Assert.Equal(400, status);
        Assert.Equal("HorizontalPodAutoscaler in version \"v1\" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: unknown field \"spec.metrics\"", body["message"]!.GetValue<string>());
        hpa = Autoscale("typed");
        hpa["spec"]!["targetCPUUtilizationPercentage"] = "high";
        (status, body) = await api.Send(HttpMethod.Post, V1, hpa);
        Assert.Equal(400, status);
        Assert.Contains("HorizontalPodAutoscalerSpec.spec.targetCPUUtilizationPercentage of type int32", body["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_a_metrics_server_the_metrics_api_is_not_served()
    {
        var (_, groups) = await api.Send(HttpMethod.Get, "/apis");
        Assert.DoesNotContain(groups["groups"]!.AsArray(), g => g!["name"]!.GetValue<string>() == "metrics.k8s.io");
        Assert.Equal(404, (await api.Send(HttpMethod.Get, "/apis/metrics.k8s.io/v1beta1/nodes")).Status);
    }
}
