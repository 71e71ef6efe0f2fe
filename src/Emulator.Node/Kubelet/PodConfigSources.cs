using System.Text;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.Node.Kubelet;

/// <summary>A ConfigMap or Secret of the pod's namespace that the pod refers to.</summary>
/// <param name="Kind"><c>configmap</c> or <c>secret</c>, as the kubelet's managers name them in their errors.</param>
/// <param name="Name">The object's name.</param>
public readonly record struct ConfigSource(string Kind, string Name)
{
    /// <summary>The kubelet's error for an absent one: <c>configmap "x" not found</c>.</summary>
    public string NotFound => $"{Kind} \"{Name}\" not found";

    /// <summary>A ConfigMap.</summary>
    public static ConfigSource ConfigMap(string name) => new("configmap", name);

    /// <summary>A Secret.</summary>
    public static ConfigSource Secret(string name) => new("secret", name);

    /// <summary>A ServiceAccount (a projected token names it).</summary>
    public static ConfigSource ServiceAccount(string name) => new("serviceaccount", name);

    /// <summary>The resource it is read from.</summary>
    public string Resource => Kind + "s";
}

/// <summary>
/// The ConfigMaps and Secrets one pod refers to, as the kubelet last read them: <c>env[].valueFrom.configMapKeyRef</c>
/// and <c>secretKeyRef</c>, <c>envFrom</c>, and the <c>configMap</c>, <c>secret</c> and <c>projected</c> volumes. A
/// present one holds its data (a Secret's values and a ConfigMap's <c>binaryData</c> decoded), an absent one nothing.
/// </summary>
public sealed class PodConfigSources
{
    private readonly Dictionary<ConfigSource, IReadOnlyDictionary<string, string>?> _data = [];
    private readonly Dictionary<ConfigSource, string> _uids = [];

    /// <summary>No sources read.</summary>
    public static PodConfigSources Empty => new();

    /// <summary>True once every reference has been read (present or absent).</summary>
    public bool Covers(IEnumerable<ConfigSource> references) => references.All(_data.ContainsKey);

    /// <summary>Records what the store holds for <paramref name="source"/> (null: not found).</summary>
    public void Set(ConfigSource source, KubeObject? obj)
    {
        _data[source] = obj is null ? null : DataOf(source, obj);
        _uids[source] = obj?.Uid ?? "";
    }

    /// <summary>The uid of <paramref name="source"/> as read, or null when it does not exist.</summary>
    public string? Uid(ConfigSource source) => _data.GetValueOrDefault(source) is null ? null : _uids.GetValueOrDefault(source);

    /// <summary>The data of <paramref name="source"/>, or null when it does not exist (or was not read).</summary>
    public IReadOnlyDictionary<string, string>? Data(ConfigSource source) => _data.GetValueOrDefault(source);

