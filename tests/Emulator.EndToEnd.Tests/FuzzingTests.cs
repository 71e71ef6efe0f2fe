using Emulator.Fuzzing;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// Hostile requests against the real <c>emulator up</c>: none gets a 5xx or hangs, and afterwards the cluster is intact
/// — kubectl works as before, and a restart brings back exactly the objects it held.
/// </summary>
public sealed class FuzzingTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("emulator-fuzz-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task After_hostile_requests_kubectl_works_and_a_restart_brings_back_every_object()
    {
        var state = Path.Combine(_root, "state");
        string before;
        await using (var emulator = await EmulatorProcess.StartAsync(state, "--nodes", "2", "--image-pull-delay", "0", "--time-scale", "20"))
        {
            using var client = new HttpClient { BaseAddress = emulator.ApiAddress, Timeout = TimeSpan.FromSeconds(60) };
            await FuzzRun.SeedAsync(client);
            var report = await FuzzRun.RunAsync(client, seed: 11, count: 800);
            Assert.True(report.Failures.Count == 0, string.Join("\n", report.Failures.Take(20)));

            var kubectl = new Kubectl(Kubectl.BinaryFor("1.33"), emulator.Kubeconfig, Directory.CreateDirectory(Path.Combine(_root, "home1")).FullName);
            (await kubectl.Run("get", "all", "-n", SeedObjects.Namespace)).Succeeded();
            // A namespace of its own: the fuzzed quotas and limit ranges left in "fuzz" are enforced, as a cluster would.
            (await kubectl.Run("create", "namespace", "after-fuzz")).Succeeded();
            (await kubectl.RunWithInput(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: after-fuzz\n  namespace: after-fuzz\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: after-fuzz}\n" +
                "  template:\n    metadata:\n      labels: {app: after-fuzz}\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n",
                "apply", "-f", "-")).Succeeded();
            (await kubectl.Run("rollout", "status", "deployment/after-fuzz", "-n", "after-fuzz", "--timeout=60s")).Succeeded();
            // Objects no controller writes to: their resourceVersions must come back unchanged.
            before = (await kubectl.Run("get", "configmaps,secrets,services", "-n", "fuzz", "-o",
                "jsonpath={range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion} {end}")).Succeeded().Stdout;
            Assert.Contains("ConfigMap/seed@", before);
            await emulator.StopAsync();
        }
        await using var restarted = await EmulatorProcess.StartAsync(state, "--nodes", "2", "--image-pull-delay", "0", "--time-scale", "20");
        var again = new Kubectl(Kubectl.BinaryFor("1.33"), restarted.Kubeconfig, Directory.CreateDirectory(Path.Combine(_root, "home2")).FullName);
        var after = (await again.Run("get", "configmaps,secrets,services", "-n", "fuzz", "-o",
            "jsonpath={range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion} {end}")).Succeeded().Stdout;
        Assert.Equal(before, after);
        (await again.Run("get", "deployment", "after-fuzz", "-n", "after-fuzz")).Succeeded();
    }
}
