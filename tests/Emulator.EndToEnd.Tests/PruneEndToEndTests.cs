namespace Emulator.EndToEnd.Tests;

/// <summary>
/// <c>kubectl apply --prune -l</c> with kubectl 1.33 and 1.27: kubectl walks its default prune list (which names
/// ReplicationControllers, so they must be served) and deletes the labelled objects no longer in the directory.
/// </summary>
public sealed class PruneEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Apply_prune_deletes_what_left_the_directory(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "prune-" + version.Replace('.', '-');
        var directory = Directory.CreateTempSubdirectory("prune-").FullName;
        try
        {
            await kubectl.Run("create", "namespace", ns);
            foreach (var name in new[] { "kept", "dropped" })
            {
                await File.WriteAllTextAsync(Path.Combine(directory, name + ".yaml"), $"""
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: {name}
                      namespace: {ns}
                      labels: {"{"}app: prune-test{"}"}
                    data: {"{"}k: v{"}"}
                    """);
            }
            (await kubectl.Run("apply", "--prune", "-l", "app=prune-test", "-n", ns, "-f", directory)).Succeeded();
            File.Delete(Path.Combine(directory, "dropped.yaml"));
            var pruned = (await kubectl.Run("apply", "--prune", "-l", "app=prune-test", "-n", ns, "-f", directory)).Succeeded();
            Assert.Contains("configmap/dropped pruned", pruned.Stdout);
            var left = (await kubectl.Run("get", "configmaps", "-l", "app=prune-test", "-n", ns, "-o", "name")).Succeeded().Stdout;
            Assert.Equal("configmap/kept", left.Trim());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
