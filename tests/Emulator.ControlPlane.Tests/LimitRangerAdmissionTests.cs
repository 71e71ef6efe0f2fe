using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>The LimitRanger admission plugin: defaults filled into new pods, min/max/ratio refusals in its words.</summary>
public sealed class LimitRangerAdmissionTests : QuotaTestKit
{
    private static JsonObject LimitRange(string name, params JsonObject[] items)
    {
        var limitRange = Object("LimitRange", "default", name, new JsonObject { ["limits"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()) });
        limitRange["apiVersion"] = "v1";
        return limitRange;
    }

    private static JsonObject Item(string type, string? min = null, string? max = null, string? defaults = null, string? defaultRequest = null, string? ratio = null)
    {
        var item = new JsonObject { ["type"] = type };
        foreach (var (field, pairs) in new[] { ("min", min), ("max", max), ("default", defaults), ("defaultRequest", defaultRequest), ("maxLimitRequestRatio", ratio) })
        {
            if (pairs is not null)
            {
                item[field] = List(pairs);
            }
        }
        return item;
    }

    private KubeObject GetPodObject(string name) => new(Ok(new GetObject(Pods, "default", name)).ToJsonObject());

    private static string Resources(KubeObject pod, int container, string field, string list = "containers") =>
        JsonTree.ToCompactJson(JsonTree.Get((JsonObject)pod.Spec![list]![container]!, "resources", field));

    [Fact]
    public void Defaults_fill_what_containers_leave_out_and_are_noted_on_the_pod()
    {
        Ok(new CreateObject(LimitRanges, LimitRange("defaults", Item("Container", defaults: "cpu=500m,memory=256Mi", defaultRequest: "cpu=100m"))));

        Ok(new CreateObject(Pods, PodOf("web", [Container("app"), Container("tuned", requests: "cpu=200m", limits: "memory=128Mi")],
            spec => spec["initContainers"] = new JsonArray(Container("setup")))));
        var pod = GetPodObject("web");
        // The LimitRange's own defaulting made its default limit the default request of memory.
        Assert.Equal("""{"cpu":"500m","memory":"256Mi"}""", Resources(pod, 0, "limits"));
        Assert.Equal("""{"cpu":"100m","memory":"256Mi"}""", Resources(pod, 0, "requests"));
        // The pod's defaulting already made its memory limit its memory request.
        Assert.Equal("""{"cpu":"500m","memory":"128Mi"}""", Resources(pod, 1, "limits"));
        Assert.Equal("""{"cpu":"200m","memory":"128Mi"}""", Resources(pod, 1, "requests"));
        Assert.Equal("""{"cpu":"500m","memory":"256Mi"}""", Resources(pod, 0, "limits", "initContainers"));
        Assert.Equal("LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; cpu limit for container tuned; "
            + "cpu, memory request for init container setup; cpu, memory limit for init container setup", pod.Annotations["kubernetes.io/limit-ranger"]);
        // The QoS class is computed from the defaulted resources.
        Assert.Equal("Burstable", JsonTree.GetString(pod.Document, "status", "qosClass"));

        Ok(new CreateObject(Pods, PodWith("complete", requests: "cpu=1", limits: "cpu=1,memory=1Gi")));
        Assert.False(GetPodObject("complete").Annotations.ContainsKey("kubernetes.io/limit-ranger"));
    }

    [Fact]
    public void A_default_limit_below_the_request_makes_the_pod_invalid()
    {
        Ok(new CreateObject(LimitRanges, LimitRange("defaults", Item("Container", defaults: "cpu=200m", defaultRequest: "cpu=100m"))));
        var refused = Refused(Pods, PodWith("greedy", requests: "cpu=500m"));
        Assert.Equal(422, refused.Code);
        Assert.Equal("Pod \"greedy\" is invalid: spec.containers[0].resources.requests[cpu]: Invalid value: \"500m\": must be less than or equal to cpu limit of 200m", refused.Message);
    }

