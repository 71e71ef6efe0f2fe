using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;
using Emulator.Node.Network.Dns;

namespace Emulator.Node.Kubelet;

public sealed partial class PodWorker
{
    /// <summary>
    /// A container's environment as the kubelet and the runtime build it: <c>HOSTNAME</c> (the pod's hostname:
    /// <c>spec.hostname</c>, else the pod name), then <c>env</c> in order — literal values, and <c>valueFrom.fieldRef</c>
    /// resolved from the pod (the downward API: <c>metadata.name</c>, <c>metadata.namespace</c>, <c>metadata.uid</c>,
    /// <c>metadata.labels['k']</c>, <c>metadata.annotations['k']</c>, <c>spec.nodeName</c>,
    /// <c>spec.serviceAccountName</c>, <c>status.hostIP</c>, <c>status.podIP</c>). Other sources (secrets, config maps,
    /// resources) are not emulated and leave the variable out. Then the Service variables the kubelet adds for the
    /// <paramref name="services"/> of the pod's namespace that exist at container start (when <c>enableServiceLinks</c>,
    /// the default) and for <c>default/kubernetes</c> always: <c>WEB_SERVICE_HOST</c>, <c>WEB_SERVICE_PORT</c>,
    /// <c>WEB_PORT_80_TCP_ADDR</c>, … — a variable the container sets itself wins.
    /// </summary>
    internal static IReadOnlyList<KeyValuePair<string, string>> Environment(ContainerView container, KubeObject pod, IReadOnlyList<ServiceLink>? services = null, ServiceLink? kubernetes = null)
    {
        var env = new List<KeyValuePair<string, string>> { KeyValuePair.Create("HOSTNAME", Hostname(pod)) };
        foreach (var entry in JsonTree.Objects(container.Json["env"] as JsonArray))
        {
            var name = JsonTree.GetString(entry, "name") ?? "";
            if (entry["valueFrom"] is not JsonObject source)
            {
                env.Add(KeyValuePair.Create(name, JsonTree.GetString(entry, "value") ?? ""));
            }
            else if (JsonTree.GetString(source, "fieldRef", "fieldPath") is { } path && FieldValue(pod, path) is { } value)
            {
                env.Add(KeyValuePair.Create(name, value));
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
        var declared = env.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, value) in linked.Values.SelectMany(ServiceVariables))
        {
            if (declared.Add(name))
            {
                env.Add(KeyValuePair.Create(name, value));
            }
        }
        return env;
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

    private static string? FieldValue(KubeObject pod, string path)
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
