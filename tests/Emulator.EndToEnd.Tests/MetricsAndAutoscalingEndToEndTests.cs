
namespace Emulator.EndToEnd.Tests;

/// <summary>
/// <c>kubectl top</c> and the HorizontalPodAutoscaler through the real kubectl (1.33 and 1.27) on three emulated nodes
/// whose time runs 20 times faster: usage driven by the <c>emulator.k8s.io/cpu-usage</c> annotations, an autoscaler
/// created by <c>kubectl autoscale</c> (autoscaling/v2 from 1.33, v1 from 1.27) scaling a Deployment up under load and
/// back down once the load is gone. Each client works in its own namespace.
/// </summary>
public sealed class MetricsAndAutoscalingEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(90);

    private static string Workloads(string ns) => $$"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {{ns}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {{ns}}
        spec:
          replicas: 2
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: nginx
                image: nginx:1.27
                resources:
                  requests:
                    cpu: 200m
                    memory: 64Mi
        """;

    private static string BusyPod(string ns) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: busy
          namespace: {{ns}}
          labels:
            app: busy
          annotations:
            emulator.k8s.io/cpu-usage-main: 300m
            emulator.k8s.io/memory-usage-main: 200Mi
        spec:
          containers:
          - name: main
            image: busybox:1.36
            command: ["sleep", "1000000"]
          - name: helper
            image: busybox:1.36
            command: ["sleep", "1000000"]
        """;

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Top_shows_nodes_pods_and_containers(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "top-" + version.Replace('.', '-');
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();
        (await kubectl.RunWithInput(Workloads(ns), "apply", "-f", "-")).Succeeded();
        (await kubectl.RunWithInput(BusyPod(ns), "apply", "-f", "-")).Succeeded();

        var pods = await Eventually("metrics of the three pods", async () => (await kubectl.Run("top", "pod", "-n", ns)).Stdout,
            o => o.Split('\n').Count(l => l.StartsWith("busy ", StringComparison.Ordinal) || l.StartsWith("web-", StringComparison.Ordinal)) == 3);
        Assert.Matches(@"^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n", pods);
        Assert.Matches(@"(?m)^busy\s+301m\s+208Mi\s*$", pods);
        // Idle: a tenth of the 200m CPU request and a quarter of the 64Mi memory request.
        Assert.Matches(@"(?m)^web-\S+\s+20m\s+16Mi\s*$", pods);

        var containers = (await Ok("top", "pod", "busy", "-n", ns, "--containers")).Stdout;
        Assert.Matches(@"^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n", containers);
        Assert.Matches(@"(?m)^busy\s+main\s+300m\s+200Mi\s*$", containers);
        Assert.Matches(@"(?m)^busy\s+helper\s+1m\s+8Mi\s*$", containers);

        var selected = (await Ok("top", "pod", "-n", ns, "-l", "app=web")).Stdout;
        Assert.DoesNotContain("busy", selected);
        Assert.Equal(2, selected.Split('\n').Count(l => l.StartsWith("web-", StringComparison.Ordinal)));
        var all = (await Ok("top", "pod", "-A")).Stdout;
        Assert.Matches(@"^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)", all);
        Assert.Matches($@"(?m)^{ns}\s+busy\s+301m\s+208Mi\s*$", all);

        // The node header changed between the two versions: CPU% in 1.27, CPU(%) in 1.33.
        var nodes = (await Ok("top", "node")).Stdout;
        var header = version == "1.27" ? @"^NAME\s+CPU\(cores\)\s+CPU%\s+MEMORY\(bytes\)\s+MEMORY%\s*\n" : @"^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\s*\n";
        Assert.Matches(header, nodes);
        foreach (var node in new[] { "node-1", "node-2", "node-3" })
        {
            // At least the node's own daemons: 100m and 512Mi of 4 CPUs and 16Gi.
            Assert.Matches($@"(?m)^{node}\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*$", nodes);
        }
        Assert.Matches(@"(?m)^node-1\s+\d+m", (await Ok("top", "node", "node-1")).Stdout);

        var missing = await kubectl.Run("top", "pod", "nope", "-n", ns);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("pods \"nope\" not found", missing.Stderr);
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Autoscale_grows_the_deployment_under_load_and_shrinks_it_after(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "hpa-" + version.Replace('.', '-');
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();
        (await kubectl.RunWithInput(Workloads(ns), "apply", "-f", "-")).Succeeded();
        await Ok("rollout", "status", "deploy/web", "-n", ns, "--timeout=60s");

        Assert.Contains("horizontalpodautoscaler.autoscaling/web autoscaled", (await Ok("autoscale", "deploy", "web", "--min=2", "--max=5", "--cpu-percent=80", "-n", ns)).Stdout);
        var idle = await Eventually("the idle utilization", async () => (await Ok("get", "hpa", "web", "-n", ns)).Stdout, o => o.Contains("cpu: 10%/80%"));
        Assert.Matches(@"^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\s*\n", idle);
        Assert.Matches(@"(?m)^web\s+Deployment/web\s+cpu: 10%/80%\s+2\s+5\s+2\s+", idle);

        // 300m of 200m requested: 150% against 80%.
        await Ok("patch", "deploy", "web", "-n", ns, "-p", """{"spec":{"template":{"metadata":{"annotations":{"emulator.k8s.io/cpu-usage":"300m"}}}}}""");
        var loaded = await Eventually("the deployment at max replicas", async () => (await Ok("get", "hpa", "web", "-n", ns)).Stdout,
            o => System.Text.RegularExpressions.Regex.IsMatch(o, @"cpu: 150%/80%\s+2\s+5\s+5\s+"));
        Assert.Matches(@"(?m)^web\s+Deployment/web\s+cpu: 150%/80%\s+2\s+5\s+5\s+", loaded);
        Assert.Equal("5", (await Ok("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}")).Stdout);
        var described = (await Ok("describe", "hpa", "web", "-n", ns)).Stdout;
        Assert.Contains("New size: 5; reason: cpu resource utilization (percentage of request) above target", described);
        Assert.Matches(@"ScalingLimited\s+True\s+TooManyReplicas\s+the desired replica count is more than the maximum replica count", described);

        // Load gone: after the five-minute stabilization window, back to the minimum.
        await Ok("patch", "deploy", "web", "-n", ns, "--type=json", "-p", """[{"op":"remove","path":"/spec/template/metadata/annotations"}]""");
        await Eventually("the deployment back at min replicas", async () => (await Ok("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}")).Stdout, o => o == "2");
        Assert.Contains("reason: All metrics below target", (await Ok("describe", "hpa", "web", "-n", ns)).Stdout);
        Assert.Equal("autoscaling/v2", (await Ok("get", "hpa", "web", "-n", ns, "-o", "jsonpath={.apiVersion}")).Stdout);
        Assert.Equal("80", (await Ok("get", "horizontalpodautoscalers.v1.autoscaling", "web", "-n", ns, "-o", "jsonpath={.spec.targetCPUUtilizationPercentage}")).Stdout);
    }

    private static Task<string> Eventually(string what, Func<Task<string>> probe, Func<string, bool> done) => Polling.Eventually(what, probe, done, PollTimeout);
}
