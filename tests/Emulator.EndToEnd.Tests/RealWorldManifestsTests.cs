namespace Emulator.EndToEnd.Tests;

/// <summary>
/// A directory of real-world manifests (Manifests/real-world: Helm-rendered charts, upstream examples, controller
/// bundles without CRDs, kustomize output, exported lists; every stored built-in kind) applied with real kubectl 1.33,
/// first as a server-side dry run, then for real, and every object is accepted.
/// </summary>
public sealed class RealWorldManifestsTests(EmulatorFixture cluster) : IClassFixture<EmulatorFixture>
{
    private static string Directory => Path.Combine(AppContext.BaseDirectory, "Manifests", "real-world");

    /// <summary>The objects kubectl reports for a directory: <c>kind.group/name</c> and what happened to it.</summary>
    private static List<string> Reported(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    [Fact]
    public async Task Every_manifest_applies_as_a_dry_run_and_then_for_real()
    {
        var files = System.IO.Directory.GetFiles(Directory, "*.yaml");
        Assert.True(files.Length >= 40, $"expected the real-world manifests next to the tests, found {files.Length}");
        // As on a cluster, objects of namespaces that do not exist yet are refused even in a dry run: create those first.
        (await cluster.Kubectl.Run("apply", "-f", Path.Combine(Directory, "00-namespaces.yaml"))).Succeeded();

        var dryRun = await cluster.Kubectl.Run("apply", "--dry-run=server", "-f", Directory);
        Assert.True(dryRun.ExitCode == 0, dryRun.Stderr);
        Assert.Empty(dryRun.Stderr);
        var planned = Reported(dryRun.Stdout);
        Assert.All(planned, line => Assert.EndsWith("(server dry run)", line));
        Assert.True(planned.Count >= 130, $"only {planned.Count} objects: {dryRun.Stdout}");

        var applied = await cluster.Kubectl.Run("apply", "-f", Directory);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        Assert.Empty(applied.Stderr);
        Assert.Equal(planned.Count, Reported(applied.Stdout).Count);
        Assert.All(Reported(applied.Stdout), line => Assert.Matches(" (created|configured|unchanged)$", line));

        // A sample of what the directory made, as kubectl reads it back.
        (await cluster.Kubectl.Run("-n", "data", "get", "statefulset", "web", "cassandra", "redis-replicas")).Succeeded();
        (await cluster.Kubectl.Run("-n", "shop", "get", "rc", "nginx", "legacy-worker")).Succeeded();
        (await cluster.Kubectl.Run("get", "apiservice/v1beta1.metrics.k8s.io", "flowschema/shop-operator", "validatingadmissionpolicy/replica-limit",
            "servicecidr/extra-services", "ipaddress/10.112.0.53", "csr/jane", "ingressclass/nginx", "node/edge-gateway")).Succeeded();
        (await cluster.Kubectl.Run("-n", "shop", "get", "hpa/frontend", "pdb/frontend", "netpol/default-deny-all", "ingress/storefront",
            "configmap/exported-settings", "podtemplate/batch-worker", "controllerrevision/restored-config-1")).Succeeded();
    }
}
