using System.Net;
using System.Net.Sockets;
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
/// Makes NodePort (and LoadBalancer) Services reachable from the host: a TCP listener on 127.0.0.1 at each node port,
/// whose HTTP requests go through the service proxy (external traffic policy, session affinity) to one ready endpoint
/// pod's emulated server, as a request to a node's address would. A port the host already uses is reported as a
/// Warning event on the Service and in the log; the cluster goes on without it.
/// </summary>
public sealed class NodePortListeners : Controller
{
    private readonly IActorRef _events;
    private readonly ClusterNetwork _network;
    private readonly string _nodeName;
    private readonly IPAddress _address;
    private readonly Dictionary<int, (ObjectKey Owner, TcpListener Listener, CancellationTokenSource Stop)> _listeners = [];

    /// <summary>Creates the listeners; connections enter the cluster as if at node <paramref name="nodeName"/>.</summary>
    public NodePortListeners(IActorRef store, IActorRef watchHub, IActorRef events, string nodeName = "node-1", IPAddress? address = null)
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
        var type = service is null ? null : JsonTree.GetString(service.Document, "spec", "type");
        var wanted = type is "NodePort" or "LoadBalancer"
            ? JsonTree.Objects(JsonTree.GetArray(service!.Document, "spec", "ports"))
                .Where(p => (JsonTree.GetString(p, "protocol") ?? "TCP") == "TCP")
                .Select(p => (int)(JsonTree.GetInt(p, "nodePort") ?? 0)).Where(p => p > 0).ToHashSet()
            : [];
        foreach (var (port, entry) in _listeners.Where(l => l.Value.Owner == key && !wanted.Contains(l.Key)).ToList())
        {
            entry.Stop.Cancel();
            entry.Listener.Stop();
            _listeners.Remove(port);
        }
        foreach (var port in wanted.Where(p => !_listeners.ContainsKey(p)))
        {
            var listener = new TcpListener(_address, port);
            try
            {
                listener.Start();
            }
            catch (SocketException error)
            {
                var message = $"cannot listen on {_address}:{port} for node port of service {key.Namespace}/{key.Name}: {error.Message}";
                Log.Warning(message);
                _events.Tell(new RecordEvent(InvolvedObject.Of(service!), "Warning", "NodePortListenFailed", message, "kube-proxy", _nodeName), Self);
                continue;
            }
            var stop = new CancellationTokenSource();
            _listeners[port] = (key, listener, stop);
            _ = Accept(listener, port, stop.Token);
        }
    }

    private async Task Accept(TcpListener listener, int port, CancellationToken stop)
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
            _ = Serve(client, port, stop);
        }
    }

    /// <summary>One host connection: each HTTP request on it goes to the endpoint the proxy picks for the connection.</summary>
    private async Task Serve(TcpClient client, int nodePort, CancellationToken stop)
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
                    target ??= Route(nodePort, clientIp);
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

    private (EmulatedServer Server, int Port)? Route(int nodePort, string clientIp) => _network.DialNodePort(_nodeName, nodePort, clientIp);
}