    [Fact]
    public void Containers_beyond_the_bounds_are_refused_with_the_plugin_message()
    {
        Ok(new CreateObject(LimitRanges, LimitRange("bounds", Item("Container", min: "memory=64Mi", max: "cpu=1", ratio: "cpu=4"))));

        var refused = Refused(Pods, PodWith("x", requests: "cpu=1,memory=128Mi", limits: "cpu=2"));
        Assert.Equal((403, "Forbidden", "pods", "x"), (refused.Code, refused.Reason, refused.Kind, refused.Name));
        Assert.Equal("pods \"x\" is forbidden: maximum cpu usage per Container is 1, but limit is 2", refused.Message);
        Assert.Equal("pods \"y\" is forbidden: [minimum memory usage per Container is 64Mi, but request is 32Mi, cpu max limit to request ratio per Container is 4, but provided ratio is 10.000000]",
            Refused(Pods, PodWith("y", requests: "cpu=100m,memory=32Mi", limits: "cpu=1")).Message);
        // The max is also the default limit, and the min the default request, for what the container leaves out.
        Ok(new CreateObject(Pods, PodWith("z")));
        var pod = GetPodObject("z");
        Assert.Equal(("""{"cpu":"1"}""", """{"cpu":"1","memory":"64Mi"}"""), (Resources(pod, 0, "limits"), Resources(pod, 0, "requests")));
    }

    [Fact]
    public void Pod_items_bound_the_pod_totals_and_the_first_refusing_range_is_reported()
    {
        Ok(new CreateObject(LimitRanges, LimitRange("a-pod", Item("Pod", max: "cpu=1"))));
        Ok(new CreateObject(LimitRanges, LimitRange("b-container", Item("Container", max: "cpu=800m"))));
        Assert.Equal("pods \"pair\" is forbidden: maximum cpu usage per Pod is 1, but limit is 1200m",
            Refused(Pods, PodOf("pair", [Container("a", limits: "cpu=600m"), Container("b", limits: "cpu=600m")])).Message);
        Assert.Equal("pods \"one\" is forbidden: maximum cpu usage per Container is 800m, but limit is 900m",
            Refused(Pods, PodWith("one", limits: "cpu=900m")).Message);
        Ok(new CreateObject(Pods, PodOf("fits", [Container("a", limits: "cpu=500m"), Container("b", limits: "cpu=500m")])));
    }

    [Fact]
    public void Claims_must_request_storage_within_the_bounds_also_when_they_grow()
    {
        Ok(new CreateObject(LimitRanges, LimitRange("storage", Item("PersistentVolumeClaim", min: "storage=1Gi", max: "storage=5Gi"))));
        Assert.Equal("persistentvolumeclaims \"small\" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 512Mi",
            Refused(Claims, Claim("small", "512Mi", storageClass: "")).Message);
        Assert.Equal("persistentvolumeclaims \"big\" is forbidden: maximum storage usage per PersistentVolumeClaim is 5Gi, but request is 10Gi",
            Refused(Claims, Claim("big", "10Gi", storageClass: "")).Message);

        Ok(new CreateObject(Claims, Claim("data", "2Gi", storageClass: "")));
        var claim = Ok(new GetObject(Claims, "default", "data")).ToJsonObject();
        claim["spec"]!["resources"]!["requests"]!["storage"] = "8Gi";
        var grown = Send(new UpdateObject(Claims, claim));
        Assert.Equal("persistentvolumeclaims \"data\" is forbidden: maximum storage usage per PersistentVolumeClaim is 5Gi, but request is 8Gi", grown.Error?.Message);
    }

    [Fact]
    public void Defaults_let_pods_that_declare_nothing_in_under_a_compute_quota()
    {
        Ok(new CreateObject(Quotas, Quota("compute", "requests.cpu=1,limits.cpu=2")));
        SetQuotaStatus("compute", "requests.cpu=0,limits.cpu=0");
        Assert.Contains("must specify limits.cpu for: app; requests.cpu for: app", Refused(Pods, PodWith("bare")).Message);

        Ok(new CreateObject(LimitRanges, LimitRange("defaults", Item("Container", defaults: "cpu=1", defaultRequest: "cpu=500m"))));
        Ok(new CreateObject(Pods, PodWith("first")));
        Ok(new CreateObject(Pods, PodWith("second")));
        Assert.Equal("limits.cpu=2,requests.cpu=1", Used("compute"));
        Assert.Equal("pods \"third\" is forbidden: exceeded quota: compute, requested: limits.cpu=1,requests.cpu=500m, used: limits.cpu=2,requests.cpu=1, limited: limits.cpu=2,requests.cpu=1",
            Refused(Pods, PodWith("third")).Message);
    }
}
