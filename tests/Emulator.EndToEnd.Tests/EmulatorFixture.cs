namespace Emulator.EndToEnd.Tests;

/// <summary>One emulator for a test class, with kubectl 1.33 and 1.27 clients that each have a fresh HOME.</summary>
public class EmulatorFixture : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("emulator-e2e-").FullName;
    private readonly string[] _arguments;

    public EmulatorFixture()
        : this([])
    {
    }

    /// <summary>A fixture whose <c>emulator up</c> gets <paramref name="arguments"/> as extra options.</summary>
    protected EmulatorFixture(string[] arguments) => _arguments = arguments;

    public EmulatorProcess Emulator { get; private set; } = null!;

    public Kubectl Kubectl { get; private set; } = null!;

    public Kubectl Kubectl127 { get; private set; } = null!;

    public string Root => _root;

    public async Task InitializeAsync()
    {
        Emulator = await EmulatorProcess.StartAsync(Path.Combine(_root, "state"), _arguments);
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

/// <summary>
/// A three-node cluster whose emulated time runs 20 times faster than real time and whose image pulls are instant, so
/// back-offs, node grace periods and toleration timeouts pass in seconds.
/// </summary>
public sealed class ClusterFixture() : EmulatorFixture(["--nodes", "3", "--time-scale", "20", "--image-pull-delay", "0"]);
