using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;
using Emulator.Node.Hosting;

namespace Emulator.Node.Kubelet;

/// <summary>
/// What the kubelet's volume plugins put at a container's mount points: a <c>configMap</c> or <c>secret</c> volume
/// holds one file per key (or per <c>items</c> entry, at its <c>path</c>), a <c>downwardAPI</c> volume one file per item
/// (<c>metadata.labels</c> and <c>metadata.annotations</c> as <c>key="value"</c> lines), a <c>projected</c> volume the
/// union of its sources; every other volume is an empty directory. A <c>subPath</c> mount shows one file or directory
/// of the volume.
/// </summary>
internal static class PodVolumes
{
    /// <summary>
    /// The files (absolute path to content), generated files and directories of <paramref name="container"/>'s mounts;
    /// <paramref name="token"/> gives the file of a projected <c>serviceAccountToken</c> source (none: no file).
    /// </summary>
    public static (Dictionary<string, string> Files, Dictionary<string, Func<string>> Generated, List<string> Directories) Mounts(KubeObject pod, ContainerView container,
        PodConfigSources sources, NodeOptions? node, Func<JsonObject, Func<string>?>? token = null)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var generated = new Dictionary<string, Func<string>>(StringComparer.Ordinal);
        var directories = new List<string>();
        var volumes = JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "volumes"))
            .GroupBy(v => JsonTree.GetString(v, "name") ?? "", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var mount in JsonTree.Objects(container.Json["volumeMounts"] as JsonArray))
        {
            var mountPath = JsonTree.GetString(mount, "mountPath") ?? "";
            if (mountPath.Length == 0 || !volumes.TryGetValue(JsonTree.GetString(mount, "name") ?? "", out var volume))
            {
                continue;
            }
            var content = Content(volume, container, pod, sources, node);
            var tokens = new Dictionary<string, Func<string>>(StringComparer.Ordinal);
            foreach (var source in PodConfigSources.TokenSources(volume))
            {
                if (token?.Invoke(source) is { } file)
                {
                    tokens[(JsonTree.GetString(source, "path") ?? "").Trim('/')] = file;
                }
            }
            var subPath = (JsonTree.GetString(mount, "subPath") ?? "").Trim('/');
            if (subPath.Length > 0 && content.TryGetValue(subPath, out var single))
            {
                files[mountPath] = single;
                continue;
            }
            if (subPath.Length > 0 && tokens.TryGetValue(subPath, out var singleToken))
            {
                generated[mountPath] = singleToken;
                continue;
            }
            var prefix = subPath.Length > 0 ? subPath + "/" : "";
            directories.Add(mountPath);
            foreach (var (path, text) in content)
            {
                if (path.StartsWith(prefix, StringComparison.Ordinal))
                {
                    files[mountPath.TrimEnd('/') + "/" + path[prefix.Length..]] = text;
                }
            }
            foreach (var (path, file) in tokens)
            {
                if (path.StartsWith(prefix, StringComparison.Ordinal))
                {
                    generated[mountPath.TrimEnd('/') + "/" + path[prefix.Length..]] = file;
                }
            }
        }
        return (files, generated, directories);
    }

    /// <summary>True when the pod mounts a ConfigMap or Secret volume whose content follows the object (no <c>subPath</c>).</summary>
    public static bool FollowsSources(KubeObject pod)
    {
        var followed = JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "volumes"))
            .Where(v => v["configMap"] is not null || v["secret"] is not null)
            .Select(v => JsonTree.GetString(v, "name"))
            .ToHashSet(StringComparer.Ordinal);
        var view = new PodView(pod);
        return followed.Count > 0 && view.InitContainers.Concat(view.Containers)
            .SelectMany(c => JsonTree.Objects(c.Json["volumeMounts"] as JsonArray))
            .Any(m => followed.Contains(JsonTree.GetString(m, "name")) && string.IsNullOrEmpty(JsonTree.GetString(m, "subPath")));
    }

    /// <summary>The volume's files, by path relative to its root.</summary>
    private static Dictionary<string, string> Content(JsonObject volume, ContainerView container, KubeObject pod, PodConfigSources sources, NodeOptions? node)
    {
        var content = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (source, items, _) in PodConfigSources.VolumeSources(volume))
        {
            if (sources.Data(source) is not { } data)
            {
                continue;
            }
            if (items is null)
            {
                foreach (var (key, value) in data)
                {
                    content[key] = value;
                }
                continue;
            }
            foreach (var item in JsonTree.Objects(items))
            {
                if (data.TryGetValue(JsonTree.GetString(item, "key") ?? "", out var value))
                {
                    content[(JsonTree.GetString(item, "path") ?? "").Trim('/')] = value;
                }
            }
        }
        var downward = JsonTree.GetArray(volume, "downwardAPI", "items") is { } direct
            ? JsonTree.Objects(direct)
            : JsonTree.Objects(JsonTree.GetArray(volume, "projected", "sources")).SelectMany(s => JsonTree.Objects(JsonTree.GetArray(s, "downwardAPI", "items")));
        foreach (var item in downward)
        {
            var path = (JsonTree.GetString(item, "path") ?? "").Trim('/');
            var value = JsonTree.GetString(item, "fieldRef", "fieldPath") switch
            {
                "metadata.labels" => Lines(pod.Labels),
                "metadata.annotations" => Lines(pod.Annotations),
                { } field => PodWorker.DownwardValue(pod, field),
                null => item["resourceFieldRef"] is JsonObject resource ? PodWorker.DownwardResource(resource, container, pod, node) : null,
            };
            if (path.Length > 0 && value is not null)
            {
                content[path] = value;
            }
        }
        return content;
    }

    /// <summary>The downward API's format of a map: <c>key="value"</c> lines in key order, values quoted as Go's <c>%q</c>.</summary>
    private static string Lines(IReadOnlyDictionary<string, string> map) =>
        string.Join('\n', map.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={Quote(e.Value)}"));

    private static string Quote(string value)
    {
        var quoted = new System.Text.StringBuilder("\"");
        foreach (var c in value)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ => c.ToString(),
            });
        }
        return quoted.Append('"').ToString();
    }
}
