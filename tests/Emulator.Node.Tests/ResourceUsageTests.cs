using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Metrics;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Node.Containers;

namespace Emulator.Node.Tests;

/// <summary>
/// What emulated containers use (the usage model), what the kubelets report of it, and the metrics server scraping
/// them, on virtual time.
/// </summary>
public sealed class ResourceUsageTests : NodeTestKit
{
    private const long Mi = 1024 * 1024;

    private static KubeObject PodOf(Dictionary<string, string> annotations, params JsonObject[] containers) => new(new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject
        {
            ["name"] = "p",
            ["namespace"] = "default",
            ["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
        },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(containers.Select(c => (JsonNode)c).ToArray()) },
    });

    private static JsonObject Resources(params (string Name, string Value)[] list) =>
        new(list.Select(r => KeyValuePair.Create(r.Name, (JsonNode?)r.Value)));

    private static JsonObject ContainerWith(string name, JsonObject? requests = null, JsonObject? limits = null)
    {
        var resources = new JsonObject();
        if (requests is not null)
        {
            resources["requests"] = requests;
        }
        if (limits is not null)
        {
            resources["limits"] = limits;
        }
        return new JsonObject { ["name"] = name, ["image"] = "nginx", ["resources"] = resources };
    }

    [Fact]
    public void An_idle_container_uses_a_share_of_its_requests_or_a_small_floor()
    {
        var model = ResourceUsageModel.Of(PodOf([], ContainerWith("app", Resources(("cpu", "200m"), ("memory", "128Mi"))), ContainerWith("bare")));
        Assert.Equal((20_000_000L, 32 * Mi), model.Of("app"));
        Assert.Equal((1_000_000L, 8 * Mi), model.Of("bare"));
        Assert.Equal((0L, 0L), model.Of("unknown"));
    }

    [Fact]
    public void Annotations_set_the_usage_of_every_container_and_of_one()
    {
        var model = ResourceUsageModel.Of(PodOf(
            new() { ["emulator.k8s.io/cpu-usage"] = "300m", ["emulator.k8s.io/memory-usage"] = "200Mi", ["emulator.k8s.io/cpu-usage-sidecar"] = "1.5" },
            ContainerWith("app", Resources(("cpu", "200m"))), ContainerWith("sidecar")));
        Assert.Equal((300_000_000L, 200 * Mi), model.Of("app"));
        Assert.Equal((1_500_000_000L, 200 * Mi), model.Of("sidecar"));
    }

    [Fact]
    public void A_percentage_is_of_the_request_or_the_limit_and_usage_never_exceeds_the_limit()
    {
        var model = ResourceUsageModel.Of(PodOf(
            new() { ["emulator.k8s.io/cpu-usage"] = "150%", ["emulator.k8s.io/memory-usage-capped"] = "1Gi", ["emulator.k8s.io/memory-usage-limited"] = "50%" },
            ContainerWith("app", Resources(("cpu", "200m"))),
            ContainerWith("capped", Resources(("cpu", "100m"), ("memory", "64Mi")), Resources(("cpu", "120m"), ("memory", "256Mi"))),
            ContainerWith("limited", null, Resources(("memory", "100Mi")))));
        Assert.Equal(300_000_000L, model.Of("app").CpuNanoCores);
        // 150% of 100m is throttled at the 120m limit; 1Gi is held at the 256Mi limit.
        Assert.Equal((120_000_000L, 256 * Mi), model.Of("capped"));
        Assert.Equal(50 * Mi, model.Of("limited").MemoryBytes);
    }

    [Fact]
    public void A_value_that_does_not_parse_leaves_the_default()
    {
        var model = ResourceUsageModel.Of(PodOf(
            new() { ["emulator.k8s.io/cpu-usage"] = "lots", ["emulator.k8s.io/memory-usage"] = "-5Mi" },
            ContainerWith("app", Resources(("cpu", "1"), ("memory", "1Gi")))));
        Assert.Equal((100_000_000L, 256 * Mi), model.Of("app"));
    }

    private NodeUsage Usage(string node = "node-1")
    {
        Host.Tell(new ReadNodeUsage(node, "corr"), TestActor);
        var usage = ExpectMsg<NodeUsage>();
        Assert.Equal("corr", usage.Correlation);
        return usage;
    }

    [Fact]
    public void The_kubelet_reports_its_running_containers_and_the_node_as_their_sum_plus_its_daemons()
    {
        StartHost();
        var container = Container();
        container["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "500m", ["memory"] = "100Mi" } };
        CreatePod("web", container, annotations: new() { ["emulator.k8s.io/cpu-usage"] = "250m" });
        // Pulling the image: nothing runs yet.
        AwaitAssert(() => Assert.Equal("Pending", Phase(Pod())));
        var pulling = Usage();
        Assert.Empty(pulling.Pods);
        Assert.Equal(ResourceUsageModel.SystemCpu.Nanos, pulling.CpuNanoCores);
        Run(TimeSpan.FromSeconds(2));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
        var running = Usage();
        var pod = Assert.Single(running.Pods);
        Assert.Equal(("default", "web", Pod().Uid), (pod.Namespace, pod.Name, pod.Uid));
        var app = Assert.Single(pod.Containers);
        Assert.Equal(("app", 250_000_000L, 25 * Mi), (app.Name, app.CpuNanoCores, app.MemoryBytes));
        Assert.Equal(Clock.UtcNow, running.Timestamp);
        Assert.Equal(100_000_000L + 250_000_000L, running.CpuNanoCores);
        Assert.Equal((512 * Mi) + (25 * Mi), running.MemoryBytes);

        // A changed annotation is the new usage at the next scrape.
        var changed = Pod().Document;
        changed["metadata"]!["annotations"]!["emulator.k8s.io/cpu-usage"] = "1";
        Ok(new UpdateObject(ResourceTypes.Pods, changed));
        AwaitAssert(() => Assert.Equal(1_000_000_000L, Assert.Single(Usage().Pods).Containers[0].CpuNanoCores));
    }

    [Fact]
    public void A_stopped_node_cannot_be_scraped()
    {
        StartHost(nodes: 2);
        Host.Tell(new StopNode("node-2"), TestActor);
        ExpectMsg<NodeCommandReply>();
        Host.Tell(new ReadNodeUsage("node-2", 7), TestActor);
        var unavailable = ExpectMsg<NodeUsageUnavailable>();
        Assert.Equal(("node-2", "node node-2 is stopped", (object?)7), (unavailable.NodeName, unavailable.Reason, unavailable.Correlation));
        Host.Tell(new ReadNodeUsage("node-9"), TestActor);
        Assert.Equal("node node-9 is not hosted here", ExpectMsg<NodeUsageUnavailable>().Reason);
    }

    private ResourceMetrics Read(IActorRef metrics)
    {
        metrics.Tell(new ReadResourceMetrics("m"), TestActor);
        return ExpectMsg<ResourceMetrics>();
    }

    [Fact]
    public void The_metrics_server_scrapes_when_read_keeps_a_scrape_for_its_resolution_and_skips_fresh_containers()
    {
        StartHost(nodes: 2, pullDelay: TimeSpan.Zero);
        var metrics = Sys.ActorOf(Props.Create(() => new MetricsServer(Store, Host, null)), "metrics-server");
        CreatePod("web", annotations: new() { ["emulator.k8s.io/cpu-usage"] = "300m" });
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));

        // Started less than 10 s ago: no metrics for the pod yet, but both nodes are there.
        var first = Read(metrics);
        Assert.Equal("m", first.Correlation);
        Assert.Equal(["node-1", "node-2"], first.Nodes.Keys.Order());
        Assert.Empty(first.Pods);
        Assert.Equal(400_000_000L, first.Nodes["node-1"].CpuNanoCores);
        Assert.Equal(TimeSpan.FromSeconds(15), first.Nodes["node-1"].Window);

        // Within the resolution the same scrape is served.
        Run(TimeSpan.FromSeconds(11));
        Assert.Equal(first.ScrapedAt, Read(metrics).ScrapedAt);

        // A new scrape: the pod's window is the time its container has run.
        Run(TimeSpan.FromSeconds(4));
        var second = Read(metrics);
        var point = second.Pods[("default", "web")];
        Assert.Equal(TimeSpan.FromSeconds(15), point.Window);
        Assert.Equal(Clock.UtcNow, point.Timestamp);
        Assert.Equal(300_000_000L, Assert.Single(point.Containers).CpuNanoCores);

        // A stopped node is left out, as metrics-server leaves out a kubelet it could not scrape.
        Host.Tell(new StopNode("node-2"), TestActor);
        ExpectMsg<NodeCommandReply>();
        Run(TimeSpan.FromSeconds(15));
        Assert.Equal(["node-1"], Read(metrics).Nodes.Keys);
    }
}
