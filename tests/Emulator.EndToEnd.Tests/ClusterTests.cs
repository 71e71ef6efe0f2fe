using System.Diagnostics;
using System.Text.RegularExpressions;
using static Emulator.EndToEnd.Tests.Polling;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// The cluster as a user sees it through the real kubectl: three emulated nodes (time x20), Deployments rolling out,
/// scaling, rolling back, bare pods failing and crash-looping, and the control plane healing pods and nodes. Each test
/// works in its own namespace; the node failure test brings its node back before it ends.
/// </summary>
public sealed partial class ClusterTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static string WebDeployment(string ns, int replicas) => $"""
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
          labels:
            app: web
        spec:
          replicas: {replicas}
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
                ports:
                - containerPort: 80
                readinessProbe:
                  httpGet:
                    path: /
                    port: 80
                  periodSeconds: 5
        """;

    private Kubectl Kubectl => cluster.Kubectl;

    private async Task<KubectlResult> Ok(params string[] args) => (await Kubectl.Run(args)).Succeeded();

    private async Task CreateNamespace(string ns) => await Ok("create", "namespace", ns);

    private async Task ApplyWeb(string ns, int replicas) =>
        (await Kubectl.RunWithInput(WebDeployment(ns, replicas), "apply", "-f", "-")).Succeeded();

    /// <summary>One line per pod of <c>app=web</c> in <paramref name="ns"/>: name, node, image, ready, deleting.</summary>
    private async Task<List<WebPod>> WebPods(string ns)
    {
        var output = (await Ok("get", "pods", "-n", ns, "-l", "app=web", "-o",
            "jsonpath={range .items[*]}{.metadata.name}{\" \"}{.spec.nodeName}{\" \"}{.spec.containers[0].image}{\" \"}{.status.phase}{\" \"}{.status.conditions[?(@.type==\"Ready\")].status}{\" \"}{.metadata.deletionTimestamp}{\"\\n\"}{end}")).Stdout;
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var f = line.Split(' ');
            return new WebPod(f[0], f[1], f[2], f[3] == "Running" && f[4] == "True", f.Length > 5 && f[5].Length > 0);
        })];
    }

    private sealed record WebPod(string Name, string Node, string Image, bool RunningAndReady, bool Deleting);

    private static string Describe(IEnumerable<WebPod> pods) => string.Join('\n', pods);

    [Fact]
    public async Task Get_nodes_shows_three_ready_nodes_with_internal_ips()
    {
        var nodes = await Eventually("3 Ready nodes", async () => (await Ok("get", "nodes")).Stdout,
            o => ReadyNode().Matches(o).Count == 3);
        Assert.Matches(@"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION", nodes);
        foreach (var name in new[] { "node-1", "node-2", "node-3" })
        {
            Assert.Matches($@"(?m)^{name}\s+Ready\s", nodes);
        }
        var wide = (await Ok("get", "nodes", "-o", "wide")).Stdout;
        Assert.Matches(@"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP", wide);
        Assert.Matches(@"(?m)^node-1\s+Ready\s+\S+\s+\S+\s+v\S+\s+\d+\.\d+\.\d+\.\d+\s", wide);

        // An older client reads the same table.
        var old = (await cluster.Kubectl127.Run("get", "nodes", "-o", "wide")).Succeeded().Stdout;
        Assert.Equal(3, ReadyNode().Matches(old).Count);
        Assert.Contains("INTERNAL-IP", old);
    }

    [Fact]
    public async Task A_deployment_rolls_out_scales_updates_and_rolls_back()
    {
        const string ns = "rollout";
        await ApplyWeb(ns, 3);
        var status = await Ok("rollout", "status", "deploy/web", "-n", ns, "--timeout=60s");
        Assert.Contains("deployment \"web\" successfully rolled out", status.Stdout);
        var table = await Eventually("3 web pods Running 1/1", async () => (await Ok("get", "pods", "-n", ns, "-l", "app=web")).Stdout,
            o => RunningReadyPod().Matches(o).Count == 3 && o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 4);
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE", table);
        await Ok("wait", "--for=condition=Ready", "pod", "-l", "app=web", "-n", ns, "--timeout=60s");
        var firstReplicaSet = (await Ok("get", "rs", "-n", ns, "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")).Stdout.Trim();
        Assert.Matches(@"^web-[a-z0-9]+$", firstReplicaSet);

        // Scale up.
        Assert.Contains("deployment.apps/web scaled", (await Ok("scale", "deploy/web", "-n", ns, "--replicas=5")).Stdout);
        await Ok("rollout", "status", "deploy/web", "-n", ns, "--timeout=60s");
        await Eventually("5 ready web pods", async () => Describe(await WebPods(ns)),
            o => o.Split('\n').Length == 5 && !o.Contains("RunningAndReady = False", StringComparison.Ordinal));

        // A new image: revision 2.
        Assert.Contains("deployment.apps/web image updated", (await Ok("set", "image", "deploy/web", "nginx=nginx:1.27", "-n", ns)).Stdout);
        await Ok("rollout", "status", "deploy/web", "-n", ns, "--timeout=60s");
        await Eventually("5 web pods on nginx:1.27", async () => Describe(await WebPods(ns)), o => AllOn(o, "nginx:1.27", 5));
        var history = (await Ok("rollout", "history", "deploy/web", "-n", ns)).Stdout;
        Assert.Matches(@"REVISION\s+CHANGE-CAUSE", history);
        Assert.Matches(@"(?m)^1\s+", history);
        Assert.Matches(@"(?m)^2\s+", history);
        var revisionOf = (await Ok("get", "rs", firstReplicaSet, "-n", ns, "-o", "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}")).Stdout;
        Assert.Equal("1", revisionOf);

        // Back to revision 1: its ReplicaSet is reused and becomes revision 3.
        Assert.Contains("deployment.apps/web rolled back", (await Ok("rollout", "undo", "deploy/web", "-n", ns, "--to-revision=1")).Stdout);
        await Ok("rollout", "status", "deploy/web", "-n", ns, "--timeout=60s");
        await Eventually("5 web pods back on nginx:1.25", async () => Describe(await WebPods(ns)), o => AllOn(o, "nginx:1.25", 5));
        var replicaSets = (await Ok("get", "rs", "-n", ns, "-l", "app=web", "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.metadata.annotations.deployment\\.kubernetes\\.io/revision}/{.spec.replicas}{\"\\n\"}{end}")).Stdout;
        Assert.Contains($"{firstReplicaSet}=3/5", replicaSets);
        Assert.Equal(2, replicaSets.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var after = (await Ok("rollout", "history", "deploy/web", "-n", ns)).Stdout;
        Assert.Matches(@"(?m)^2\s+", after);
        Assert.Matches(@"(?m)^3\s+", after);
        Assert.DoesNotMatch(@"(?m)^1\s+", after);
    }

    private static bool AllOn(string pods, string image, int count)
    {
        var lines = pods.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == count && lines.All(l => l.Contains($"Image = {image},", StringComparison.Ordinal) && l.Contains("RunningAndReady = True", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bare_pod_that_exits_3_ends_in_Error_with_its_logs_and_events()
    {
        const string ns = "bare";
        await CreateNamespace(ns);
        Assert.Contains("pod/busy created", (await Ok("run", "busy", "-n", ns, "--image=busybox", "--restart=Never", "--", "sh", "-c", "echo hello; exit 3")).Stdout);
        await Ok("wait", "--for=jsonpath={.status.phase}=Failed", "pod/busy", "-n", ns, "--timeout=60s");
        var table = (await Ok("get", "pod", "busy", "-n", ns)).Stdout;
        Assert.Matches(@"(?m)^busy\s+0/1\s+Error\s+0\s+", table);
        Assert.Equal("3", (await Ok("get", "pod", "busy", "-n", ns, "-o", "jsonpath={.status.containerStatuses[0].state.terminated.exitCode}")).Stdout);
        Assert.Equal("Error", (await Ok("get", "pod", "busy", "-n", ns, "-o", "jsonpath={.status.containerStatuses[0].state.terminated.reason}")).Stdout);
        Assert.Equal("hello\n", (await Ok("logs", "busy", "-n", ns)).Stdout);
        var describe = (await Ok("describe", "pod", "busy", "-n", ns)).Stdout;
        Assert.Matches(@"Exit Code:\s+3", describe);
        Assert.Matches(@"Normal\s+Scheduled\s+.*Successfully assigned bare/busy to node-\d", describe);
        Assert.Matches(@"Normal\s+(Pulling|Pulled)\s", describe);
        Assert.Matches(@"Normal\s+Created\s", describe);
        Assert.Matches(@"Normal\s+Started\s", describe);
    }

    [Fact]
    public async Task A_crashing_pod_goes_into_CrashLoopBackOff_with_its_previous_logs()
    {
        const string ns = "crash";
        await CreateNamespace(ns);
        await Ok("run", "crasher", "-n", ns, "--image=busybox", "--restart=Always", "--", "sh", "-c", "echo boom; exit 1");
        var table = await Eventually("crasher in CrashLoopBackOff with restarts", async () => (await Ok("get", "pod", "crasher", "-n", ns)).Stdout,
            o => CrashLooping().Match(o) is { Success: true } m && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE", table);
        Assert.Equal("Running", (await Ok("get", "pod", "crasher", "-n", ns, "-o", "jsonpath={.status.phase}")).Stdout);
        Assert.Equal("boom\n", (await Ok("logs", "crasher", "-n", ns, "--previous")).Stdout);
        Assert.Equal("1", (await Ok("get", "pod", "crasher", "-n", ns, "-o", "jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode}")).Stdout);
    }

    [Fact]
    public async Task Deleted_pods_and_pods_of_a_lost_node_are_replaced()
    {
        const string ns = "heal";
        await ApplyWeb(ns, 5);
        await Ok("rollout", "status", "deploy/web", "-n", ns, "--timeout=60s");
        var before = await WebPods(ns);
        Assert.Equal(5, before.Count);

        // A deleted pod is replaced.
        var victim = before[0].Name;
        Assert.Contains($"pod \"{victim}\" deleted", (await Ok("delete", "pod", victim, "-n", ns)).Stdout);
        await Eventually("a replacement pod and 5/5 available", async () =>
            Describe(await WebPods(ns)) + "\navailable=" + (await Ok("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.status.availableReplicas}")).Stdout,
            o => !o.Contains(victim, StringComparison.Ordinal) && o.EndsWith("available=5", StringComparison.Ordinal) && Healthy(o) == 5);
        Assert.Matches(@"(?m)^web\s+5/5\s+5\s+5\s", (await Ok("get", "deploy", "web", "-n", ns)).Stdout);

        // node-1 is lost: NotReady, and after the 300 s toleration its pods are evicted and replaced elsewhere.
        var onNode1 = (await WebPods(ns)).Where(p => p.Node == "node-1").Select(p => p.Name).ToList();
        Assert.True(onNode1.Count > 0, "the scheduler put none of the 5 web pods on node-1:\n" + Describe(await WebPods(ns)));
        var stop = await EmulatorProcess.RunCliAsync("node", await cluster.Emulator.ConsoleAddress, "stop", "node-1");
        try
        {
            Assert.True(stop.ExitCode == 0, $"emulator node stop failed: {stop.Stderr}{stop.Stdout}");
            await Eventually("node-1 NotReady", async () => (await Ok("get", "node", "node-1")).Stdout,
                o => Regex.IsMatch(o, @"(?m)^node-1\s+NotReady\s"));
            var notReady = Stopwatch.StartNew();
            var taints = (await Ok("get", "node", "node-1", "-o", "jsonpath={range .spec.taints[*]}{.key}:{.effect}{\" \"}{end}")).Stdout;
            Assert.Contains("node.kubernetes.io/unreachable:NoExecute", taints);
            await Eventually("node-1's web pods Terminating", async () => (await Ok("get", "pods", "-n", ns, "-l", "app=web")).Stdout,
                o => onNode1.All(name => Regex.IsMatch(o, $@"(?m)^{name}\s+\S+\s+Terminating\s")));

            // The pods tolerate the taint for 300 emulated seconds: 15 s real at x20 (a busy machine only makes it longer).
            Assert.True(notReady.Elapsed > TimeSpan.FromSeconds(10), $"node-1's pods were evicted {notReady.Elapsed.TotalSeconds:F1}s (real) after it went NotReady");
            await Eventually("5 ready web pods off node-1 and 5 available", async () =>
                Describe((await WebPods(ns)).Where(p => !p.Deleting)) + "\navailable=" + (await Ok("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.status.availableReplicas}")).Stdout,
                o => o.EndsWith("available=5", StringComparison.Ordinal) && Healthy(o) == 5 && !o.Contains("Node = node-1,", StringComparison.Ordinal));
        }
        finally
        {
            var start = await EmulatorProcess.RunCliAsync("node", await cluster.Emulator.ConsoleAddress, "start", "node-1");
            Assert.True(start.ExitCode == 0, $"emulator node start failed: {start.Stderr}{start.Stdout}");
        }
        await Eventually("node-1 Ready again", async () => (await Ok("get", "node", "node-1")).Stdout,
            o => Regex.IsMatch(o, @"(?m)^node-1\s+Ready\s"));

        // Back in touch, node-1's kubelet finishes the evicted pods and they go away.
        await Eventually("the evicted pods gone", async () => Describe(await WebPods(ns)),
            o => onNode1.All(name => !o.Contains(name, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Drain_cordons_the_node_and_evicts_its_pods_which_are_replaced_elsewhere()
    {
        const string ns = "drain";
        await ApplyWeb(ns, 4);
        await Ok("rollout", "status", "deploy/web", "-n", ns, "--timeout=60s");
        try
        {
            var drained = await Ok("drain", "node-2", "--ignore-daemonsets", "--force", "--delete-emptydir-data", "--timeout=60s");
            Assert.Contains("node/node-2 drained", drained.Stdout);
            Assert.Matches(@"(?m)^node-2\s+Ready,SchedulingDisabled\s", (await Ok("get", "node", "node-2")).Stdout);
            await Eventually("4 ready web pods off node-2 and 4 available", async () =>
                Describe((await WebPods(ns)).Where(p => !p.Deleting)) + "\navailable=" + (await Ok("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.status.availableReplicas}")).Stdout,
                o => o.EndsWith("available=4", StringComparison.Ordinal) && Healthy(o) == 4 && !o.Contains("Node = node-2,", StringComparison.Ordinal));
        }
        finally
        {
            await Ok("uncordon", "node-2");
        }
        Assert.Matches(@"(?m)^node-2\s+Ready\s", (await Ok("get", "node", "node-2")).Stdout);
    }

    private static int Healthy(string pods) => Regex.Matches(pods, "RunningAndReady = True, Deleting = False").Count;

    [Theory]
    [InlineData("--nodes", "-1", "--nodes must be between 0 and 10000, got -1")]
    [InlineData("--time-scale", "0", "--time-scale must be greater than 0")]
    [InlineData("--config", "/nonexistent/emulator.conf", "--config /nonexistent/emulator.conf: no such file")]
    public async Task Emulator_up_rejects_bad_options_with_one_line(string option, string value, string message)
    {
        var state = Path.Combine(cluster.Root, "bad-" + Guid.NewGuid().ToString("N"));
        await AssertRejectedWithOneLine(message, "up", "--api-port", "0", "--state", state, option, value);
    }

    [Fact]
    public async Task Emulator_up_rejects_a_config_file_that_is_not_hocon_with_one_line()
    {
        var file = Path.Combine(cluster.Root, "bad-" + Guid.NewGuid().ToString("N") + ".conf");
        await File.WriteAllTextAsync(file, "akka {\n  loglevel = \n");
        var state = Path.Combine(cluster.Root, "bad-" + Guid.NewGuid().ToString("N"));
        await AssertRejectedWithOneLine($"--config {file}: not valid HOCON", "up", "--api-port", "0", "--state", state, "--config", file);
    }

    [Theory]
    [InlineData("emulator.services.cluster-ip-range = \"10.0.0.0/8\"", "emulator.services.cluster-ip-range 10.0.0.0/8: the prefix must be from /12 to /28")]
    [InlineData("emulator.load-balancer.addresses = [\"pool\"]", "emulator.load-balancer.addresses: 'pool' is not an IPv4 range (A-B) or CIDR")]
    [InlineData("emulator.node-ipam.cluster-cidr = \"10.244.0.0\"", "emulator.node-ipam.cluster-cidr must be an IPv4 CIDR, not '10.244.0.0'")]
    public async Task Emulator_up_rejects_malformed_network_settings_with_one_line(string setting, string message)
    {
        var file = Path.Combine(cluster.Root, "bad-" + Guid.NewGuid().ToString("N") + ".conf");
        await File.WriteAllTextAsync(file, setting + "\n");
        var state = Path.Combine(cluster.Root, "bad-" + Guid.NewGuid().ToString("N"));
        await AssertRejectedWithOneLine(message, "up", "--api-port", "0", "--state", state, "--config", file);
    }

    [Fact]
    public async Task Emulator_up_rejects_a_state_whose_journal_is_not_a_database_with_one_line()
    {
        var state = Directory.CreateDirectory(Path.Combine(cluster.Root, "bad-" + Guid.NewGuid().ToString("N"))).FullName;
        var database = Path.Combine(state, "emulator.db");
        await File.WriteAllTextAsync(database, new string('x', 4096));
        await AssertRejectedWithOneLine($"SQLite journal at {database}: file is not a database", "up", "--api-port", "0", "--state", state);
        Assert.Equal(new string('x', 4096), await File.ReadAllTextAsync(database));
    }

    [Fact]
    public async Task Emulator_control_plane_reads_config_as_up_does_and_rejects_a_missing_file_with_one_line()
    {
        var state = Path.Combine(cluster.Root, "bad-" + Guid.NewGuid().ToString("N"));
        var result = await EmulatorProcess.RunCliAsync("control-plane", "--api-port", "0", "--cluster-port", "0", "--state", state, "--config", "/nonexistent/emulator.conf");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("emulator control-plane: --config /nonexistent/emulator.conf: no such file", (result.Stderr + result.Stdout).Trim());
    }

    [Fact]
    public async Task Emulator_up_warns_when_the_cluster_cidr_has_no_pod_cidr_for_every_node()
    {
        // Two /31 ranges in a /30: the third node gets none, and kube-controller-manager's CIDRNotAvailable says so.
        var file = Path.Combine(cluster.Root, "small-cidr-" + Guid.NewGuid().ToString("N") + ".conf");
        await File.WriteAllTextAsync(file, "emulator.node-ipam { cluster-cidr = \"10.250.0.0/30\", node-cidr-mask-size = 31 }\n");
        await using var small = await EmulatorProcess.StartAsync(Path.Combine(cluster.Root, "small-cidr-" + Guid.NewGuid().ToString("N")), "--nodes", "3", "--config", file);
        Assert.Contains("emulator up: warning: 3 nodes, but emulator.node-ipam.cluster-cidr 10.250.0.0/30 has pod CIDRs (/31) for 2: pods on the other nodes stay Pending (CIDRNotAvailable)", small.Output, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = small.ApiAddress };
        var withCidr = 0;
        for (var attempt = 0; attempt < 120 && withCidr < 2; attempt++)
        {
            var nodes = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/api/v1/nodes"))!["items"]!.AsArray();
            withCidr = nodes.Count(n => n!["spec"]?["podCIDR"] is not null);
            await Task.Delay(500);
        }
        Assert.Equal(2, withCidr);
        var events = await http.GetStringAsync("/api/v1/events?fieldSelector=reason%3DCIDRNotAvailable");
        Assert.Contains("CIDRNotAvailable", events, StringComparison.Ordinal);
    }

    private static async Task AssertRejectedWithOneLine(string message, params string[] arguments)
    {
        var result = await EmulatorProcess.RunCliAsync(arguments);
        Assert.NotEqual(0, result.ExitCode);
        var lines = (result.Stderr + result.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{result.Stderr}{result.Stdout}");
        Assert.Contains(message, lines[0]);
        Assert.StartsWith("emulator up: ", lines[0]);
    }

    [GeneratedRegex(@"(?m)^node-\d\s+Ready\s")]
    private static partial Regex ReadyNode();

    [GeneratedRegex(@"(?m)^web-[a-z0-9]+-[a-z0-9]+\s+1/1\s+Running\s")]
    private static partial Regex RunningReadyPod();

    [GeneratedRegex(@"(?m)^crasher\s+0/1\s+CrashLoopBackOff\s+(\d+)")]
    private static partial Regex CrashLooping();
}
