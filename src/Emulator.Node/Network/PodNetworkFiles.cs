using System.Text;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Node.Network.Dns;

namespace Emulator.Node.Network;

/// <summary>
/// The network files the kubelet and the container runtime write into a pod: <c>/etc/resolv.conf</c> for its
/// <c>dnsPolicy</c> and <c>dnsConfig</c>, and the kubelet-managed <c>/etc/hosts</c>.
/// </summary>
public static class PodNetworkFiles
{
    /// <summary>
    /// <c>/etc/resolv.conf</c> as containerd writes it from the kubelet's DNS config: <c>search</c>, then
    /// <c>nameserver</c> lines, then <c>options</c>. ClusterFirst (the default; a hostNetwork pod falls back to Default
    /// unless ClusterFirstWithHostNet): the cluster DNS, <c>&lt;ns&gt;.svc.cluster.local svc.cluster.local cluster.local</c>,
    /// <c>ndots:5</c>. Default: the node's resolver (<paramref name="nodeResolver"/>). None: <c>dnsConfig</c> alone.
    /// <c>dnsConfig</c> nameservers and searches are appended (without duplicates), its options override by name.
    /// </summary>
    public static string ResolvConf(KubeObject pod, string nodeResolver, string clusterDns = ClusterNetwork.DefaultDnsServiceIp)
    {
        var spec = pod.Document["spec"] as JsonObject;
        var policy = JsonTree.GetString(spec, "dnsPolicy") ?? "ClusterFirst";
        var hostNetwork = JsonTree.GetBool(spec, "hostNetwork") == true;
        var servers = new List<string>();
        var searches = new List<string>();
        var options = new List<(string Name, string? Value)>();
        if (policy == "ClusterFirstWithHostNet" || (policy == "ClusterFirst" && !hostNetwork))
        {
            servers.Add(clusterDns);
            var ns = pod.Namespace ?? "default";
            searches.AddRange([$"{ns}.svc.{ClusterDnsZone.Domain}", $"svc.{ClusterDnsZone.Domain}", ClusterDnsZone.Domain]);
            options.Add(("ndots", "5"));
        }
        else if (policy != "None")
        {
            servers.Add(nodeResolver);
        }
        if (spec?["dnsConfig"] is JsonObject config)
        {
            foreach (var server in (config["nameservers"] as JsonArray)?.Select(JsonTree.AsString).OfType<string>() ?? [])
            {
                if (!servers.Contains(server))
                {
                    servers.Add(server);
                }
            }
            foreach (var search in (config["searches"] as JsonArray)?.Select(JsonTree.AsString).OfType<string>() ?? [])
            {
                if (!searches.Contains(search))
                {
                    searches.Add(search);
                }
            }
            foreach (var option in JsonTree.Objects(config["options"] as JsonArray))
            {
                var name = JsonTree.GetString(option, "name") ?? "";
                var value = JsonTree.GetString(option, "value");
                var at = options.FindIndex(o => o.Name == name);
                if (at >= 0)
                {
                    options[at] = (name, value);
                }
                else
                {
                    options.Add((name, value));
                }
            }
        }
        var text = new StringBuilder();
        if (searches.Count > 0)
        {
            text.Append("search ").Append(string.Join(' ', searches)).Append('\n');
        }
        foreach (var server in servers)
        {
            text.Append("nameserver ").Append(server).Append('\n');
        }
        if (options.Count > 0)
        {
            text.Append("options ").Append(string.Join(' ', options.Select(o => o.Value is null ? o.Name : $"{o.Name}:{o.Value}"))).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// The kubelet-managed <c>/etc/hosts</c>: localhost entries, the pod's own address with its hostname (fully
    /// qualified first when it has a subdomain), then <c>hostAliases</c>.
    /// </summary>
    public static string Hosts(KubeObject pod, string podIp, string hostname)
    {
        var text = new StringBuilder();
        text.Append("# Kubernetes-managed hosts file.\n");
        text.Append("127.0.0.1\tlocalhost\n");
        text.Append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        text.Append("fe00::0\tip6-localnet\n");
        text.Append("fe00::0\tip6-mcastprefix\n");
        text.Append("fe00::1\tip6-allnodes\n");
        text.Append("fe00::2\tip6-allrouters\n");
        var subdomain = JsonTree.GetString(pod.Document, "spec", "subdomain");
        text.Append(podIp).Append('\t');
        if (subdomain is { Length: > 0 })
        {
            text.Append($"{hostname}.{subdomain}.{pod.Namespace ?? "default"}.svc.{ClusterDnsZone.Domain}\t");
        }
        text.Append(hostname).Append('\n');
        var aliases = JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "hostAliases")).ToList();
        if (aliases.Count > 0)
        {
            text.Append("\n# Entries added by HostAliases.\n");
            foreach (var alias in aliases)
            {
                var names = (alias["hostnames"] as JsonArray)?.Select(JsonTree.AsString).OfType<string>() ?? [];
                text.Append(JsonTree.GetString(alias, "ip")).Append('\t').Append(string.Join('\t', names)).Append('\n');
            }
        }
        return text.ToString();
    }
}
