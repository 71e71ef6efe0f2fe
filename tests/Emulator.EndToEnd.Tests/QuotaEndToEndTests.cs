using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// ResourceQuota and LimitRange through kubectl 1.33: <c>kubectl create quota</c>, pods beyond it refused with the
/// quota admission's message, usage in <c>get</c> and <c>describe</c>, LimitRange defaults in the stored pod.
/// </summary>
public sealed class QuotaEndToEndTests(EmulatorFixture cluster) : IClassFixture<EmulatorFixture>
{
    private const string Ns = "quota-e2e";

    private const string LimitRange = """
        apiVersion: v1
        kind: LimitRange
        metadata:
          name: defaults
        spec:
          limits:
          - type: Container
            default:
              cpu: 200m
              memory: 128Mi
            defaultRequest:
              cpu: 100m
              memory: 64Mi
            max:
              cpu: "1"
        """;

    private async Task<string> Ok(params string[] args) => (await cluster.Kubectl.Run(args)).Succeeded().Stdout;

    private static async Task Eventually(string what, Func<Task<bool>> probe)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (await probe())
            {
                return;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"timed out waiting for {what}");
    }

    [Fact]
    public async Task Pods_beyond_a_quota_are_refused_and_limit_range_defaults_are_stored()
    {
        await Ok("create", "namespace", Ns);
        Assert.Contains("limitrange/defaults created", (await cluster.Kubectl.RunWithInput(LimitRange, "-n", Ns, "apply", "-f", "-")).Succeeded().Stdout);
        Assert.Contains("resourcequota/q created", await Ok("-n", Ns, "create", "quota", "q", "--hard=pods=2,requests.cpu=1"));
        // Enforced once the quota controller has confirmed the limits and counted the namespace.
        await Eventually("the quota's status", async () => await Ok("-n", Ns, "get", "quota", "q", "-o", "jsonpath={.status.used.pods}") == "0");

        Assert.Contains("pod/p1 created", await Ok("-n", Ns, "run", "p1", "--image=nginx"));
        Assert.Contains("pod/p2 created", await Ok("-n", Ns, "run", "p2", "--image=nginx"));
        var refused = await cluster.Kubectl.Run("-n", Ns, "run", "p3", "--image=nginx");
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("Error from server (Forbidden): pods \"p3\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2\n", refused.Stderr);

        var table = (await Ok("-n", Ns, "get", "quota")).Split('\n');
        Assert.Equal(["NAME", "AGE", "REQUEST", "LIMIT"], table[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^q\s+\S+\s+pods: 2/2, requests\.cpu: 200m/1\s*$", table[1]);
        var described = await Ok("-n", Ns, "describe", "quota", "q");
        Assert.Matches(@"Name:\s+q\n", described);
        Assert.Matches($@"Namespace:\s+{Ns}\n", described);
        Assert.Matches(@"Resource\s+Used\s+Hard\n--------\s+----\s+----\n", described);
        Assert.Matches(@"\npods\s+2\s+2\n", described);
        Assert.Matches(@"\nrequests\.cpu\s+200m\s+1\n", described);

        var yaml = await Ok("-n", Ns, "get", "pod", "p1", "-o", "yaml");
        // (kubectl folds the long annotation.)
        Assert.Matches(@"kubernetes\.io/limit-ranger: 'LimitRanger plugin set: cpu, memory request for container\s+p1; cpu, memory limit for container p1'", yaml);
        Assert.Matches(@"resources:\n\s+limits:\n\s+cpu: 200m\n\s+memory: 128Mi\n\s+requests:\n\s+cpu: 100m\n\s+memory: 64Mi\n", yaml);
        Assert.Equal(["NAME", "CREATED", "AT"], (await Ok("-n", Ns, "get", "limits")).Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"Container\s+cpu\s+-\s+1\s+100m\s+200m\s+-", await Ok("-n", Ns, "describe", "limitrange", "defaults"));

        var tooBig = await cluster.Kubectl.RunWithInput("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: big
            spec:
              containers:
              - name: app
                image: nginx
                resources:
                  limits:
                    cpu: "2"
            """, "-n", Ns, "apply", "-f", "-");
        Assert.Equal("Error from server (Forbidden): error when creating \"STDIN\": pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2\n", tooBig.Stderr);

        // Deleting a pod gives its share back.
        await Ok("-n", Ns, "delete", "pod", "p1", "--grace-period=0", "--force");
        await Eventually("the quota to be replenished", async () => await Ok("-n", Ns, "get", "quota", "q", "-o", "jsonpath={.status.used.pods}") == "1");
        Assert.Contains("pod/p3 created", await Ok("-n", Ns, "run", "p3", "--image=nginx"));
        var status = JsonNode.Parse(await Ok("-n", Ns, "get", "quota", "q", "-o", "json"))!["status"]!;
        Assert.Equal("""{"hard":{"pods":"2","requests.cpu":"1"},"used":{"pods":"2","requests.cpu":"200m"}}""", status.ToJsonString());
    }
}
