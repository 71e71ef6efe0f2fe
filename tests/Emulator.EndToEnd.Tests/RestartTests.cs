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
}