    /// <summary>
    /// Every ConfigMap and Secret the pod refers to, in the order they first appear; with <paramref name="tokens"/>, the
    /// pod's ServiceAccount too when a projected volume asks for its token.
    /// </summary>
    public static IReadOnlyList<ConfigSource> References(KubeObject pod, bool tokens = false)
    {
        var found = new List<ConfigSource>();
        void Add(ConfigSource source)
        {
            if (source.Name.Length > 0 && !found.Contains(source))
            {
                found.Add(source);
            }
        }
        foreach (var container in Containers(pod))
        {
            foreach (var from in JsonTree.Objects(container["envFrom"] as JsonArray))
            {
                if (JsonTree.GetString(from, "configMapRef", "name") is { } map)
                {
                    Add(ConfigSource.ConfigMap(map));
                }
                if (JsonTree.GetString(from, "secretRef", "name") is { } secret)
                {
                    Add(ConfigSource.Secret(secret));
                }
            }
            foreach (var entry in JsonTree.Objects(container["env"] as JsonArray))
            {
                if (JsonTree.GetString(entry, "valueFrom", "configMapKeyRef", "name") is { } map)
                {
                    Add(ConfigSource.ConfigMap(map));
                }
                if (JsonTree.GetString(entry, "valueFrom", "secretKeyRef", "name") is { } secret)
                {
                    Add(ConfigSource.Secret(secret));
                }
            }
        }
        foreach (var volume in JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "volumes")))
        {
            foreach (var (source, _, _) in VolumeSources(volume))
            {
                Add(source);
            }
            if (tokens && TokenSources(volume).Any())
            {
                Add(ServiceAccountOf(pod));
            }
        }
        return found;
    }

    /// <summary>
    /// The ConfigMap and Secret sources of one volume: a <c>configMap</c> or <c>secret</c> volume, or the
    /// <c>configMap</c> and <c>secret</c> sources of a <c>projected</c> one, each with its <c>items</c> and
    /// <c>optional</c>.
    /// </summary>
    internal static IEnumerable<(ConfigSource Source, JsonArray? Items, bool Optional)> VolumeSources(JsonObject volume)
    {
        if (volume["configMap"] is JsonObject map)
        {
            yield return (ConfigSource.ConfigMap(JsonTree.GetString(map, "name") ?? ""), map["items"] as JsonArray, JsonTree.GetBool(map, "optional") == true);
        }
        if (volume["secret"] is JsonObject secret)
        {
            yield return (ConfigSource.Secret(JsonTree.GetString(secret, "secretName") ?? ""), secret["items"] as JsonArray, JsonTree.GetBool(secret, "optional") == true);
        }
        foreach (var projection in JsonTree.Objects(JsonTree.GetArray(volume, "projected", "sources")))
        {
            if (projection["configMap"] is JsonObject projectedMap)
            {
                yield return (ConfigSource.ConfigMap(JsonTree.GetString(projectedMap, "name") ?? ""), projectedMap["items"] as JsonArray, JsonTree.GetBool(projectedMap, "optional") == true);
            }
            if (projection["secret"] is JsonObject projectedSecret)
            {
                yield return (ConfigSource.Secret(JsonTree.GetString(projectedSecret, "name") ?? ""), projectedSecret["items"] as JsonArray, JsonTree.GetBool(projectedSecret, "optional") == true);
            }
        }
    }

    /// <summary>The <c>serviceAccountToken</c> sources of a projected volume.</summary>
    internal static IEnumerable<JsonObject> TokenSources(JsonObject volume) =>
        JsonTree.Objects(JsonTree.GetArray(volume, "projected", "sources")).Select(s => s["serviceAccountToken"] as JsonObject).OfType<JsonObject>();

    /// <summary>The pod's service account (<c>default</c> when it names none).</summary>
    internal static ConfigSource ServiceAccountOf(KubeObject pod) =>
        ConfigSource.ServiceAccount(JsonTree.GetString(pod.Document, "spec", "serviceAccountName") is { Length: > 0 } name ? name : "default");

    /// <summary>
    /// Why the pod's volumes cannot be set up now, as the volume manager's <c>FailedMount</c> event says it
    /// (<c>MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found</c>), or null when they can: a
    /// missing object or item key fails unless the source is <c>optional</c>.
    /// </summary>
    public string? MountError(KubeObject pod)
    {
        foreach (var volume in JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "volumes")))
        {
            var name = JsonTree.GetString(volume, "name") ?? "";
            if (_data.ContainsKey(ServiceAccountOf(pod)) && TokenSources(volume).Any() && Data(ServiceAccountOf(pod)) is null)
            {
                // The kubelet's token manager asks for a token of a service account that does not exist.
                return $"MountVolume.SetUp failed for volume \"{name}\" : failed to fetch token: serviceaccounts \"{ServiceAccountOf(pod).Name}\" not found";
            }
            foreach (var (source, items, optional) in VolumeSources(volume))
            {
                if (optional)
                {
                    continue;
                }
                if (Data(source) is not { } data)
                {
                    return $"MountVolume.SetUp failed for volume \"{name}\" : {source.NotFound}";
                }
                foreach (var item in JsonTree.Objects(items))
                {
                    var key = JsonTree.GetString(item, "key") ?? "";
                    if (!data.ContainsKey(key))
                    {
                        // The configmap and secret volume plugins' wording.
                        var what = source.Kind == "secret" ? "references non-existent secret key" : "configmap references non-existent config key";
                        return $"MountVolume.SetUp failed for volume \"{name}\" : {what}: {key}";
                    }
                }
            }
        }
        return null;
    }

    private static IEnumerable<JsonObject> Containers(KubeObject pod) =>
        new[] { "initContainers", "containers", "ephemeralContainers" }.SelectMany(field => JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", field)));

    private static Dictionary<string, string> DataOf(ConfigSource source, KubeObject obj)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        if (source.Kind == "serviceaccount")
        {
            return data;
        }
        if (source.Kind == "secret")
        {
            foreach (var (key, value) in JsonTree.StringMap(JsonTree.Get(obj.Document, "data")))
            {
                data[key] = Decode(value);
            }
            return data;
        }
        foreach (var (key, value) in JsonTree.StringMap(JsonTree.Get(obj.Document, "data")))
        {
            data[key] = value;
        }
        foreach (var (key, value) in JsonTree.StringMap(JsonTree.Get(obj.Document, "binaryData")))
        {
            data[key] = Decode(value);
        }
        return data;
    }

    private static string Decode(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            // Validation refuses data that is not base64; an object stored before that rule keeps its text.
            return base64;
        }
    }
}
