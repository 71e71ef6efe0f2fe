using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;
using Emulator.Node.Hosting;
using Emulator.Node.Network.Dns;

namespace Emulator.Node.Kubelet;

public sealed partial class PodWorker
{
    /// <summary>
    /// A container's environment as the kubelet and the runtime build it (<c>makeEnvironmentVariables</c>):
    /// <c>HOSTNAME</c> (the pod's hostname: <c>spec.hostname</c>, else the pod name), then the keys of the
    /// <c>envFrom</c> ConfigMaps and Secrets (with their <c>prefix</c>; keys that are no valid variable names are
    /// skipped), then <c>env</c> in order — literal values with <c>$(VAR)</c> references expanded, <c>fieldRef</c>
    /// (the downward API: <c>metadata.name</c>, <c>metadata.namespace</c>, <c>metadata.uid</c>,
    /// <c>metadata.labels['k']</c>, <c>metadata.annotations['k']</c>, <c>spec.nodeName</c>,
    /// <c>spec.serviceAccountName</c>, <c>status.hostIP</c>, <c>status.podIP</c>, <c>status.podIPs</c>),
    /// <c>resourceFieldRef</c> (limits and requests; a limit not set is the node's allocatable), <c>configMapKeyRef</c>
    /// and <c>secretKeyRef</c> from <paramref name="sources"/> — then the Service variables the kubelet adds for the
    /// <paramref name="services"/> of the pod's namespace that exist at container start (when <c>enableServiceLinks</c>,
    /// the default) and for <c>default/kubernetes</c> always: <c>WEB_SERVICE_HOST</c>, <c>WEB_SERVICE_PORT</c>,
    /// <c>WEB_PORT_80_TCP_ADDR</c>, … — a variable the container sets itself wins. A ConfigMap, Secret or key that is
    /// missing and not <c>optional</c> is the kubelet's error (<c>configmap "x" not found</c>, <c>couldn't find key k in
    /// ConfigMap ns/x</c>): the container cannot be created (<c>CreateContainerConfigError</c>).
    /// </summary>
    internal static (IReadOnlyList<KeyValuePair<string, string>> Env, string? Error) Environment(ContainerView container, KubeObject pod, PodConfigSources? sources = null,
        IReadOnlyList<ServiceLink>? services = null, ServiceLink? kubernetes = null, NodeOptions? node = null)
    {
        sources ??= PodConfigSources.Empty;
        var env = new EnvironmentList();
        env.Set("HOSTNAME", Hostname(pod));
        string? error = null;
        foreach (var from in JsonTree.Objects(container.Json["envFrom"] as JsonArray))
        {
            var prefix = JsonTree.GetString(from, "prefix") ?? "";
            var reference = from["configMapRef"] as JsonObject ?? from["secretRef"] as JsonObject;
            if (reference is null)
            {
                continue;
            }
            var source = from["configMapRef"] is not null ? ConfigSource.ConfigMap(JsonTree.GetString(reference, "name") ?? "") : ConfigSource.Secret(JsonTree.GetString(reference, "name") ?? "");
            if (sources.Data(source) is not { } data)
            {
                error ??= JsonTree.GetBool(reference, "optional") == true ? null : source.NotFound;
                continue;
            }
            foreach (var (key, value) in data.OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                if (IsEnvVarName(prefix + key))
                {
                    env.Set(prefix + key, value);
                }
            }
        }
        var linked = new SortedDictionary<string, ServiceLink>(StringComparer.Ordinal);
        if (kubernetes is not null)
        {
            linked[kubernetes.Name] = kubernetes;
        }
        if (JsonTree.GetBool(pod.Document, "spec", "enableServiceLinks") != false)
        {
            foreach (var service in services ?? [])
            {
                linked[service.Name] = service;
            }
        }
        var serviceEnv = linked.Values.SelectMany(ServiceVariables).GroupBy(v => v.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        foreach (var entry in JsonTree.Objects(container.Json["env"] as JsonArray))
        {
            var name = JsonTree.GetString(entry, "name") ?? "";
            if (entry["valueFrom"] is not JsonObject from)
            {
                env.Set(name, Expand(JsonTree.GetString(entry, "value") ?? "", v => env.Get(v) ?? serviceEnv.GetValueOrDefault(v)));
                continue;
            }
            var (value, failure) = ValueFrom(from, container, pod, sources, node);
            error ??= failure;
            if (value is not null)
            {
                env.Set(name, value);
            }
        }
        foreach (var (name, value) in linked.Values.SelectMany(ServiceVariables))
        {
            if (env.Get(name) is null)
            {
                env.Set(name, value);
            }
        }
        return (env.Items, error);
    }

    /// <summary>One <c>valueFrom</c>: its value (null: left out) and the error that stops the container, if any.</summary>
    private static (string? Value, string? Error) ValueFrom(JsonObject from, ContainerView container, KubeObject pod, PodConfigSources sources, NodeOptions? node)
    {
        if (JsonTree.GetString(from, "fieldRef", "fieldPath") is { } path)
        {
            return (DownwardValue(pod, path), null);
        }
        if (from["resourceFieldRef"] is JsonObject resource)
        {
            return (DownwardResource(resource, container, pod, node), null);
        }
        var (reference, source) = from["configMapKeyRef"] is JsonObject map
            ? (map, ConfigSource.ConfigMap(JsonTree.GetString(map, "name") ?? ""))
            : from["secretKeyRef"] is JsonObject secret ? (secret, ConfigSource.Secret(JsonTree.GetString(secret, "name") ?? "")) : (null, default);
        if (reference is null)
        {
            return (null, null);
        }
        var optional = JsonTree.GetBool(reference, "optional") == true;
        var key = JsonTree.GetString(reference, "key") ?? "";
        if (sources.Data(source) is not { } data)
        {
            return (null, optional ? null : source.NotFound);
        }
        if (data.TryGetValue(key, out var value))
        {
            return (value, null);
        }
        var kind = source.Kind == "secret" ? "Secret" : "ConfigMap";
        return (null, optional ? null : $"couldn't find key {key} in {kind} {pod.Namespace}/{source.Name}");
    }

    /// <summary>
    /// A container resource through the downward API: the limit (or request) in units of the divisor, rounded up; a
    /// limit the container does not set is the node's allocatable, as the kubelet defaults it.
    /// </summary>
    internal static string? DownwardResource(JsonObject selector, ContainerView container, KubeObject pod, NodeOptions? node)
    {
        var resource = JsonTree.GetString(selector, "resource") ?? "";
        if (JsonTree.GetString(selector, "containerName") is { Length: > 0 } other)
        {
            var view = new PodView(pod);
            container = view.InitContainers.Concat(view.Containers).FirstOrDefault(c => c.Name == other, container);
        }
        var dot = resource.IndexOf('.');
        if (dot < 0)
        {
            return null;
        }
        var (kind, name) = (resource[..dot], resource[(dot + 1)..]);
        var amounts = kind == "requests" ? container.Requests : container.Limits;
        if (!amounts.TryGetValue(name, out var amount))
        {
            var allocatable = name switch
            {
                "cpu" => node?.Cpu,
                "memory" => node?.Memory,
                _ => null,
            };
            // A request not set is zero; a limit not set is what the node can give.
            amount = kind == "requests" || allocatable is null ? Quantity.Parse("0") : Quantity.Parse(allocatable);
        }
        var divisor = Quantity.TryParse(JsonTree.GetString(selector, "divisor"), out var parsed) && parsed.Nanos > 0 ? parsed : Quantity.Parse("1");
        var units = (amount.Nanos + divisor.Nanos - 1) / divisor.Nanos;
        return units.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Kubernetes' <c>$(VAR)</c> expansion (<c>third_party/forked/golang/expansion</c>): a defined variable is
    /// replaced, an undefined one left as written, <c>$$</c> is a literal <c>$</c>.
    /// </summary>
    internal static string Expand(string text, Func<string, string?> lookup)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }
        var result = new System.Text.StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '$' || i + 1 >= text.Length)
            {
                result.Append(text[i]);
                continue;
            }
            var next = text[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i++;
            }
            else if (next == '(' && text.IndexOf(')', i + 2) is var close and > 0)
            {
                var name = text[(i + 2)..close];
                result.Append(lookup(name) ?? $"$({name})");
                i = close;
            }
            else
            {
                result.Append('$');
            }
        }
        return result.ToString();
    }

    /// <summary>Kubernetes' <c>IsEnvVarName</c>: letters, digits, <c>_</c>, <c>-</c>, <c>.</c>, not starting with a digit.</summary>
    private static bool IsEnvVarName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    /// <summary>Variables in the order they were first set, a later value replacing an earlier one in place.</summary>
    private sealed class EnvironmentList
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

        public List<KeyValuePair<string, string>> Items { get; } = [];

        public string? Get(string name) => _index.TryGetValue(name, out var i) ? Items[i].Value : null;

        public void Set(string name, string value)
        {
            if (_index.TryGetValue(name, out var i))
            {
                Items[i] = KeyValuePair.Create(name, value);
                return;
            }
            _index[name] = Items.Count;
            Items.Add(KeyValuePair.Create(name, value));
        }
    }

    /// <summary>The docker-links-style variables of one Service (Kubernetes' <c>envvars.FromServices</c>).</summary>
    internal static IEnumerable<KeyValuePair<string, string>> ServiceVariables(ServiceLink service)
    {
        if (service.Ports.Count == 0)
        {
            yield break;
        }
        var prefix = service.Name.ToUpperInvariant().Replace('-', '_');
        var ip = service.ClusterIp;
        yield return KeyValuePair.Create($"{prefix}_SERVICE_HOST", ip);
        yield return KeyValuePair.Create($"{prefix}_SERVICE_PORT", service.Ports[0].Port.ToString(CultureInfo.InvariantCulture));
        foreach (var port in service.Ports.Where(p => p.Name.Length > 0))
        {
            yield return KeyValuePair.Create($"{prefix}_SERVICE_PORT_{port.Name.ToUpperInvariant().Replace('-', '_')}", port.Port.ToString(CultureInfo.InvariantCulture));
        }
        var first = service.Ports[0];
        var host = ip.Contains(':') ? $"[{ip}]" : ip;
        yield return KeyValuePair.Create($"{prefix}_PORT", $"{first.Protocol.ToLowerInvariant()}://{host}:{first.Port}");
        foreach (var port in service.Ports)
        {
            var protocol = port.Protocol.ToUpperInvariant();
            var name = $"{prefix}_PORT_{port.Port}_{protocol}";
            yield return KeyValuePair.Create(name, $"{protocol.ToLowerInvariant()}://{host}:{port.Port}");
            yield return KeyValuePair.Create(name + "_PROTO", protocol.ToLowerInvariant());
            yield return KeyValuePair.Create(name + "_PORT", port.Port.ToString(CultureInfo.InvariantCulture));
            yield return KeyValuePair.Create(name + "_ADDR", ip);
        }
    }

    /// <summary>The pod's hostname: <c>spec.hostname</c>, else its name cut to 63 characters.</summary>
    internal static string Hostname(KubeObject pod)
    {
        if (JsonTree.GetString(pod.Document, "spec", "hostname") is { Length: > 0 } hostname)
        {
            return hostname;
        }
        var name = pod.Name ?? "";
        return name.Length > 63 ? name[..63].TrimEnd('-', '.') : name;
    }

    /// <summary>A pod field through the downward API (<c>fieldRef.fieldPath</c>), or null for a path it does not serve.</summary>
    internal static string? DownwardValue(KubeObject pod, string path)
    {
        if (TryMapKey(path, "metadata.labels", out var label))
        {
            return pod.Labels.GetValueOrDefault(label) ?? "";
        }
        if (TryMapKey(path, "metadata.annotations", out var annotation))
        {
            return pod.Annotations.GetValueOrDefault(annotation) ?? "";
        }
        return path switch
        {
            "metadata.name" => pod.Name ?? "",
            "metadata.namespace" => pod.Namespace ?? "",
            "metadata.uid" => pod.Uid ?? "",
            "spec.nodeName" => JsonTree.GetString(pod.Document, "spec", "nodeName") ?? "",
            "spec.serviceAccountName" => JsonTree.GetString(pod.Document, "spec", "serviceAccountName") ?? "",
            "status.hostIP" => JsonTree.GetString(pod.Document, "status", "hostIP") ?? "",
            "status.podIP" => JsonTree.GetString(pod.Document, "status", "podIP") ?? "",
            "status.podIPs" => string.Join(',', JsonTree.Objects(JsonTree.GetArray(pod.Document, "status", "podIPs")).Select(ip => JsonTree.GetString(ip, "ip"))),
            _ => null,
        };
    }

    /// <summary>Parses <c>prefix['key']</c> (or <c>prefix["key"]</c>).</summary>
    private static bool TryMapKey(string path, string prefix, out string key)
    {
        key = "";
        if (!path.StartsWith(prefix + "[", StringComparison.Ordinal) || !path.EndsWith(']'))
        {
            return false;
        }
        var inner = path[(prefix.Length + 1)..^1];
        if (inner.Length < 2 || inner[0] != inner[^1] || inner[0] is not ('\'' or '"'))
        {
            return false;
        }
        key = inner[1..^1];
        return true;
    }
}
