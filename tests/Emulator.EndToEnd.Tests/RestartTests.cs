namespace Emulator.EndToEnd.Tests;

public sealed class RestartTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("emulator-restart-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Objects_and_resource_versions_survive_a_restart_of_emulator_up()
    {
        var state = Path.Combine(_root, "state");
        string before;
        await using (var first = await EmulatorProcess.StartAsync(state))
        {
            var kubectl = new Kubectl(Kubectl.BinaryFor("1.33"), first.Kubeconfig, Directory.CreateDirectory(Path.Combine(_root, "home1")).FullName);
            (await kubectl.RunWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: durable\ndata:\n  k: v\n", "apply", "-f", "-")).Succeeded();
            before = (await kubectl.Run("get", "cm", "durable", "-o", "jsonpath={.metadata.resourceVersion}/{.metadata.uid}")).Succeeded().Stdout;
            await first.StopAsync();
        }
        await using var second = await EmulatorProcess.StartAsync(state);
        var again = new Kubectl(Kubectl.BinaryFor("1.33"), second.Kubeconfig, Directory.CreateDirectory(Path.Combine(_root, "home2")).FullName);
        var after = (await again.Run("get", "cm", "durable", "-o", "jsonpath={.metadata.resourceVersion}/{.metadata.uid}")).Succeeded().Stdout;
        Assert.Equal(before, after);
        Assert.Equal("v", (await again.Run("get", "cm", "durable", "-o", "jsonpath={.data.k}")).Succeeded().Stdout);
    }

    [Fact]
    public async Task Kubelets_adopt_their_running_pods_after_a_restart_of_emulator_up()
    {
        var state = Path.Combine(_root, "state");
        string[] options = ["--nodes", "2", "--image-pull-delay", "0"];
        // uid, resourceVersion, node, pod IP, container id, restarts, phase, ready.
        const string Pod = "jsonpath={.metadata.uid} {.metadata.resourceVersion} {.spec.nodeName} {.status.podIP} {.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.phase} {.status.conditions[?(@.type==\"Ready\")].status}";
        string before;
        await using (var first = await EmulatorProcess.StartAsync(state, options))
        {
            var kubectl = new Kubectl(Kubectl.BinaryFor("1.33"), first.Kubeconfig, Directory.CreateDirectory(Path.Combine(_root, "home1")).FullName);
            (await kubectl.Run("run", "steady", "--image=nginx", "--restart=Always")).Succeeded();
            (await kubectl.Run("wait", "--for=condition=Ready", "pod/steady", "--timeout=60s")).Succeeded();
            before = (await kubectl.Run("get", "pod", "steady", "-o", Pod)).Succeeded().Stdout;
            Assert.EndsWith(" 0 Running True", before);
            await first.StopAsync();
        }
        await using var second = await EmulatorProcess.StartAsync(state, options);
        var again = new Kubectl(Kubectl.BinaryFor("1.33"), second.Kubeconfig, Directory.CreateDirectory(Path.Combine(_root, "home2")).FullName);
        (await again.Run("wait", "--for=condition=Ready", "node", "--all", "--timeout=60s")).Succeeded();
        // The kubelet took the pod back from its journal: same container, not restarted, not replaced, status unchanged.
        Assert.Equal(before, (await again.Run("get", "pod", "steady", "-o", Pod)).Succeeded().Stdout);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(before, (await again.Run("get", "pod", "steady", "-o", Pod)).Succeeded().Stdout);
        Assert.Equal("steady", (await again.Run("get", "pods", "-o", "jsonpath={.items[*].metadata.name}")).Succeeded().Stdout);
    }
}
