using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Nodes;
using Emulator.Kubernetes;
using Emulator.Node.Containers.Network;
using Emulator.Node.Network;

namespace Emulator.Node.Kubelet;

public sealed partial class PodWorker
{
    private readonly Dictionary<string, EmulatedServer?> _servers = new(StringComparer.Ordinal);
    private PodListeners? _published;

    /// <summary>The server a container's process is (computed once per container), or null when it does not serve.</summary>
    private EmulatedServer? ServerOf(Container c)
    {
        if (!_servers.TryGetValue(c.Name, out var server))
        {
            server = EmulatedServer.Of(c.Spec, c.Script, c.Env, _record.PodIp);
            if (c.Script.PendingAt is null)
            {
                // A process still short of a network command may yet become a server: asked again once it is known.
                _servers[c.Name] = server;
            }
        }
        return server;
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        if (_published is not null)
        {
            ClusterNetwork.Get(Context.System).RemoveListeners(_record.PodIp, _published);
        }
        base.PostStop();
    }

    /// <summary>Tells the cluster network what listens at the pod's address now (pods and Services dial it).</summary>
    private void PublishListeners()
    {
        var listeners = PodListeners.Of(Namespace, PodName, _node.Name,
            All.Where(c => c.Current is { IsRunning: true }).Select(ServerOf).OfType<EmulatedServer>());
        _published = listeners.Servers.Count == 0 ? null : listeners;
        ClusterNetwork.Get(Context.System).SetListeners(_record.PodIp, _published);
    }

    /// <summary>The server listening on <paramref name="port"/> in the pod's network namespace (any running container of the pod), or null.</summary>
    private EmulatedServer? ListenerOn(int port) =>
        All.Where(c => c.Current is { IsRunning: true }).Select(ServerOf).FirstOrDefault(s => s is not null && s.Ports.Contains(port));

    /// <summary>
    /// Opens a connection to localhost:PORT inside the pod, as the kubelet's port-forward dials it: the server listening
    /// there gets a <see cref="ServerConnection"/>; nothing listening is a refused dial, worded as containerd words it.
    /// </summary>
    private void OnOpenConnection(OpenPodConnection open)
    {
        if (!All.Any(c => c.Current is { IsRunning: true }))
        {
            open.Client.Tell(new PodConnectionRefused(open.ConnectionId, PodConnectionRefusal.PodNotRunning,
                $"pod {PodName}_{Namespace}({_record.PodUid}) has no running container"), Self);
            return;
        }
        if (ListenerOn(open.Port) is not { } server)
        {
            var sandbox = Hash($"sandbox/{_record.PodUid}");
            var netns = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(_record.PodUid))[..16]);
            open.Client.Tell(new PodConnectionRefused(open.ConnectionId, PodConnectionRefusal.ConnectionRefused,
                $"error forwarding port {open.Port} to pod {sandbox}, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-{netns}\": " +
                $"failed to connect to localhost:{open.Port} inside namespace \"{sandbox}\", IPv4: dial tcp4 127.0.0.1:{open.Port}: connect: connection refused " +
                $"IPv6 dial tcp6 [::1]:{open.Port}: connect: connection refused "), Self);
            return;
        }
        var connection = Context.ActorOf(Props.Create(() => new ServerConnection(server, open.Port, open.ConnectionId, open.Client, open.SourceAddress)));
        open.Client.Tell(new PodConnectionOpened(open.ConnectionId, connection), Self);
    }

    /// <summary>
    /// The outcome of a probe, and the kubelet's failure text. The annotation
    /// <c>emulator.k8s.io/probe-&lt;container&gt;-&lt;kind&gt;</c> (<c>fail</c> or <c>pass</c>) decides when set;
    /// otherwise <c>httpGet</c> and <c>tcpSocket</c> probes dial the pod's emulated servers (a port nothing listens on is
    /// refused; an HTTP status outside 200–399 fails), and <c>exec</c> and <c>grpc</c> probes pass.
    /// </summary>
    private (bool Passes, string Failure) ProbeOutcome(Container c, string kind, JsonObject probe)
    {
        var shortKind = kind[..^"Probe".Length];
        switch (_pod.Annotations.GetValueOrDefault($"{AnnotationPrefix}probe-{c.Name}-{shortKind}"))
        {
            case "fail":
                return (false, FailureText(probe));
            case "pass":
                return (true, "");
        }
        if (EmulatedServer.ProbePort(c.Spec, probe) is not { } port)
        {
            return (true, "");
        }
        var host = JsonTree.GetString(probe, "httpGet", "host") ?? _record.PodIp;
        var server = ListenerOn(port);
        if (probe["tcpSocket"] is JsonObject)
        {
            return server is null ? (false, $"dial tcp {host}:{port}: connect: connection refused") : (true, "");
        }
        var scheme = (JsonTree.GetString(probe, "httpGet", "scheme") ?? "HTTP").ToLowerInvariant();
        var path = JsonTree.GetString(probe, "httpGet", "path") ?? "/";
        path = path.StartsWith('/') ? path : "/" + path;
        if (server is null)
        {
            return (false, $"Get \"{scheme}://{host}:{port}{path}\": dial tcp {host}:{port}: connect: connection refused");
        }
        var headers = new List<KeyValuePair<string, string>> { KeyValuePair.Create("Host", $"{host}:{port}"), KeyValuePair.Create("User-Agent", "kube-probe/1.33"), KeyValuePair.Create("Accept", "*/*") };
        foreach (var header in JsonTree.Objects(JsonTree.GetArray(probe, "httpGet", "httpHeaders")))
        {
            headers.Add(KeyValuePair.Create(JsonTree.GetString(header, "name") ?? "", JsonTree.GetString(header, "value") ?? ""));
        }
        var answer = server.Answer(new HttpRequest("GET", path, "HTTP/1.1", headers, []), _node.InternalIp, port);
        return answer.Status is >= 200 and < 400 ? (true, "") : (false, $"HTTP probe failed with statuscode: {answer.Status}");
    }
}
