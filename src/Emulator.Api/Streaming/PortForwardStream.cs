using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Akka.Actor;
using Emulator.Api.Resources;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Emulator.Api.Streaming;

/// <summary>The pod a port-forward reaches, once the API server's checks passed.</summary>
internal sealed record PortForwardTarget(string NodeName, string Namespace, string Pod, string PodUid);

/// <summary>
/// <c>pods/portforward</c>, as the kubelet's port-forward server over <c>portforward.k8s.io</c> streams: each local
/// connection of kubectl is a pair of SPDY streams (<c>error</c> and <c>data</c>, same <c>port</c> and
/// <c>requestid</c>); the data stream's bytes go to an emulated TCP connection into the pod (through the kubelet, see
/// <see cref="OpenPodConnection"/>) and back. The SPDY connection is either the upgraded HTTP connection (kubectl 1.27,
/// and 1.33 falling back) or tunnelled in a WebSocket with the subprotocol <c>SPDY/3.1+portforward.k8s.io</c>
/// (kubectl 1.31+), whose binary messages carry the raw SPDY bytes.
/// </summary>
internal static class PortForwardStream
{
    /// <summary>The SPDY stream protocol of port-forward.</summary>
    public const string Protocol = "portforward.k8s.io";

    /// <summary>The WebSocket subprotocol of the tunnel.</summary>
    public const string TunnelProtocol = "SPDY/3.1+portforward.k8s.io";

