namespace Emulator.EndToEnd.Tests;

/// <summary>
/// The OpenAPI documents through the real kubectl (1.33 and 1.27): <c>kubectl explain</c> of a built-in field and
/// recursively, and <c>kubectl diff</c>, which needs the schemas to compute what would change.
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
}
