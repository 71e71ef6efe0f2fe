using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Services;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Node.Containers.Network;
using Emulator.Runtime.Time;

namespace Emulator.Node.Network;

/// <summary>
/// Makes NodePort and LoadBalancer Services reachable from the host, as kube-proxy and a load balancer make them
/// reachable from outside the cluster: a TCP listener on 127.0.0.1 at each node port, and at each port of a
/// LoadBalancer Service on its ingress address when that address is one the host has (a loopback address, from a
/// pool such as <c>127.0.0.200-127.0.0.250</c>). Each HTTP request goes through the service proxy of the listeners'
/// node (external traffic policy, session affinity) to one ready endpoint pod's emulated server. An address or port
/// the host cannot give (taken, or below 1024 without the privilege) is reported as a Warning event on the Service and
/// in the log; the cluster goes on without it.
/// </summary>
public sealed class ServiceHostListeners : Controller
{
    private readonly IActorRef _events;
    private readonly ClusterNetwork _network;
    private readonly string _nodeName;
    private readonly IPAddress _address;
    private readonly Dictionary<IPEndPoint, (ObjectKey Owner, TcpListener Listener, CancellationTokenSource Stop)> _listeners = [];

    /// <summary>Creates the listeners; connections enter the cluster as if at node <paramref name="nodeName"/>, node ports on <paramref name="address"/> (127.0.0.1 by default).</summary>
    public ServiceHostListeners(IActorRef store, IActorRef watchHub, IActorRef events, string nodeName = "node-1", IPAddress? address = null)
        : base(store, watchHub, [ServiceController.Services])
    {
        _events = events;
        _nodeName = nodeName;
        _address = address ?? IPAddress.Loopback;
        _network = ClusterNetwork.Get(Context.System);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        foreach (var (_, listener, stop) in _listeners.Values)
        {
            stop.Cancel();
            listener.Stop();
        }
        base.PostStop();
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        var service = Cache(ServiceController.Services).Get(key.Namespace, key.Name)?.Object;
        var wanted = service is null ? [] : Wanted(service.Document);
        foreach (var (endpoint, entry) in _listeners.Where(l => l.Value.Owner == key && !wanted.ContainsKey(l.Key)).ToList())
        {
            entry.Stop.Cancel();
            entry.Listener.Stop();
            _listeners.Remove(endpoint);
        }
        foreach (var (endpoint, loadBalancer) in wanted.Where(w => !_listeners.ContainsKey(w.Key)))
        {
            var listener = new TcpListener(endpoint);
            try
            {
                listener.Start();
            }
            catch (SocketException error)
            {
                var what = loadBalancer ? "load-balancer address" : "node port";
                var message = $"cannot listen on {endpoint} for {what} of service {key.Namespace}/{key.Name}: {error.Message}";
                Log.Warning(message);
                _events.Tell(new RecordEvent(InvolvedObject.Of(service!), "Warning", loadBalancer ? "LoadBalancerListenFailed" : "NodePortListenFailed", message, "kube-proxy", _nodeName), Self);
                continue;
            }
            var stop = new CancellationTokenSource();
            _listeners[endpoint] = (key, listener, stop);
            Func<string, (EmulatedServer Server, int Port)?> route = loadBalancer
                ? clientIp => _network.DialExternal(_nodeName, endpoint.Address.ToString(), endpoint.Port, clientIp)
                : clientIp => _network.DialNodePort(_nodeName, endpoint.Port, clientIp);
            _ = Accept(listener, route, stop.Token);
        }
    }

    /// <summary>Where the host should listen for <paramref name="service"/>, each with whether it is a load-balancer address (else a node port).</summary>
    private Dictionary<IPEndPoint, bool> Wanted(JsonObject service)
    {
        var wanted = new Dictionary<IPEndPoint, bool>();
        var type = JsonTree.GetString(service, "spec", "type");
        if (type is not ("NodePort" or "LoadBalancer"))
        {
            return wanted;
        }
        var ports = JsonTree.Objects(JsonTree.GetArray(service, "spec", "ports")).Where(p => (JsonTree.GetString(p, "protocol") ?? "TCP") == "TCP").ToList();
        foreach (var nodePort in ports.Select(p => (int)(JsonTree.GetInt(p, "nodePort") ?? 0)).Where(p => p > 0))
        {
            wanted[new IPEndPoint(_address, nodePort)] = false;
        }
        if (type == "LoadBalancer")
        {
            var addresses = JsonTree.Objects(JsonTree.GetArray(service, "status", "loadBalancer", "ingress"))
                .Select(i => IPAddress.TryParse(JsonTree.GetString(i, "ip") ?? "", out var ip) ? ip : null)
                .OfType<IPAddress>().Where(IPAddress.IsLoopback);
            foreach (var address in addresses)
            {
                foreach (var port in ports.Select(p => (int)(JsonTree.GetInt(p, "port") ?? 0)).Where(p => p is > 0 and < 65536))
                {
                    wanted.TryAdd(new IPEndPoint(address, port), true);
                }
            }
        }
        return wanted;
    }

    private static async Task Accept(TcpListener listener, Func<string, (EmulatedServer Server, int Port)?> route, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Serve(client, route, stop);
        }
    }

    /// <summary>One host connection: each HTTP request on it goes to the endpoint the proxy picks for the connection.</summary>
    private static async Task Serve(TcpClient client, Func<string, (EmulatedServer Server, int Port)?> route, CancellationToken stop)
    {
        using var _ = client;
        var clientIp = ((IPEndPoint)client.Client.RemoteEndPoint!).Address.ToString();
        var stream = client.GetStream();
        var buffer = Array.Empty<byte>();
        var chunk = new byte[16 * 1024];
        (EmulatedServer Server, int Port)? target = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var read = await stream.ReadAsync(chunk, stop);
                if (read == 0)
                {
                    return;
                }
                buffer = [.. buffer, .. chunk.AsSpan(0, read)];
                while (true)
                {
                    var (request, consumed) = HttpRequest.TryParse(buffer);
                    if (consumed == 0)
                    {
                        break;
                    }
                    target ??= route(clientIp);
                    if (target is not { } endpoint)
                    {
                        // No endpoint may take it (none ready, or none on this node under externalTrafficPolicy: Local).
                        return;
                    }
                    if (request is null)
                    {
                        await stream.WriteAsync(endpoint.Server.BadRequest().Encode(DateTimeOffset.UtcNow, keepAlive: false), stop);
                        return;
                    }
                    buffer = buffer[consumed..];
                    var answer = endpoint.Server.Answer(request, clientIp, endpoint.Port);
                    await stream.WriteAsync(answer.Encode(DateTimeOffset.UtcNow, request.KeepAlive, request.Method == "HEAD"), stop);
                    if (!request.KeepAlive)
                    {
                        return;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