    /// <summary>Serves one port-forward session, or answers why not.</summary>
    public static async Task Serve(HttpContext context, ActorSystem system, IActorRef nodes, PortForwardTarget target)
    {
        Stream transport;
        WebSocket? socket = null;
        if (context.WebSockets.IsWebSocketRequest && context.WebSockets.WebSocketRequestedProtocols.Contains(TunnelProtocol))
        {
            socket = await AcceptTunnel(context).ConfigureAwait(false);
            if (socket is null)
            {
                return;
            }
            transport = WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: false);
        }
        else if (string.Equals(context.Request.Headers.Upgrade.ToString(), "SPDY/3.1", StringComparison.OrdinalIgnoreCase)
            && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
        {
            var offered = context.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries));
            if (!offered.Contains(Protocol))
            {
                await ApiResponses.WriteStatus(context, new ApiStatus(403, "Forbidden", $"unable to upgrade: unable to negotiate protocol: client supports {string.Join(", ", offered)}, server supports [{Protocol}]")).ConfigureAwait(false);
                return;
            }
            context.Response.Headers.Connection = "Upgrade";
            context.Response.Headers.Upgrade = "SPDY/3.1";
            context.Response.Headers["X-Stream-Protocol-Version"] = Protocol;
            transport = await upgrade.UpgradeAsync().ConfigureAwait(false);
        }
        else
        {
            await ApiResponses.WriteStatus(context, ApiStatus.BadRequest("Upgrade request required")).ConfigureAwait(false);
            return;
        }
        var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        var relay = system.ActorOf(Props.Create(() => new StreamRelay(events.Writer)));
        try
        {
            await using var connection = new SpdyConnection(transport);
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            var session = new Session(connection, nodes, relay, target, gone.Token);
            var receiving = Receive(connection, events.Writer, gone.Token);
            try
            {
                await session.Run(events.Reader).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or WebSocketException or ObjectDisposedException)
            {
                // The client went away.
            }
            finally
            {
                session.CloseAll();
                await gone.CancelAsync().ConfigureAwait(false);
                await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            system.Stop(relay);
            if (socket is not null)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
                {
                }
                socket.Dispose();
            }
        }
    }

    /// <summary>
    /// Accepts the tunnel's WebSocket by hand: .NET refuses a subprotocol with a <c>/</c> in it (not an RFC 6455 token),
    /// and <c>SPDY/3.1+portforward.k8s.io</c> has one, so the handshake (RFC 6455 §4.2.2) is answered here and the
    /// upgraded connection wrapped as a server WebSocket.
    /// </summary>
    private static async Task<WebSocket?> AcceptTunnel(HttpContext context)
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true } upgrade
            || context.Request.Headers.SecWebSocketKey.ToString() is not { Length: > 0 } key)
        {
            await ApiResponses.WriteStatus(context, ApiStatus.BadRequest("Upgrade request required")).ConfigureAwait(false);
            return null;
        }
        var accept = Convert.ToBase64String(System.Security.Cryptography.SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers.SecWebSocketAccept = accept;
        context.Response.Headers.SecWebSocketProtocol = TunnelProtocol;
        var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);
        // The client pings (SPDY pings inside, and WebSocket pings); the server need not.
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
    }

    /// <summary>The client's connection ended (GOAWAY, or the transport closed).</summary>
    private sealed record ClientGone;

    /// <summary>Reads frames into the session's queue; pings are answered here, at once.</summary>
    private static async Task Receive(SpdyConnection connection, ChannelWriter<object> events, CancellationToken cancellation)
    {
        try
        {
            while (await connection.ReadFrameAsync(cancellation).ConfigureAwait(false) is { } frame)
            {
                if (frame.Type == SpdyFrameType.Ping)
                {
                    await connection.SendPingAsync(frame.Payload, cancellation).ConfigureAwait(false);
                    continue;
                }
                events.TryWrite(frame);
                if (frame.Type == SpdyFrameType.GoAway)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidDataException or WebSocketException or ObjectDisposedException)
        {
        }
        finally
        {
            events.TryWrite(new ClientGone());
        }
    }

    /// <summary>One forwarded connection: its two streams and the pod side.</summary>
    private sealed class Forward(string requestId, int port)
    {
        public string RequestId { get; } = requestId;

        public int Port { get; } = port;

        public uint? ErrorStream { get; set; }

        public uint? DataStream { get; set; }

        public IActorRef? Connection { get; set; }

        public List<byte[]> Pending { get; } = [];

        public bool ClientWriteClosed { get; set; }

        public bool DataFinished { get; set; }

        public bool Requested { get; set; }
    }

    /// <summary>The session's state, driven by one loop over the client's frames and the pod side's messages.</summary>
    private sealed class Session(SpdyConnection connection, IActorRef nodes, IActorRef relay, PortForwardTarget target, CancellationToken cancellation)
    {
        private readonly Dictionary<string, Forward> _forwards = new(StringComparer.Ordinal);

        public async Task Run(ChannelReader<object> events)
        {
            while (await events.WaitToReadAsync(cancellation).ConfigureAwait(false))
            {
                var next = await events.ReadAsync(cancellation).ConfigureAwait(false);
                switch (next)
                {
                    case SpdyFrame { Type: SpdyFrameType.SynStream } syn:
                        await OnStream(syn).ConfigureAwait(false);
                        break;
                    case SpdyFrame { Type: SpdyFrameType.Data } data:
                        OnClientData(data);
                        break;
                    case SpdyFrame { Type: SpdyFrameType.RstStream } reset:
                        if (ByStream(reset.StreamId) is { } resetForward)
                        {
                            Close(resetForward);
                        }
                        break;
                    case SpdyFrame { Type: SpdyFrameType.GoAway } or ClientGone:
                        return;
                    case PodConnectionOpened opened when _forwards.TryGetValue(opened.ConnectionId, out var forward):
                        forward.Connection = opened.Connection;
                        foreach (var pending in forward.Pending)
                        {
                            opened.Connection.Tell(new PodConnectionData(forward.RequestId, pending), relay);
                        }
                        forward.Pending.Clear();
                        if (forward.ClientWriteClosed)
                        {
                            opened.Connection.Tell(new PodConnectionWriteClosed(forward.RequestId), relay);
                        }
                        break;
                    case PodConnectionOpened stale:
                        stale.Connection.Tell(new PodConnectionClosed(stale.ConnectionId), relay);
                        break;
                    case PodConnectionRefused refused when _forwards.Remove(refused.ConnectionId, out var forward):
                        // The kubelet's dial error goes on the error stream; kubectl prints it after
                        // "an error occurred forwarding L -> R: ".
                        await FinishData(forward).ConfigureAwait(false);
                        await FinishError(forward, refused.Reason).ConfigureAwait(false);
                        break;
                    case PodConnectionData fromPod when _forwards.TryGetValue(fromPod.ConnectionId, out var forward) && forward.DataStream is { } dataStream && !forward.DataFinished:
                        await connection.SendDataAsync(dataStream, fromPod.Data, fin: false, cancellation).ConfigureAwait(false);
                        break;
                    case PodConnectionWriteClosed writeClosed when _forwards.TryGetValue(writeClosed.ConnectionId, out var forward):
                        await FinishData(forward).ConfigureAwait(false);
                        break;
                    case PodConnectionClosed closed when _forwards.Remove(closed.ConnectionId, out var forward):
                        await FinishData(forward).ConfigureAwait(false);
                        await FinishError(forward, null).ConfigureAwait(false);
                        break;
                }
            }
        }

        /// <summary>A stream kubectl opened: accepted, paired with its twin by request id; the data stream dials the pod.</summary>
        private async Task OnStream(SpdyFrame syn)
        {
            await connection.SendSynReplyAsync(syn.StreamId, cancellation).ConfigureAwait(false);
            var type = syn.Headers.GetValueOrDefault("streamtype");
            var portText = syn.Headers.GetValueOrDefault("port") ?? "";
            var requestId = syn.Headers.GetValueOrDefault("requestid") ?? portText;
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                // The kubelet refuses a stream without a valid port: the stream is reset.
                await connection.SendRstStreamAsync(syn.StreamId, 1, cancellation).ConfigureAwait(false);
                return;
            }
            if (!_forwards.TryGetValue(requestId, out var forward))
            {
                forward = new Forward(requestId, port);
                _forwards[requestId] = forward;
            }
            switch (type)
            {
                case "error":
                    forward.ErrorStream = syn.StreamId;
                    break;
                case "data":
                    forward.DataStream = syn.StreamId;
                    break;
                default:
                    await connection.SendRstStreamAsync(syn.StreamId, 1, cancellation).ConfigureAwait(false);
                    return;
            }
            if (forward is { ErrorStream: not null, DataStream: not null, Requested: false })
            {
                forward.Requested = true;
                nodes.Tell(new OpenPodConnection(target.NodeName, target.Namespace, target.Pod, forward.Port, requestId, relay) { PodUid = target.PodUid }, relay);
            }
        }

        private void OnClientData(SpdyFrame data)
        {
            if (ByStream(data.StreamId) is not { } forward || data.StreamId != forward.DataStream)
            {
                // The error stream: kubectl closes its half at once and sends nothing on it.
                return;
            }
            if (data.Payload.Length > 0)
            {
                if (forward.Connection is { } pod)
                {
                    pod.Tell(new PodConnectionData(forward.RequestId, data.Payload), relay);
                }
                else
                {
                    forward.Pending.Add(data.Payload);
                }
            }
            if (data.IsFin && !forward.ClientWriteClosed)
            {
                forward.ClientWriteClosed = true;
                forward.Connection?.Tell(new PodConnectionWriteClosed(forward.RequestId), relay);
            }
        }

        private Forward? ByStream(uint streamId) => _forwards.Values.FirstOrDefault(f => f.DataStream == streamId || f.ErrorStream == streamId);

        private async Task FinishData(Forward forward)
        {
            if (!forward.DataFinished && forward.DataStream is { } id)
            {
                forward.DataFinished = true;
                await connection.SendDataAsync(id, ReadOnlyMemory<byte>.Empty, fin: true, cancellation).ConfigureAwait(false);
            }
        }

        private async Task FinishError(Forward forward, string? error)
        {
            if (forward.ErrorStream is { } id)
            {
                var payload = error is null ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(error);
                await connection.SendDataAsync(id, payload, fin: true, cancellation).ConfigureAwait(false);
            }
        }

        private void Close(Forward forward)
        {
            _forwards.Remove(forward.RequestId);
            forward.Connection?.Tell(new PodConnectionClosed(forward.RequestId), relay);
        }

        /// <summary>The session is over: every pod connection still open is abandoned.</summary>
        public void CloseAll()
        {
            foreach (var forward in _forwards.Values.ToList())
            {
                Close(forward);
            }
        }
    }
}
