using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.HorizontalPodAutoscaler;
using Emulator.ControlPlane.Metrics;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;
using Emulator.Runtime.Time;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// The HorizontalPodAutoscaler controller on virtual time, with the metrics server scraping kubelets the test plays:
/// the test writes the Deployment and its pods (Running and Ready, as kubelets report them), sets what each pod uses,
/// and reads the Deployment's replicas and the autoscaler's status and events.
/// </summary>
public sealed class HorizontalPodAutoscalerControllerTests : ClusterTestKit
{
    private static readonly ResourceType Autoscalers = HorizontalPodAutoscalerController.Autoscalers;
    private static readonly TimeSpan Sync = TimeSpan.FromSeconds(15);
    private readonly IActorRef _kubelets;

    public HorizontalPodAutoscalerControllerTests()
    {
        AddNode("node-1");
        _kubelets = Sys.ActorOf(Props.Create(() => new PlayedKubelets()), "kubelets");
        var metrics = Sys.ActorOf(Props.Create(() => new MetricsServer(Store, _kubelets, null)), "metrics-server");
        Sys.ActorOf(Props.Create(() => new HorizontalPodAutoscalerController(Store, Hub, Events, metrics, null, null)), "hpa-controller");
    }

    /// <summary>Sets what a pod uses (its kubelet's summary reports it from then on).</summary>
    private sealed record SetLoad(string Pod, long CpuMilli, long MemoryBytes = 64 * 1024 * 1024);

    /// <summary>
    /// Plays the kubelet of every node: its summary reports the pods the test gave a load, their one container running
    /// since ten minutes before the test began.
    /// </summary>
    private sealed class PlayedKubelets : UntypedActor
    {
        private readonly Dictionary<string, (long Cpu, long Memory)> _loads = new(StringComparer.Ordinal);
        private readonly IEmulatedClock _clock = EmulatedTime.Get(Context.System).Clock;
        private readonly DateTimeOffset _started;

