using System.Text.Json.Nodes;
using Emulator.Kubernetes.Conversion;
using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Serialization;

namespace Emulator.Kubernetes.Tests;

/// <summary>HorizontalPodAutoscaler behavior defaults and the autoscaling/v1 ↔ v2 conversion.</summary>
public sealed class AutoscalingTests
{
    private static KubeObject Prepared(string yaml)
    {
        var obj = ManifestReader.ReadSingle("# test\n" + yaml);
        ObjectDefaulter.Apply(obj);
        return obj;
    }

    [Fact]
    public void A_given_behavior_gets_the_default_rules_for_what_it_leaves_out()
    {
        var hpa = Prepared("""
            {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: h, namespace: default},
             spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 5,
                    behavior: {scaleDown: {stabilizationWindowSeconds: 60}}}}
            """);
        Assert.Equal(
            """{"scaleDown":{"stabilizationWindowSeconds":60,"selectPolicy":"Max","policies":[{"type":"Percent","value":100,"periodSeconds":15}]}"""
            + ""","scaleUp":{"stabilizationWindowSeconds":0,"selectPolicy":"Max","policies":[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}]}}""",
            JsonTree.ToCompactJson(hpa.Spec!["behavior"]));
        var without = Prepared("{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: h, namespace: default}, spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 5}}");
        Assert.Null(without.Spec!["behavior"]);
    }

    private static JsonObject V2() => JsonNode.Parse("""
        {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",
         "metadata":{"name":"web","namespace":"default","annotations":{"team":"a"}},
         "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":5,
                 "metrics":[
                   {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}},
                   {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":60}}},
                   {"type":"Pods","pods":{"metric":{"name":"rps"},"target":{"type":"AverageValue","averageValue":"10"}}}],
                 "behavior":{"scaleDown":{"selectPolicy":"Max","policies":[{"type":"Pods","value":1,"periodSeconds":60}]}}},
         "status":{"lastScaleTime":"2025-01-01T00:00:00Z","currentReplicas":3,"desiredReplicas":4,
                   "currentMetrics":[
                     {"type":"Resource","resource":{"name":"memory","current":{"averageValue":"50Mi"}}},
                     {"type":"Resource","resource":{"name":"cpu","current":{"averageValue":"120m","averageUtilization":70}}},
                     {"type":""}],
                   "conditions":[{"type":"AbleToScale","status":"True","lastTransitionTime":"2025-01-01T00:00:00Z","reason":"SucceededRescale","message":"m"}]}}
        """)!.AsObject();

    [Fact]
    public void Version_1_shows_the_cpu_target_and_carries_the_rest_in_annotations()
    {
        var v1 = AutoscalingV1Conversion.ToV1(V2());
        Assert.Equal("autoscaling/v1", JsonTree.GetString(v1, "apiVersion"));
        Assert.Equal(
            """{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":5,"targetCPUUtilizationPercentage":60}""",
            JsonTree.ToCompactJson(v1["spec"]));
        Assert.Equal(
            """{"lastScaleTime":"2025-01-01T00:00:00Z","currentReplicas":3,"desiredReplicas":4,"currentCPUUtilizationPercentage":70}""",
            JsonTree.ToCompactJson(v1["status"]));
        var annotations = JsonTree.StringMap(JsonTree.Get(v1, "metadata", "annotations"));
        Assert.Equal("a", annotations["team"]);
        Assert.Equal(
            """[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}},{"type":"Pods","pods":{"metricName":"rps","targetAverageValue":"10"}}]""",
            annotations[AutoscalingV1Conversion.MetricsAnnotation]);
        Assert.Equal(
            """[{"type":"Resource","resource":{"name":"memory","currentAverageValue":"50Mi"}},{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":70,"currentAverageValue":"120m"}},{"type":""}]""",
            annotations[AutoscalingV1Conversion.CurrentMetricsAnnotation]);
        // The internal type's JSON: Go field names, nil pointers as null.
        Assert.Equal(
            """{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":1,"PeriodSeconds":60}],"Tolerance":null}}""",
            annotations[AutoscalingV1Conversion.BehaviorAnnotation]);
        Assert.Equal(
            """[{"type":"AbleToScale","status":"True","lastTransitionTime":"2025-01-01T00:00:00Z","reason":"SucceededRescale","message":"m"}]""",
            annotations[AutoscalingV1Conversion.ConditionsAnnotation]);
    }

    [Fact]
    public void A_version_1_object_written_back_keeps_what_version_2_had()
    {
        var original = V2();
        var back = AutoscalingV1Conversion.ToV2(AutoscalingV1Conversion.ToV1(original));
        Assert.Equal("""{"team":"a"}""", JsonTree.ToCompactJson(JsonTree.Get(back, "metadata", "annotations")));
        // The CPU target comes after the metrics of the annotation, as Kubernetes appends it.
        Assert.Equal(
            """[{"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}},"""
            + """{"type":"Pods","pods":{"metric":{"name":"rps"},"target":{"type":"AverageValue","averageValue":"10"}}},"""
            + """{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":60}}}]""",
            JsonTree.ToCompactJson(JsonTree.Get(back, "spec", "metrics")));
        Assert.Equal("""{"scaleDown":{"selectPolicy":"Max","policies":[{"type":"Pods","value":1,"periodSeconds":60}]}}""", JsonTree.ToCompactJson(JsonTree.Get(back, "spec", "behavior")));
        Assert.True(JsonTree.DeepEquals(original["status"], back["status"]));
    }

    [Fact]
    public void A_version_1_object_without_a_cpu_target_gets_the_implicit_80_percent()
    {
        var v1 = JsonNode.Parse("""
            {"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},
             "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":3},"status":{"currentReplicas":0,"desiredReplicas":0}}
            """)!.AsObject();
        var v2 = AutoscalingV1Conversion.ToV2(v1);
        Assert.Equal("autoscaling/v2", JsonTree.GetString(v2, "apiVersion"));
        Assert.Equal("""[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]""", JsonTree.ToCompactJson(JsonTree.Get(v2, "spec", "metrics")));
        Assert.Null(JsonTree.Get(v2, "spec", "behavior"));
        Assert.Null(JsonTree.Get(v2, "metadata", "annotations"));
    }
}
