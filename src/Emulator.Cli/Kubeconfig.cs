namespace Emulator.Cli;

/// <summary>Writes a kubeconfig pointing kubectl at the emulator's API.</summary>
public static class Kubeconfig
{
    /// <summary>Writes (or replaces) the file at <paramref name="path"/>.</summary>
    public static void Write(string path, Uri server)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var content = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: emulator
              cluster:
                server: {server.GetLeftPart(UriPartial.Authority)}
            users:
            - name: emulator
              user: {"{}"}
            contexts:
            - name: emulator
              context:
                cluster: emulator
                user: emulator
                namespace: default
            current-context: emulator
            preferences: {"{}"}

            """;
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}
