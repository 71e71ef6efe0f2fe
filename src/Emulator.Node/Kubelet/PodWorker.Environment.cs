using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.Node.Kubelet;

public sealed partial class PodWorker
{
    /// <summary>
    /// A container's environment as the kubelet and the runtime build it: <c>HOSTNAME</c> (the pod's hostname:
    /// <c>spec.hostname</c>, else the pod name), then <c>env</c> in order — literal values, and <c>valueFrom.fieldRef</c>
    /// resolved from the pod (the downward API: <c>metadata.name</c>, <c>metadata.namespace</c>, <c>metadata.uid</c>,
    /// <c>metadata.labels['k']</c>, <c>metadata.annotations['k']</c>, <c>spec.nodeName</c>,
    /// <c>spec.serviceAccountName</c>, <c>status.hostIP</c>, <c>status.podIP</c>). Other sources (secrets, config maps,
    /// resources) are not emulated and leave the variable out.
    /// </summary>
    internal static IReadOnlyList<KeyValuePair<string, string>> Environment(ContainerView container, KubeObject pod)
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
        return env;
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
