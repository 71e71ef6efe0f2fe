namespace Emulator.EndToEnd.Tests;

/// <summary>
/// Server-side apply with the real kubectl (1.33 and 1.27): create and re-apply, a conflict with the replica count a
/// <c>kubectl scale</c> took and <c>--force-conflicts</c>, a dry run, fields dropped from the manifest, and the move
/// from client-side apply (kubectl's extra last-applied apply and its managedFields JSON patch). Each client works in its
/// own namespace.
/// </summary>
public sealed class ServerSideApplyEndToEndTests(EmulatorFixture cluster) : IClassFixture<EmulatorFixture>
{
    private static string Web(string ns, int replicas, string image, string labels = "app: web") => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {ns}
          labels: {"{"}{labels}{"}"}
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
                image: {image}
                ports:
                - containerPort: 80
        """;

    private static string Settings(string ns, string data) => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: {ns}
          labels:
            tier: front
        data:
        {data}
        """;

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Apply_reapply_conflict_with_scale_and_force(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "ssa-" + version.Replace('.', '-');
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();
        await Ok("create", "namespace", ns);

        Assert.Equal("deployment.apps/web serverside-applied\n",
            (await kubectl.RunWithInput(Web(ns, 2, "nginx:1.27"), "apply", "--server-side", "-f", "-")).Succeeded().Stdout);
        var managed = (await Ok("get", "deploy", "web", "-n", ns, "-o", "yaml", "--show-managed-fields")).Stdout;
        Assert.Contains("manager: kubectl\n    operation: Apply", managed);
        Assert.Contains("k:{\"containerPort\":80,\"protocol\":\"TCP\"}:", managed);
        Assert.Contains("k:{\"name\":\"nginx\"}:\n                .: {}\n                f:image: {}", managed);
        // kubectl hides them unless asked.
        Assert.DoesNotContain("managedFields", (await Ok("get", "deploy", "web", "-n", ns, "-o", "yaml")).Stdout);

        // Re-applied with another image and a dropped label: both change.
        Assert.Contains("serverside-applied", (await kubectl.RunWithInput(Web(ns, 2, "nginx:1.28", "app: web, team: a"), "apply", "--server-side", "-f", "-")).Succeeded().Stdout);
        Assert.Contains("serverside-applied", (await kubectl.RunWithInput(Web(ns, 2, "nginx:1.28"), "apply", "--server-side", "-f", "-")).Succeeded().Stdout);
        Assert.Equal("nginx:1.28 {\"app\":\"web\"}",
            (await Ok("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image} {.metadata.labels}")).Stdout);

        // kubectl scale takes the replica count (kubectl sends no field manager: the user agent's program name is it).
        await Ok("scale", "deploy/web", "-n", ns, "--replicas=5");
        var scaled = (await Ok("get", "deploy", "web", "-n", ns, "-o", "yaml", "--show-managed-fields")).Stdout;
        Assert.Contains($"manager: kubectl.{version}\n    operation: Update\n    subresource: scale", scaled);

        var conflict = await kubectl.RunWithInput(Web(ns, 3, "nginx:1.28"), "apply", "--server-side", "-f", "-");
        Assert.Equal(1, conflict.ExitCode);
        Assert.StartsWith($"error: Apply failed with 1 conflict: conflict with \"kubectl.{version}\" with subresource \"scale\" using apps/v1: .spec.replicas\n", conflict.Stderr);
        Assert.Contains("--force-conflicts", conflict.Stderr);
        Assert.Equal("5", (await Ok("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}")).Stdout);

        // A server-side dry run changes nothing.
        Assert.Equal("deployment.apps/web serverside-applied (server dry run)\n",
            (await kubectl.RunWithInput(Web(ns, 3, "nginx:1.28"), "apply", "--server-side", "--force-conflicts", "--dry-run=server", "-f", "-")).Succeeded().Stdout);
        Assert.Equal("5", (await Ok("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}")).Stdout);

        (await kubectl.RunWithInput(Web(ns, 3, "nginx:1.28"), "apply", "--server-side", "--force-conflicts", "-f", "-")).Succeeded();
        Assert.Equal("3", (await Ok("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}")).Stdout);
        Assert.DoesNotContain("subresource: scale", (await Ok("get", "deploy", "web", "-n", ns, "-o", "yaml", "--show-managed-fields")).Stdout);
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Creates_record_their_manager_with_the_defaults_they_set_but_not_what_admission_adds(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "ssa-create-" + version.Replace('.', '-');
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();
        await Ok("create", "namespace", ns);

        await Ok("create", "deployment", "web", "--image=nginx", "-n", ns);
        var deployment = (await Ok("get", "deploy", "web", "-n", ns, "-o", "yaml", "--show-managed-fields")).Stdout;
        Assert.Contains("manager: kubectl-create\n    operation: Update", deployment);
        // Value structs (strategy, template) are never added; pointers (rollingUpdate) and maps (labels) are.
        Assert.Contains("f:strategy:\n          f:rollingUpdate:\n            .: {}\n            f:maxSurge: {}", deployment);
        Assert.Contains("f:template:\n          f:metadata:\n            f:labels:\n              .: {}\n              f:app: {}", deployment);

        await Ok("run", "nginx", "--image=nginx", "-n", ns);
        var pod = (await Ok("get", "pod", "nginx", "-n", ns, "-o", "yaml", "--show-managed-fields")).Stdout;
        Assert.Contains("manager: kubectl-run\n    operation: Update", pod);
        Assert.Contains("f:terminationMessagePolicy: {}", pod);
        // The service account token volume is the ServiceAccount admission plugin's doing, not kubectl's.
        Assert.Contains("kube-api-access-", pod);
        Assert.DoesNotContain("f:volumes", pod);
        Assert.DoesNotContain("f:tolerations", pod);
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Client_side_apply_moves_to_server_side_apply(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "ssa-move-" + version.Replace('.', '-');
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();
        await Ok("create", "namespace", ns);

        Assert.Contains("configmap/settings created", (await kubectl.RunWithInput(Settings(ns, "  a: \"1\"\n  b: \"2\""), "apply", "-f", "-")).Succeeded().Stdout);
        var before = (await Ok("get", "cm", "settings", "-n", ns, "-o", "yaml", "--show-managed-fields")).Stdout;
        Assert.Contains("manager: kubectl-client-side-apply\n    operation: Update", before);

        // The first server-side apply: kubectl saves the annotation under kubectl-last-applied, then moves the
        // client-side apply manager's fields to its own with a JSON patch, and applies again, which drops b.
        Assert.Contains("configmap/settings serverside-applied", (await kubectl.RunWithInput(Settings(ns, "  a: \"1\"\n  c: \"3\""), "apply", "--server-side", "-f", "-")).Succeeded().Stdout);
        var after = (await Ok("get", "cm", "settings", "-n", ns, "-o", "yaml", "--show-managed-fields")).Stdout;
        Assert.DoesNotContain("kubectl-client-side-apply", after);
        Assert.Contains("manager: kubectl-last-applied\n    operation: Apply", after);
        Assert.Contains("manager: kubectl\n    operation: Apply", after);
        Assert.Equal("{\"a\":\"1\",\"c\":\"3\"}", (await Ok("get", "cm", "settings", "-n", ns, "-o", "jsonpath={.data}")).Stdout);
        // The server keeps the last-applied annotation current for kubectl.
        Assert.Contains("\"c\":\"3\"", (await Ok("get", "cm", "settings", "-n", ns, "-o", "jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}")).Stdout);

        // Client-side apply still works on it.
        Assert.Contains("configmap/settings configured", (await kubectl.RunWithInput(Settings(ns, "  a: \"9\"\n  c: \"3\""), "apply", "-f", "-")).Succeeded().Stdout);
        Assert.Equal("9", (await Ok("get", "cm", "settings", "-n", ns, "-o", "jsonpath={.data.a}")).Stdout);
    }
}
