using static Emulator.EndToEnd.Tests.Polling;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// A ReplicationController as the public examples write it (no selector: defaulted from the template's labels) through
/// real kubectl 1.33: apply, pods Running, `get rc`, `describe rc`, a deleted pod replaced, `scale rc`, and a delete
/// that cascades to its pods.
/// </summary>
public sealed class ReplicationControllerEndToEndTests(EmulatorFixture cluster) : IClassFixture<EmulatorFixture>
{
    private const string Manifest = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: rc-demo
        ---
        apiVersion: v1
        kind: ReplicationController
        metadata:
          name: nginx
          namespace: rc-demo
        spec:
          replicas: 3
          template:
            metadata:
              labels:
                app: nginx
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
                ports:
                - containerPort: 80
        """;

    [Fact]
    public async Task Apply_runs_pods_heals_scales_and_deletes_in_cascade()
    {
        var kubectl = cluster.Kubectl;
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();
        async Task<string> Phases() => (await Ok("get", "pods", "-n", "rc-demo", "-l", "app=nginx", "-o", "jsonpath={.items[*].status.phase}")).Stdout.Trim();

        Assert.Contains("replicationcontroller/nginx created", (await kubectl.RunWithInput(Manifest, "apply", "-f", "-")).Succeeded().Stdout);
        await Eventually("3 Running pods", Phases, o => o == "Running Running Running");
        await Eventually("rc/nginx 3 ready", async () => (await Ok("get", "rc", "nginx", "-n", "rc-demo")).Stdout,
            o => System.Text.RegularExpressions.Regex.IsMatch(o, @"(?m)^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s*$") && System.Text.RegularExpressions.Regex.IsMatch(o, @"(?m)^nginx\s+3\s+3\s+3\s+\d+s"));
        var wide = (await Ok("get", "rc", "nginx", "-n", "rc-demo", "-o", "wide")).Stdout;
        Assert.Matches(@"(?m)^nginx\s+3\s+3\s+3\s+\S+\s+nginx\s+nginx:1\.25\s+app=nginx\s*$", wide);
        var owners = (await Ok("get", "pods", "-n", "rc-demo", "-o", "jsonpath={range .items[*]}{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}{\"\\n\"}{end}")).Stdout;
        Assert.Equal(["ReplicationController/nginx", "ReplicationController/nginx", "ReplicationController/nginx"], owners.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var describe = (await Ok("describe", "rc", "nginx", "-n", "rc-demo")).Stdout;
        Assert.Matches(@"(?m)^Selector:\s+app=nginx$", describe);
        Assert.Matches(@"(?m)^Replicas:\s+3 current / 3 desired$", describe);
        Assert.Matches(@"(?m)^Pods Status:\s+3 Running / 0 Waiting / 0 Succeeded / 0 Failed$", describe);
        Assert.Matches(@"Normal\s+SuccessfulCreate\s+\S+\s+replication-controller\s+Created pod: nginx-", describe);

        // Self-healing: a deleted pod is replaced.
        var victim = (await Ok("get", "pods", "-n", "rc-demo", "-o", "jsonpath={.items[0].metadata.name}")).Stdout.Trim();
        await Ok("delete", "pod", victim, "-n", "rc-demo", "--wait=false");
        await Eventually("a replacement pod", async () => (await Ok("get", "pods", "-n", "rc-demo", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.metadata.deletionTimestamp}{\"\\n\"}{end}")).Stdout,
            o => o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Trim().EndsWith("Running", StringComparison.Ordinal) && !l.StartsWith(victim, StringComparison.Ordinal)) == 3);

        Assert.Contains("replicationcontroller/nginx scaled", (await Ok("scale", "rc", "nginx", "-n", "rc-demo", "--replicas=5")).Stdout);
        await Eventually("5 Running pods", Phases, o => o == "Running Running Running Running Running");
        await Eventually("status 5 ready", async () => (await Ok("get", "rc", "nginx", "-n", "rc-demo", "-o", "jsonpath={.status.readyReplicas}/{.status.availableReplicas}/{.status.fullyLabeledReplicas}/{.status.observedGeneration}")).Stdout,
            o => o == "5/5/5/2");
        await Ok("scale", "rc", "nginx", "-n", "rc-demo", "--replicas=1");
        await Eventually("1 pod left", async () => (await Ok("get", "pods", "-n", "rc-demo", "-o", "name")).Stdout,
            o => o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 1);

        Assert.Contains("replicationcontroller \"nginx\" deleted", (await Ok("delete", "rc", "nginx", "-n", "rc-demo")).Stdout);
        await Eventually("the RC's pods deleted", async () => (await Ok("get", "pods", "-n", "rc-demo", "-o", "name")).Stdout, o => o.Trim().Length == 0);
    }
}
