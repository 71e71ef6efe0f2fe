namespace Emulator.EndToEnd.Tests;

/// <summary>
/// The OpenAPI documents through the real kubectl (1.33 and 1.27): <c>kubectl explain</c> of a built-in field and
/// recursively, and <c>kubectl diff</c>, which needs the schemas to compute what would change; the v2 document (read
/// as protobuf) through <c>explain --output plaintext-openapiv2</c> and client-side <c>apply</c>, whose strategic merge
/// patch takes its merge keys from it.
/// </summary>
public sealed class OpenApiEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Explain_and_diff_work_from_the_served_schemas(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "openapi-" + version.Replace('.', '-');
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();

        var strategy = (await Ok("explain", "deployment.spec.strategy")).Stdout;
        Assert.Contains("KIND:       Deployment", strategy);
        Assert.Contains("FIELD: strategy <DeploymentStrategy>", strategy);
        Assert.Matches(@"rollingUpdate\s+<RollingUpdateDeployment>", strategy);
        var recursive = (await Ok("explain", "pod.spec.containers", "--recursive")).Stdout;
        Assert.Matches(@"(?m)^\s+ports\s+<\[\]ContainerPort>", recursive);
        Assert.Matches(@"(?m)^\s+containerPort\s+<integer>", recursive);

        await Ok("create", "namespace", ns);
        string Manifest(string image) => $"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: {ns}
            data:
              image: {image}
            """;
        await kubectl.RunWithInput(Manifest("nginx:1.25"), "apply", "-f", "-");
        var same = await kubectl.RunWithInput(Manifest("nginx:1.25"), "diff", "-f", "-");
        Assert.Equal(0, same.ExitCode);
        var changed = await kubectl.RunWithInput(Manifest("nginx:1.27"), "diff", "-f", "-");
        Assert.Equal(1, changed.ExitCode);
        Assert.Contains("+  image: nginx:1.27", changed.Stdout);
        Assert.Contains("-  image: nginx:1.25", changed.Stdout);
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Explain_and_apply_work_from_the_v2_document(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "openapi-v2-" + version.Replace('.', '-');
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();

        var strategy = (await Ok("explain", "deployment.spec.strategy", "--output", "plaintext-openapiv2")).Stdout;
        Assert.Contains("KIND:     Deployment", strategy);
        Assert.Contains("VERSION:  apps/v1", strategy);
        Assert.Contains("RESOURCE: strategy <Object>", strategy);
        Assert.Matches(@"(?m)^\s+rollingUpdate\s+<Object>", strategy);
        var recursive = (await Ok("explain", "pod.spec.containers", "--recursive", "--output", "plaintext-openapiv2")).Stdout;
        Assert.Contains("RESOURCE: containers <[]Object>", recursive);
        Assert.Matches(@"(?m)^\s+ports\s+<\[\]Object>", recursive);
        Assert.Matches(@"(?m)^\s+containerPort\s+<integer>", recursive);
        Assert.Matches(@"(?m)^\s+resources\s+<Object>", recursive);

        await Ok("create", "namespace", ns);
        string Manifest(string containers) => $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: {{ns}}
            spec:
              replicas: 1
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
            {{containers}}
            """;
        await kubectl.RunWithInput(Manifest("""
                  - name: nginx
                    image: nginx:1.25
                    ports: [{containerPort: 80}]
                    env: [{name: A, value: "1"}]
                  - name: sidecar
                    image: busybox
            """), "apply", "-f", "-");
        // A changed container list: one container changed (image, a port added, an env var replaced), one removed, one added.
        var applied = (await kubectl.RunWithInput(Manifest("""
                  - name: nginx
                    image: nginx:1.27
                    ports: [{containerPort: 80}, {containerPort: 443}]
                    env: [{name: B, value: "2"}]
                  - name: logger
                    image: fluentd
            """), "apply", "-f", "-", "-v=6")).Succeeded();
        Assert.Contains("deployment.apps/web configured", applied.Stdout);
        // kubectl read the v2 document (1.33 after finding no strategic merge patch body in v3) and computed the patch from it.
        Assert.Matches(@"openapi/v2\S*( |"" status="")200 OK", applied.Stderr);
        Assert.DoesNotContain("error calculating patch", applied.Stderr);
        var containers = (await Ok("get", "deployment", "web", "-n", ns, "-o",
            "jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {.ports[*].containerPort} {.env[*].name};{end}")).Stdout;
        Assert.Equal("nginx=nginx:1.27 80 443 B;logger=fluentd  ;", containers);
    }
}
