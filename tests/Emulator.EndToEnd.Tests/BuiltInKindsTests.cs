using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// kubectl 1.33's typed generators for the kinds beyond workloads (they send protobuf bodies), the columns
/// <c>kubectl get</c> prints for them, and what the service account controllers do for every namespace.
/// </summary>
public sealed class BuiltInKindsTests(EmulatorFixture cluster) : IClassFixture<EmulatorFixture>
{
    private const string Ns = "kinds";

    private async Task<string> Ok(params string[] args) => (await cluster.Kubectl.Run(args)).Succeeded().Stdout;

    private async Task<JsonNode> Json(params string[] args) => JsonNode.Parse(await Ok([.. args, "-o", "json"]))!;

    /// <summary>The header of a <c>kubectl get</c> table as its column names (kubectl separates them by 3+ spaces).</summary>
    private static string[] Header(string table) =>
        table.Split('\n')[0].Split("   ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task<string> Eventually(string what, Func<Task<string?>> probe)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (await probe() is { } found)
            {
                return found;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"timed out waiting for {what}");
        return "";
    }

    [Fact]
    public async Task Create_generators_make_the_objects_and_get_prints_their_columns()
    {
        await Ok("create", "namespace", Ns);
        Assert.Contains("serviceaccount/robot created", await Ok("-n", Ns, "create", "serviceaccount", "robot"));
        Assert.Contains("role.rbac.authorization.k8s.io/reader created", await Ok("-n", Ns, "create", "role", "reader", "--verb=get,list", "--resource=pods"));
        Assert.Contains("rolebinding.rbac.authorization.k8s.io/readers created",
            await Ok("-n", Ns, "create", "rolebinding", "readers", "--role=reader", $"--serviceaccount={Ns}:robot", "--user=jane"));
        Assert.Contains("ingress.networking.k8s.io/web created",
            await Ok("-n", Ns, "create", "ingress", "web", "--class=emulator", "--rule=web.example.com/*=web:80"));
        Assert.Contains("poddisruptionbudget.policy/web created", await Ok("-n", Ns, "create", "pdb", "web", "--selector=app=web", "--min-available=1"));
        Assert.Contains("resourcequota/team created", await Ok("-n", Ns, "create", "quota", "team", "--hard=pods=10,requests.cpu=1"));
        Assert.Contains("priorityclass.scheduling.k8s.io/high created", await Ok("create", "priorityclass", "high", "--value=1000", "--description=important"));

        var role = await Json("-n", Ns, "get", "role", "reader");
        var rule = role["rules"]!.AsArray().Single()!;
        Assert.Equal(["get", "list"], rule["verbs"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal([""], rule["apiGroups"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(["pods"], rule["resources"]!.AsArray().Select(v => v!.GetValue<string>()));
        var binding = await Json("-n", Ns, "get", "rolebinding", "readers");
        Assert.Equal("rbac.authorization.k8s.io", binding["roleRef"]!["apiGroup"]!.GetValue<string>());
        var ingressPath = (await Json("-n", Ns, "get", "ing", "web"))["spec"]!["rules"]![0]!["http"]!["paths"]![0]!;
        Assert.Equal(("/", "Prefix", 80), (ingressPath["path"]!.GetValue<string>(), ingressPath["pathType"]!.GetValue<string>(), ingressPath["backend"]!["service"]!["port"]!["number"]!.GetValue<int>()));
        Assert.Equal("PreemptLowerPriority", (await Json("get", "pc", "high"))["preemptionPolicy"]!.GetValue<string>());

        Assert.Equal(["NAME", "SECRETS", "AGE"], Header(await Ok("-n", Ns, "get", "sa", "robot")));
        Assert.Equal(["NAME", "CREATED AT"], Header(await Ok("-n", Ns, "get", "role")));
        var bindings = await Ok("-n", Ns, "get", "rolebinding", "-o", "wide");
        Assert.Equal(["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"], Header(bindings));
        Assert.Matches($@"readers\s+Role/reader\s+\S+\s+jane\s+{Ns}/robot", bindings);
        var ingresses = await Ok("-n", Ns, "get", "ing");
        Assert.Equal(["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], Header(ingresses));
        Assert.Matches(@"web\s+emulator\s+web\.example\.com\s+80\s", ingresses);
        var budgets = await Ok("-n", Ns, "get", "pdb");
        Assert.Equal(["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"], Header(budgets));
        Assert.Matches(@"web\s+1\s+N/A\s+0\s", budgets);
        Assert.Equal(["NAME", "AGE", "REQUEST", "LIMIT"], Header(await Ok("-n", Ns, "get", "quota")));
        var classes = await Ok("get", "pc", "high");
        Assert.Equal(["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"], Header(classes));
        Assert.Matches(@"high\s+1000\s+false\s+\S+\s+PreemptLowerPriority", classes);
    }

    [Fact]
    public async Task Every_namespace_gets_a_default_service_account_and_the_root_ca_and_pods_mount_the_token()
    {
        await Ok("create", "namespace", "tokens");
        await Eventually("the default service account", async () =>
            (await cluster.Kubectl.Run("-n", "tokens", "get", "serviceaccount", "default")).ExitCode == 0 ? "yes" : null);
        await Eventually("kube-root-ca.crt", async () =>
            (await cluster.Kubectl.Run("-n", "tokens", "get", "configmap", "kube-root-ca.crt")).ExitCode == 0 ? "yes" : null);
        var configMap = await Json("-n", "tokens", "get", "configmap", "kube-root-ca.crt");
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", configMap["data"]!["ca.crt"]!.GetValue<string>());

        await Ok("-n", "tokens", "run", "web", "--image=nginx");
        var spec = (await Json("-n", "tokens", "get", "pod", "web"))["spec"]!;
        Assert.Equal("default", spec["serviceAccountName"]!.GetValue<string>());
        var volume = spec["volumes"]![0]!;
        Assert.StartsWith("kube-api-access-", volume["name"]!.GetValue<string>());
        Assert.Equal(3607, volume["projected"]!["sources"]![0]!["serviceAccountToken"]!["expirationSeconds"]!.GetValue<int>());
        var mount = spec["containers"]![0]!["volumeMounts"]![0]!;
        Assert.Equal(("/var/run/secrets/kubernetes.io/serviceaccount", true), (mount["mountPath"]!.GetValue<string>(), mount["readOnly"]!.GetValue<bool>()));
    }
}