        public PlayedKubelets() => _started = _clock.UtcNow - TimeSpan.FromMinutes(10);

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case SetLoad load:
                    _loads[load.Pod] = (load.CpuMilli * 1_000_000, load.MemoryBytes);
                    break;
                case ReadNodeUsage read:
                    var pods = _loads.OrderBy(l => l.Key, StringComparer.Ordinal)
                        .Select(l => new PodUsage("default", l.Key, l.Key, [new ContainerUsage("app", _started, l.Value.Cpu, l.Value.Memory)]))
                        .ToList();
                    Sender.Tell(new NodeUsage(read.NodeName, _clock.UtcNow, pods.Sum(p => p.Containers[0].CpuNanoCores), pods.Sum(p => p.Containers[0].MemoryBytes), pods) { Correlation = read.Correlation });
                    break;
            }
        }
    }

    private void Load(long cpuMilli, params string[] pods)
    {
        foreach (var pod in pods)
        {
            _kubelets.Tell(new SetLoad(pod, cpuMilli));
        }
    }

    private void Deployment(int replicas)
    {
        var labels = new JsonObject { ["app"] = "web" };
        var spec = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx" }) },
            },
        };
        var deployment = Object("Deployment", "default", "web", spec);
        deployment["apiVersion"] = "apps/v1";
        Ok(new CreateObject(ResourceTypes.Deployments, deployment));
    }

    /// <summary>Pods of the Deployment requesting 100m, Running and Ready for ten minutes, as their kubelet reports them.</summary>
    private void WebPods(params string[] names)
    {
        foreach (var name in names)
        {
            Ok(new CreateObject(ResourceTypes.Pods, PodWith(name, cpu: "100m", memory: "128Mi", edit: spec => spec["nodeName"] = "node-1")
                .Also(p => p["metadata"]!["labels"] = new JsonObject { ["app"] = "web" })));
            var pod = GetPod(name).Document;
            var status = (JsonObject)pod["status"]!;
            status["phase"] = "Running";
            status["startTime"] = Rfc3339Time.Format(Now - TimeSpan.FromMinutes(10));
            Conditions.Set(status, "Ready", "True", null, null, Now - TimeSpan.FromMinutes(10));
            Ok(new UpdateObject(ResourceTypes.Pods, pod, UpdateScope.Status));
        }
    }

    private void Autoscaler(int? min = 1, int max = 10, JsonObject? metric = null, JsonObject? behavior = null, string kind = "Deployment", string name = "web", string apiVersion = "apps/v1")
    {
        var spec = new JsonObject
        {
            ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["name"] = name },
            ["maxReplicas"] = max,
            ["metrics"] = new JsonArray(metric ?? CpuUtilization(50)),
        };
        if (min is { } minimum)
        {
            spec["minReplicas"] = minimum;
        }
        if (behavior is not null)
        {
            spec["behavior"] = behavior;
        }
        var hpa = Object("HorizontalPodAutoscaler", "default", "web", spec);
        hpa["apiVersion"] = "autoscaling/v2";
        Ok(new CreateObject(Autoscalers, hpa));
        Settle();
    }

    private static JsonObject CpuUtilization(int percent) => new()
    {
        ["type"] = "Resource",
        ["resource"] = new JsonObject { ["name"] = "cpu", ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = percent } },
    };

    private int Replicas() => (int)JsonTree.GetInt(Get(ResourceTypes.Deployments, "default", "web").Document, "spec", "replicas")!.Value;

    private KubeObject Hpa() => Get(Autoscalers, "default", "web");

    private long? CurrentUtilization() => JsonTree.GetInt((JsonObject)Hpa().Status!["currentMetrics"]![0]!["resource"]!["current"]!, "averageUtilization");

    private (string? Status, string? Reason, string? Message) HpaCondition(string type) =>
        (Condition(Hpa(), type), Condition(Hpa(), type, "reason"), Condition(Hpa(), type, "message"));

    private List<string> Messages(string reason) =>
        EventsFor("web", reason).Select(e => JsonTree.GetString(e.Document, "message") ?? "").ToList();

    private void Run(TimeSpan duration)
    {
        Advance(duration);
        Settle();
    }

    [Fact]
    public void Load_above_the_target_scales_up_within_twice_the_count_and_max_replicas()
    {
        Deployment(2);
        WebPods("web-1", "web-2");
        Load(50, "web-1", "web-2");
        Autoscaler();
        // At the target: nothing to do.
        Assert.Equal(2, Replicas());
        var status = Hpa().Status!;
        Assert.Equal((2L, 2L), (JsonTree.GetInt(status, "currentReplicas"), JsonTree.GetInt(status, "desiredReplicas")));
        Assert.Equal("""[{"type":"Resource","resource":{"name":"cpu","current":{"averageValue":"50m","averageUtilization":50}}}]""", JsonTree.ToCompactJson(status["currentMetrics"]));
        Assert.Equal(("True", "ReadyForNewScale", "recommended size matches current size"), HpaCondition("AbleToScale"));
        Assert.Equal(("True", "ValidMetricFound", "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"), HpaCondition("ScalingActive"));
        Assert.Equal(("False", "DesiredWithinRange", "the desired count is within the acceptable range"), HpaCondition("ScalingLimited"));
        Assert.Equal(["AbleToScale", "ScalingActive", "ScalingLimited"], JsonTree.Objects(JsonTree.GetArray(status, "conditions")).Select(c => JsonTree.GetString(c, "type")));

        // 54% is within the 10% tolerance of 50%.
        Load(54, "web-1", "web-2");
        Run(Sync);
        Assert.Equal(2, Replicas());
        Assert.Equal(54, CurrentUtilization());

        // 200%: 2 × 4 = 8 wanted, at most max(2 × 2, 4) = 4 at once.
        Load(200, "web-1", "web-2");
        Run(Sync);
        Assert.Equal(4, Replicas());
        Assert.Equal(["New size: 4; reason: cpu resource utilization (percentage of request) above target"], Messages("SuccessfulRescale"));
        Assert.Equal(("True", "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"), HpaCondition("ScalingLimited"));
        Assert.Equal(("True", "SucceededRescale", "the HPA controller was able to update the target scale to 4"), HpaCondition("AbleToScale"));
        Assert.Equal(Rfc3339Time.Format(Now), JsonTree.GetString(Hpa().Document, "status", "lastScaleTime"));
        // The status reports the count found (the pods come later) and the one asked for.
        Assert.Equal((2L, 4L), (JsonTree.GetInt(Hpa().Status, "currentReplicas"), JsonTree.GetInt(Hpa().Status, "desiredReplicas")));

        // The next period: 8 (the two ready pods still at 200%), then max replicas.
        Run(Sync);
        Assert.Equal(8, Replicas());
        Load(500, "web-1", "web-2");
        Run(Sync);
        Assert.Equal(10, Replicas());
        Assert.Equal(("True", "TooManyReplicas", "the desired replica count is more than the maximum replica count"), HpaCondition("ScalingLimited"));
        Run(Sync);
        Assert.Equal(10, Replicas());
        Assert.Equal(3, Messages("SuccessfulRescale").Count);
    }

    [Fact]
    public void A_scale_down_waits_for_the_five_minute_stabilization_window()
    {
        Deployment(4);
        WebPods("web-1", "web-2", "web-3", "web-4");
        Load(50, "web-1", "web-2", "web-3", "web-4");
        Autoscaler();
        var created = Now;
        Run(Sync);
        Run(Sync);
        Run(Sync);
        // The last recommendation of 4 was made now; the load drops before the next sync.
        var lastHigh = Now;
        Assert.Equal(created + TimeSpan.FromSeconds(45), lastHigh);
        Load(5, "web-1", "web-2", "web-3", "web-4");
        Run(Sync);
        Assert.Equal(4, Replicas());
        Assert.Equal(("True", "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation"), HpaCondition("AbleToScale"));
        Assert.Equal(5, CurrentUtilization());
        while (Now < lastHigh + TimeSpan.FromSeconds(300))
        {
            Run(Sync);
            Assert.Equal(4, Replicas());
        }
        Run(Sync);
        Assert.Equal(1, Replicas());
        Assert.Equal(["New size: 1; reason: All metrics below target"], Messages("SuccessfulRescale"));
        Assert.Equal(("False", "DesiredWithinRange", "the desired count is within the acceptable range"), HpaCondition("ScalingLimited"));
    }

    [Fact]
    public void A_behavior_scales_down_one_pod_a_minute()
    {
        Deployment(4);
        WebPods("web-1", "web-2", "web-3", "web-4");
        Load(5, "web-1", "web-2", "web-3", "web-4");
        Autoscaler(behavior: new JsonObject
        {
            ["scaleDown"] = new JsonObject
            {
                ["stabilizationWindowSeconds"] = 0,
                ["policies"] = new JsonArray(new JsonObject { ["type"] = "Pods", ["value"] = 1, ["periodSeconds"] = 60 }),
            },
        });
        Assert.Equal(3, Replicas());
        Assert.Equal(("True", "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"), HpaCondition("ScalingLimited"));
        Run(TimeSpan.FromSeconds(45));
        Assert.Equal(3, Replicas());
        Run(Sync);
        Assert.Equal(2, Replicas());
        Run(TimeSpan.FromSeconds(60));
        Assert.Equal(1, Replicas());
        Assert.Equal(["New size: 3; reason: All metrics below target", "New size: 2; reason: All metrics below target", "New size: 1; reason: All metrics below target"],
            Messages("SuccessfulRescale"));
    }

    [Fact]
    public void A_count_outside_min_and_max_is_brought_within_them_and_zero_disables_scaling()
    {
        Deployment(1);
        WebPods("web-1");
        Load(50, "web-1");
        Autoscaler(min: 2);
        Assert.Equal(2, Replicas());
        Assert.Equal(["New size: 2; reason: Current number of replicas below Spec.MinReplicas"], Messages("SuccessfulRescale"));

        var deployment = Get(ResourceTypes.Deployments, "default", "web").Document;
        deployment["spec"]!["replicas"] = 0;
        Ok(new UpdateObject(ResourceTypes.Deployments, deployment));
        Run(Sync);
        Assert.Equal(0, Replicas());
        Assert.Equal(("False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero"), HpaCondition("ScalingActive"));
        Assert.Equal((0L, 0L), (JsonTree.GetInt(Hpa().Status, "currentReplicas"), JsonTree.GetInt(Hpa().Status, "desiredReplicas")));
    }

    [Fact]
    public void Without_metrics_scaling_is_inactive_and_says_why()
    {
        Deployment(2);
        WebPods("web-1", "web-2");
        Autoscaler();
        const string Why = "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API";
        Assert.Equal(("False", "FailedGetResourceMetric", "the HPA was unable to compute the replica count: " + Why), HpaCondition("ScalingActive"));
        Assert.Equal([Why], Messages("FailedGetResourceMetric"));
        Assert.Equal(["invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: " + Why], Messages("FailedComputeMetricsReplicas"));
        Assert.Equal("""[{"type":""}]""", JsonTree.ToCompactJson(Hpa().Status!["currentMetrics"]));
        Assert.Equal(2, Replicas());

        // Once the pods report, it scales.
        Load(150, "web-1", "web-2");
        Run(Sync);
        Assert.Equal(("True", "ValidMetricFound", "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"), HpaCondition("ScalingActive"));
        Assert.Equal(4, Replicas());
    }

    [Fact]
    public void A_target_that_cannot_be_scaled_fails_to_get_its_scale()
    {
        Deployment(2);
        Autoscaler(name: "missing");
        Assert.Equal(("False", "FailedGetScale", "the HPA controller was unable to get the target's current scale: deployments.apps \"missing\" not found"), HpaCondition("AbleToScale"));
        Assert.Equal(["deployments.apps \"missing\" not found"], Messages("FailedGetScale"));
    }

    [Fact]
    public void A_custom_resource_with_a_scale_subresource_is_scaled_at_its_replicas_path()
    {
        Sys.ActorOf(Props.Create(() => new CustomResources.CustomResourceDefinitionController(Store, Hub, null)), "crd-controller");
        var crd = JsonNode.Parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"webapps.example.com"},
             "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"webapps","singular":"webapp","kind":"WebApp","listKind":"WebAppList"},
                     "versions":[{"name":"v1","served":true,"storage":true,
                                  "subresources":{"status":{},"scale":{"specReplicasPath":".spec.size","statusReplicasPath":".status.size","labelSelectorPath":".status.selector"}},
                                  "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
            """)!.AsObject();
        Ok(new CreateObject(CustomResources.CustomResourceTypes.Definitions, crd));
        Settle();
        var webApps = new ResourceType("example.com", "v1", "webapps", "WebApp", Namespaced: true);
        Ok(new CreateObject(webApps, JsonNode.Parse("""{"apiVersion":"example.com/v1","kind":"WebApp","metadata":{"name":"web","namespace":"default"},"spec":{"size":2}}""")!.AsObject()));
        var app = Get(webApps, "default", "web").Document;
        app["status"] = new JsonObject { ["size"] = 2, ["selector"] = "app=web" };
        Ok(new UpdateObject(webApps, app, UpdateScope.Status));
        WebPods("web-1", "web-2");
        Load(150, "web-1", "web-2");
        Autoscaler(kind: "WebApp", apiVersion: "example.com/v1");
        Assert.Equal(4, JsonTree.GetInt(Get(webApps, "default", "web").Document, "spec", "size"));
        Assert.Contains("New size: 4; reason: cpu resource utilization (percentage of request) above target", Messages("SuccessfulRescale"));
    }

    [Theory]
    [InlineData("DaemonSet", "the server could not find the requested resource")]
    [InlineData("Nope", "no matches for kind \"Nope\" in group \"apps\"")]
    public void A_kind_without_a_scale_subresource_cannot_be_scaled(string kind, string message)
    {
        Autoscaler(kind: kind);
        Assert.Equal(("False", "FailedGetScale", "the HPA controller was unable to get the target's current scale: " + message), HpaCondition("AbleToScale"));
    }

    [Fact]
    public void An_average_value_target_scales_on_the_usage_per_pod()
    {
        Deployment(2);
        WebPods("web-1", "web-2");
        Load(300, "web-1", "web-2");
        Autoscaler(metric: new JsonObject
        {
            ["type"] = "Resource",
            ["resource"] = new JsonObject { ["name"] = "cpu", ["target"] = new JsonObject { ["type"] = "AverageValue", ["averageValue"] = "100m" } },
        });
        Assert.Equal(4, Replicas());
        Assert.Equal(["New size: 4; reason: cpu resource above target"], Messages("SuccessfulRescale"));
        Assert.Equal("""[{"type":"Resource","resource":{"name":"cpu","current":{"averageValue":"300m"}}}]""", JsonTree.ToCompactJson(Hpa().Status!["currentMetrics"]));
    }
}

/// <summary>Small helpers for building test objects.</summary>
internal static class JsonObjectExtensions
{
    /// <summary>Applies <paramref name="edit"/> and returns the object.</summary>
    public static JsonObject Also(this JsonObject obj, Action<JsonObject> edit)
    {
        edit(obj);
        return obj;
    }
}
