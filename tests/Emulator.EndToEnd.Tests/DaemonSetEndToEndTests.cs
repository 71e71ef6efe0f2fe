using static Emulator.EndToEnd.Tests.Polling;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// A DaemonSet through the real kubectl (1.33 and 1.27) on three emulated nodes: apply, rollout status, a new image,
/// rollout history (list and one revision), rollout undo, rollout restart. Each client works in its own namespace.
/// </summary>
public sealed class DaemonSetEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static string Agent(string ns) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: agent
          namespace: {ns}
        spec:
          selector:
            matchLabels:
              app: agent
          template:
            metadata:
              labels:
                app: agent
            spec:
              containers:
              - name: app
                image: nginx:1.25
        """;

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Apply_rollout_status_history_undo_and_restart(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "ds-" + version.Replace('.', '-');
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();

        Assert.Contains("daemonset.apps/agent created", (await kubectl.RunWithInput(Agent(ns), "apply", "-f", "-")).Succeeded().Stdout);
        var status = await Ok("rollout", "status", "ds/agent", "-n", ns, "--timeout=60s");
        Assert.Contains("daemon set \"agent\" successfully rolled out", status.Stdout);
        var nodes = (await Ok("get", "pods", "-n", ns, "-l", "app=agent", "-o", "jsonpath={.items[*].spec.nodeName}")).Stdout
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(new[] { "node-1", "node-2", "node-3" }, nodes.Order().ToArray());
        var table = (await Ok("get", "ds", "agent", "-n", ns)).Stdout;
        Assert.Matches(@"(?m)^agent\s+3\s+3\s+3\s+3\s+3\s", table);

        // A new image: revision 2.
        await Ok("set", "image", "ds/agent", "app=nginx:1.27", "-n", ns);
        await Ok("rollout", "status", "ds/agent", "-n", ns, "--timeout=60s");
        await Eventually("3 agent pods on nginx:1.27", () => Images(kubectl, ns), o => o == "nginx:1.27 nginx:1.27 nginx:1.27");
        var history = (await Ok("rollout", "history", "ds/agent", "-n", ns)).Stdout;
        Assert.Matches(@"REVISION\s+CHANGE-CAUSE", history);
        Assert.Matches(@"(?m)^1\s+<none>", history);
        Assert.Matches(@"(?m)^2\s+<none>", history);
        var first = (await Ok("rollout", "history", "ds/agent", "-n", ns, "--revision=1")).Stdout;
        Assert.Contains("nginx:1.25", first);

        // Undo: revision 1's template comes back as revision 3.
        Assert.Contains("daemonset.apps/agent rolled back", (await Ok("rollout", "undo", "ds/agent", "-n", ns)).Stdout);
        await Ok("rollout", "status", "ds/agent", "-n", ns, "--timeout=60s");
        await Eventually("3 agent pods back on nginx:1.25", () => Images(kubectl, ns), o => o == "nginx:1.25 nginx:1.25 nginx:1.25");
        var after = (await Ok("rollout", "history", "ds/agent", "-n", ns)).Stdout;
        Assert.Matches(@"(?m)^2\s+", after);
        Assert.Matches(@"(?m)^3\s+", after);
        Assert.DoesNotMatch(@"(?m)^1\s+", after);

        // Restart: a template annotation, so a new revision and new pods.
        Assert.Contains("daemonset.apps/agent restarted", (await Ok("rollout", "restart", "ds/agent", "-n", ns)).Stdout);
        await Ok("rollout", "status", "ds/agent", "-n", ns, "--timeout=60s");
        await Eventually("3 restarted agent pods", async () =>
            (await Ok("get", "pods", "-n", ns, "-l", "app=agent", "-o", "jsonpath={range .items[*]}{.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}{\"\\n\"}{end}")).Stdout,
            o => o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 3);
        Assert.Matches(@"(?m)^4\s+", (await Ok("rollout", "history", "ds/agent", "-n", ns)).Stdout);
    }

    private static async Task<string> Images(Kubectl kubectl, string ns) =>
        string.Join(' ', (await kubectl.Run("get", "pods", "-n", ns, "-l", "app=agent", "-o", "jsonpath={.items[*].spec.containers[0].image}")).Succeeded().Stdout
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Order());
}
