namespace Emulator.Node.Containers;

/// <summary>
/// The files a container can read: what the kubelet writes into it (<c>/etc/hosts</c>, <c>/etc/resolv.conf</c>,
/// <c>/etc/hostname</c>) and its volume mounts (ConfigMap and Secret keys, downward API items; an <c>emptyDir</c> or
/// claim is an empty directory). The image's own files are not emulated beyond the top-level directories of a Linux
/// image. The kubelet replaces the mounted content when a mounted ConfigMap or Secret changes, as its volume manager
/// does; readers always see one consistent version (the kubelet's atomic writer swaps a whole directory).
/// </summary>
public sealed class ContainerFiles
{
    /// <summary>The top-level directories of a busybox or alpine image.</summary>
    public static readonly IReadOnlyList<string> ImageDirectories = ["bin", "dev", "etc", "home", "lib", "proc", "root", "sys", "tmp", "usr", "var"];

    private volatile Snapshot _snapshot;

    /// <summary>Creates the view of <paramref name="files"/> (absolute path to content) and the empty <paramref name="directories"/>.</summary>
    public ContainerFiles(IReadOnlyDictionary<string, string> files, IEnumerable<string>? directories = null) =>
        _snapshot = new Snapshot(files, null, directories ?? []);

    /// <summary>A container with no files of its own.</summary>
    public static ContainerFiles None => new(new Dictionary<string, string>());

    /// <summary>
    /// Replaces the content (a mounted ConfigMap or Secret changed). <paramref name="generated"/> files are written
    /// when read (a service account token: signing one for every pod that never reads it would cost more than the rest
    /// of the pod's start).
    /// </summary>
    public void Replace(IReadOnlyDictionary<string, string> files, IReadOnlyDictionary<string, Func<string>>? generated = null, IEnumerable<string>? directories = null) =>
        _snapshot = new Snapshot(files, generated, directories ?? []);

    /// <summary>The content of the file at <paramref name="path"/>, or null when there is none.</summary>
    public string? Read(string path)
    {
        var snapshot = _snapshot;
        var normalized = Normalize(path);
        return snapshot.Files.TryGetValue(normalized, out var text) ? text : snapshot.Generated.GetValueOrDefault(normalized)?.Invoke();
    }

    /// <summary>The entries of the directory at <paramref name="path"/> in name order, or null when it is no directory.</summary>
    public IReadOnlyList<string>? List(string path)
    {
        var snapshot = _snapshot;
        var directory = Normalize(path);
        var prefix = directory == "/" ? "/" : directory + "/";
        var entries = new SortedSet<string>(StringComparer.Ordinal);
        if (directory == "/")
        {
            entries.UnionWith(ImageDirectories);
        }
        foreach (var known in snapshot.Files.Keys.Concat(snapshot.Generated.Keys).Concat(snapshot.Directories))
        {
            if (known.Length > prefix.Length && known.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = known[prefix.Length..];
                entries.Add(rest.Contains('/') ? rest[..rest.IndexOf('/')] : rest);
            }
        }
        var exists = directory == "/" || entries.Count > 0 || snapshot.Directories.Contains(directory) || ImageDirectories.Contains(directory.TrimStart('/'));
        return exists && !snapshot.Files.ContainsKey(directory) && !snapshot.Generated.ContainsKey(directory) ? [.. entries] : null;
    }

    /// <summary>True when <paramref name="path"/> names a file.</summary>
    public bool IsFile(string path)
    {
        var snapshot = _snapshot;
        var normalized = Normalize(path);
        return snapshot.Files.ContainsKey(normalized) || snapshot.Generated.ContainsKey(normalized);
    }

    /// <summary>An absolute path without <c>.</c>, <c>..</c>, repeated or trailing slashes (relative paths start at <c>/</c>).</summary>
    public static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }
        return "/" + string.Join('/', parts);
    }

    private sealed class Snapshot(IReadOnlyDictionary<string, string> files, IReadOnlyDictionary<string, Func<string>>? generated, IEnumerable<string> directories)
    {
        public Dictionary<string, string> Files { get; } = files.ToDictionary(f => Normalize(f.Key), f => f.Value, StringComparer.Ordinal);

        public Dictionary<string, Func<string>> Generated { get; } = (generated ?? new Dictionary<string, Func<string>>()).ToDictionary(f => Normalize(f.Key), f => f.Value, StringComparer.Ordinal);

        public HashSet<string> Directories { get; } = directories.Select(Normalize).ToHashSet(StringComparer.Ordinal);
    }
}
