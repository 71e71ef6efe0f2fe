namespace Emulator.EndToEnd.Tests;

/// <summary>One emulator for a test class, with kubectl 1.33 and 1.27 clients that each have a fresh HOME.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("emulator-e2e-").FullName;

    public EmulatorProcess Emulator { get; private set; } = null!;

    public Kubectl Kubectl { get; private set; } = null!;

    public Kubectl Kubectl127 { get; private set; } = null!;

    public string Root => _root;

    public async Task InitializeAsync()
    {
        Emulator = await EmulatorProcess.StartAsync(Path.Combine(_root, "state"));
        Kubectl = NewClient("1.33");
        Kubectl127 = NewClient("1.27");
    }

    public Kubectl NewClient(string version)
    {
        var home = Directory.CreateDirectory(Path.Combine(_root, $"home-{version}-{Guid.NewGuid():N}")).FullName;
        return new Kubectl(Kubectl.BinaryFor(version), Emulator.Kubeconfig, home);
    }

    public async Task DisposeAsync()
    {
        await Emulator.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>Writes manifests into a fresh directory and returns it.</summary>
    public string Manifests(params (string File, string Yaml)[] files)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, "manifests-" + Guid.NewGuid().ToString("N"))).FullName;
        foreach (var (file, yaml) in files)
        {
            File.WriteAllText(Path.Combine(directory, file), yaml);
        }
        return directory;
    }
}
