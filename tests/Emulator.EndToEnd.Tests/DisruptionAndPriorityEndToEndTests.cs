using System.Text.RegularExpressions;
using static Emulator.EndToEnd.Tests.Polling;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// A PodDisruptionBudget through the real kubectl (1.33 and 1.27) on three emulated nodes: <c>kubectl create pdb</c>,
/// the columns of <c>kubectl get pdb</c> as the disruption controller fills them, and <c>kubectl drain</c> held back by
/// the budget until a scale-up lets one pod go; and pods taking their priority from a PriorityClass. Each test works
/// in its own namespace and leaves the nodes schedulable.
/// </summary>
public sealed class DisruptionAndPriorityEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static string Web(string ns) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {ns}
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
                image: nginx:1.25
        """;

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Drain_waits_for_the_disruption_budget(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "pdb-" + version.Replace('.', '-');
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();
        async Task<string> Budget() => (await Ok("get", "pdb", "web", "-n", ns)).Stdout;

        (await kubectl.RunWithInput(Web(ns), "apply", "-f", "-")).Succeeded();
        Assert.Contains("poddisruptionbudget.policy/web created", (await Ok("create", "pdb", "web", "-n", ns, "--selector=app=web", "--min-available=2")).Stdout);
        await Ok("rollout", "status", "deploy/web", "-n", ns, "--timeout=60s");
        await Eventually("the budget computed over 2 healthy pods", () => Healthy(kubectl, ns), h => h == "2");
        var table = await Budget();
        Assert.Matches(@"(?m)^web\s+2\s+N/A\s+0\s", table);
        Assert.Equal(["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"],
            table.Split('\n')[0].Split("   ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var pod = (await Ok("get", "pods", "-n", ns, "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}")).Stdout;
        var node = (await Ok("get", "pod", pod, "-n", ns, "-o", "jsonpath={.spec.nodeName}")).Stdout;
        try
        {
            // Both pods are needed: every eviction is refused (kubectl retries every 5 s) until kubectl's timeout.
            var blocked = await kubectl.Run("drain", node, "--ignore-daemonsets", "--timeout=8s");
            Assert.NotEqual(0, blocked.ExitCode);
            Assert.Contains($"error when evicting pods/\"{pod}\" -n \"{ns}\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.", blocked.Stderr);
            Assert.Contains($"error when evicting pods/\"{pod}\" -n \"{ns}\": global timeout reached: 8s", blocked.Stderr);
            Assert.Matches($@"(?m)^{node}\s+Ready,SchedulingDisabled\s", (await Ok("get", "node", node)).Stdout);
            Assert.Equal("", (await Ok("get", "pod", pod, "-n", ns, "-o", "jsonpath={.metadata.deletionTimestamp}")).Stdout);

            // A third replica (on another node: this one is cordoned) makes room for one disruption.
            await Ok("scale", "deploy/web", "-n", ns, "--replicas=3");
            await Eventually("one allowed disruption", Budget, t => Regex.IsMatch(t, @"(?m)^web\s+2\s+N/A\s+1\s"));
            var drained = await Ok("drain", node, "--ignore-daemonsets", "--timeout=30s");
            Assert.Contains($"pod/{pod} evicted", drained.Stdout);
            Assert.Contains($"node/{node} drained", drained.Stdout);
            // The Deployment replaces the evicted pod elsewhere and the budget is met again.
            await Eventually("3 healthy pods again", () => Healthy(kubectl, ns), h => h == "3");
        }
        finally
        {
            await Ok("uncordon", node);
            await Ok("delete", "namespace", ns, "--wait=false");
        }
    }

    [Fact]
    public async Task Pods_get_the_priority_of_their_class_and_an_unknown_class_is_refused()
    {
        var kubectl = cluster.Kubectl;
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();
        const string ns = "priority";
        await Ok("create", "namespace", ns);
        await Ok("create", "priorityclass", "batch-low", "--value=-10", "--preemption-policy=Never");
        await Ok("-n", ns, "run", "worker", "--image=busybox", "--overrides={\"spec\":{\"priorityClassName\":\"batch-low\"}}", "--", "sleep", "3600");
        Assert.Equal("-10 Never", (await Ok("-n", ns, "get", "pod", "worker", "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}")).Stdout);
        Assert.Equal("2000001000", (await Ok("get", "pc", "system-node-critical", "-o", "jsonpath={.value}")).Stdout);

        var refused = await kubectl.Run("-n", ns, "run", "stray", "--image=busybox", "--overrides={\"spec\":{\"priorityClassName\":\"missing\"}}");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Error from server (Forbidden): pods \"stray\" is forbidden: no PriorityClass with name missing was found", refused.Stderr);
        await Ok("delete", "namespace", ns, "--wait=false");
        await Ok("delete", "priorityclass", "batch-low");
    }

    private static async Task<string> Healthy(Kubectl kubectl, string ns) =>
        (await kubectl.Run("get", "pdb", "web", "-n", ns, "-o", "jsonpath={.status.currentHealthy}")).Stdout;
}
