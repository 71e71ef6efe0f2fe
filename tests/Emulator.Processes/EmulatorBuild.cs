namespace Emulator.Processes;

/// <summary>Where the emulator executable built beside the calling test or bench assembly lies.</summary>
public static class EmulatorBuild
{
    /// <summary>
    /// The repository's root: test and bench binaries sit in <c>tests|bench/PROJECT/bin/CONFIGURATION/TFM</c>.
    /// </summary>
    public static string RepositoryRoot() =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Parent!.Parent!.Parent!.Parent!.FullName;

    /// <summary>
    /// <c>src/Emulator.Cli/bin/CONFIGURATION/TFM/emulator.dll</c> of the caller's configuration and target framework.
    /// </summary>
    public static string EmulatorDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Path.Combine(RepositoryRoot(), "src", "Emulator.Cli", "bin", output.Parent!.Name, output.Name, "emulator.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"emulator not built at {dll}");
    }
}
