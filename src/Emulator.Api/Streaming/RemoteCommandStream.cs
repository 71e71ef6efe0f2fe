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

/// <summary>What kubectl asked of an exec or attach, from the query.</summary>
internal sealed record RemoteCommandRequest(string NodeName, string Namespace, string Pod, string Container, IReadOnlyList<string> Command, bool Stdin, bool Stdout, bool Stderr, bool Tty)
{
    public bool IsAttach => Command.Count == 0;
}

/// <summary>
/// <c>pods/exec</c> and <c>pods/attach</c> once the request is validated: the session is opened on the kubelet first
/// (so that its refusal is an HTTP answer), then the connection is upgraded — to WebSocket with
/// <c>v5.channel.k8s.io</c> (or v4) as kubectl 1.30+ asks, or to SPDY/3.1 with <c>v4.channel.k8s.io</c> streams as
/// kubectl 1.27 (and 1.33 falling back) asks — and bytes flow between kubectl and the session until the process ends.
/// </summary>
internal static class RemoteCommandStream
{
    private static readonly TimeSpan StreamCreationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The SPDY stream protocols offered by clients, best first: v5 over SPDY is served as v4 (the same framing).</summary>
    private static readonly string[] SpdyProtocols = ["v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"];

    /// <summary>Serves the stream, or answers why not.</summary>
    public static async Task Serve(HttpContext context, ActorSystem system, IActorRef nodes, RemoteCommandRequest request, TimeSpan askTimeout)
    {
        var wsProtocol = WebSocketProtocol(context);
        var spdyProtocol = wsProtocol is null ? SpdyProtocol(context) : null;
        if (wsProtocol is null && spdyProtocol is null)
        {
            await ApiResponses.WriteStatus(context, ApiStatus.BadRequest("Upgrade request required")).ConfigureAwait(false);
            return;
        }
        var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        var relay = system.ActorOf(Props.Create(() => new StreamRelay(events.Writer)));
        try
        {
            var open = new OpenContainerStream(request.NodeName, request.Namespace, request.Pod, request.Container, request.Command,
                request.Stdin, request.Stdout, request.Stderr, request.Tty, relay);
            var reply = await nodes.Ask<object>(open, askTimeout).ConfigureAwait(false);
            if (reply is ContainerStreamRefused refused)
            {
                await Refuse(context, wsProtocol, refused.Error).ConfigureAwait(false);
                return;
            }
            var session = ((ContainerStreamOpened)reply).Session;
            relay.Tell(new WatchSession(session));
            try
            {
                if (wsProtocol is not null)
                {
                    await ServeWebSocket(context, wsProtocol, request, session, relay, events.Reader).ConfigureAwait(false);
                }
                else
                {
                    await ServeSpdy(context, spdyProtocol!, request, session, relay, events.Reader).ConfigureAwait(false);
                }
            }
            finally
            {
                session.Tell(new CloseContainerStream(relay));
            }
        }
        finally
        {
            system.Stop(relay);
        }
    }

    /// <summary>The WebSocket subprotocol to answer with, when the client asks for a WebSocket kubectl-style.</summary>
    private static string? WebSocketProtocol(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return null;
        }
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        return offered.Contains(ChannelProtocol.V5) ? ChannelProtocol.V5 : offered.Contains(ChannelProtocol.V4) ? ChannelProtocol.V4 : null;
    }

    private static string? SpdyProtocol(HttpContext context)
    {
        if (!string.Equals(context.Request.Headers.Upgrade.ToString(), "SPDY/3.1", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var offered = context.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries)).ToHashSet();
        if (offered.Contains("v5.channel.k8s.io"))
        {
            offered.Add("v4.channel.k8s.io");
        }
        return SpdyProtocols.FirstOrDefault(offered.Contains) ?? (offered.Count == 0 ? "" : null);
    }

    /// <summary>
    /// The kubelet refused (its container is not running): over SPDY the kubelet's plain-text answer passes through the
    /// API server (kubectl: <c>unable to upgrade connection: container not found ("x")</c>); over WebSocket the API
    /// server's stream translator has upgraded already and reports the failed upgrade as an internal error.
    /// </summary>
    private static async Task Refuse(HttpContext context, string? wsProtocol, ApiStatus error)
    {
        if (wsProtocol is null)
        {
            context.Response.StatusCode = error.Code == 503 ? 503 : 500;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(error.Message).ConfigureAwait(false);
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync(wsProtocol).ConfigureAwait(false);
        var status = Encoding.UTF8.GetBytes(RemoteCommandStatus.InternalError($"unable to upgrade connection: {error.Message}"));
        await socket.SendAsync(ChannelProtocol.Frame(ChannelProtocol.Error, status), WebSocketMessageType.Binary, true, context.RequestAborted).ConfigureAwait(false);
        await CloseWebSocket(socket, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task CloseWebSocket(WebSocket socket, CancellationToken cancellation)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
        }
    }

    // ---- WebSocket ----------------------------------------------------------------------------------------------

    private static async Task ServeWebSocket(HttpContext context, string protocol, RemoteCommandRequest request, IActorRef session, IActorRef relay, ChannelReader<object> events)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol).ConfigureAwait(false);
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var v5 = protocol == ChannelProtocol.V5;
        // The receive loop also answers the client's pings (it dies after 61 s without a pong).
        var receiving = ReceiveWebSocket(socket, v5, session, relay, gone);
        try
        {
            while (await events.WaitToReadAsync(gone.Token).ConfigureAwait(false))
            {
                var next = await events.ReadAsync(gone.Token).ConfigureAwait(false);
                switch (next)
                {
                    case ContainerOutput output:
                        await socket.SendAsync(ChannelProtocol.Frame((byte)output.Stream, output.Data), WebSocketMessageType.Binary, true, gone.Token).ConfigureAwait(false);
                        break;
                    case ContainerStreamEnded or StreamRelay.SessionLost:
                        var ended = next as ContainerStreamEnded ?? new ContainerStreamEnded(null, "the container's session was lost");
                        var status = Encoding.UTF8.GetBytes(RemoteCommandStatus.For(ended, request.Command));
                        await socket.SendAsync(ChannelProtocol.Frame(ChannelProtocol.Error, status), WebSocketMessageType.Binary, true, gone.Token).ConfigureAwait(false);
                        // Close 1000 tells kubectl the error stream is complete; a bare TCP close reads as 1006.
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", gone.Token).ConfigureAwait(false);
                        using (var linger = CancellationTokenSource.CreateLinkedTokenSource(gone.Token))
                        {
                            linger.CancelAfter(TimeSpan.FromSeconds(5));
                            await receiving.WaitAsync(linger.Token).ConfigureAwait(false);
                        }
                        return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The client went away.
        }
        finally
        {
            await gone.CancelAsync().ConfigureAwait(false);
        }
    }

    private static async Task ReceiveWebSocket(WebSocket socket, bool v5, IActorRef session, IActorRef relay, CancellationTokenSource gone)
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (!gone.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer, gone.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }
                var bytes = message.ToArray();
                message.SetLength(0);
                switch (ChannelProtocol.Parse(bytes, v5))
                {
                    case ChannelProtocol.StdinData stdin when stdin.Data.Length > 0:
                        session.Tell(new ContainerStdin(stdin.Data), relay);
                        break;
                    case ChannelProtocol.Closed { Channel: ChannelProtocol.Stdin }:
                        session.Tell(new ContainerStdinClosed(), relay);
                        break;
                    case ChannelProtocol.Resized resized:
                        foreach (var (width, height) in resized.Sizes)
                        {
                            session.Tell(new TerminalResize(width, height), relay);
                        }
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
        }
        finally
        {
            // The client closed or went away: the session ends with it.
            session.Tell(new CloseContainerStream(relay), relay);
            if (socket.State is not (WebSocketState.CloseSent or WebSocketState.Closed))
            {
                await gone.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    // ---- SPDY ---------------------------------------------------------------------------------------------------

    private static async Task ServeSpdy(HttpContext context, string protocol, RemoteCommandRequest request, IActorRef session, IActorRef relay, ChannelReader<object> events)
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true } upgrade)
        {
            await ApiResponses.WriteStatus(context, ApiStatus.BadRequest("Upgrade request required")).ConfigureAwait(false);
            return;
        }
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "SPDY/3.1";
        if (protocol.Length > 0)
        {
            context.Response.Headers["X-Stream-Protocol-Version"] = protocol;
        }
        var transport = await upgrade.UpgradeAsync().ConfigureAwait(false);
        await using var connection = new SpdyConnection(transport);
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var streams = new SpdyStreams(request);
        var receiving = ReceiveSpdy(connection, streams, session, relay, gone);
        try
        {
            using (var creation = CancellationTokenSource.CreateLinkedTokenSource(gone.Token))
            {
                creation.CancelAfter(StreamCreationTimeout);
                await streams.Ready.Task.WaitAsync(creation.Token).ConfigureAwait(false);
            }
            while (await events.WaitToReadAsync(gone.Token).ConfigureAwait(false))
            {
                var next = await events.ReadAsync(gone.Token).ConfigureAwait(false);
                switch (next)
                {
                    case ContainerOutput output when streams.IdOf(output.Stream == 2 ? "stderr" : "stdout") is { } id:
                        await connection.SendDataAsync(id, output.Data, fin: false, gone.Token).ConfigureAwait(false);
                        break;
                    case ContainerStreamEnded or StreamRelay.SessionLost:
                        var ended = next as ContainerStreamEnded ?? new ContainerStreamEnded(null, "the container's session was lost");
                        await EndSpdy(connection, streams, protocol, ended, request, gone.Token).ConfigureAwait(false);
                        return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidDataException)
        {
            // The client went away, or never opened its streams.
        }
        finally
        {
            await gone.CancelAsync().ConfigureAwait(false);
            await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The end as the kubelet writes it: the status on the error stream, FIN on every stream, GOAWAY.</summary>
    private static async Task EndSpdy(SpdyConnection connection, SpdyStreams streams, string protocol, ContainerStreamEnded ended, RemoteCommandRequest request, CancellationToken cancellation)
    {
        if (streams.IdOf("error") is { } error)
        {
            byte[] payload;
            if (protocol is "v4.channel.k8s.io")
            {
                payload = Encoding.UTF8.GetBytes(RemoteCommandStatus.For(ended, request.Command));
            }
            else
            {
                // v1–v3: the error stream carries plain text, and only for a failure.
                var text = ended.Error ?? (ended.ExitCode is { } code and not 0 ? $"command terminated with non-zero exit code: error executing command [{string.Join(' ', request.Command)}], exit code {code}" : "");
                payload = Encoding.UTF8.GetBytes(text);
            }
            await connection.SendDataAsync(error, payload, fin: true, cancellation).ConfigureAwait(false);
        }
        foreach (var name in new[] { "stdout", "stderr" })
        {
            if (streams.IdOf(name) is { } id)
            {
                await connection.SendDataAsync(id, ReadOnlyMemory<byte>.Empty, fin: true, cancellation).ConfigureAwait(false);
            }
        }
        await connection.SendGoAwayAsync(streams.LastId, cancellation).ConfigureAwait(false);
    }

    private static async Task ReceiveSpdy(SpdyConnection connection, SpdyStreams streams, IActorRef session, IActorRef relay, CancellationTokenSource gone)
    {
        try
        {
            while (await connection.ReadFrameAsync(gone.Token).ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case SpdyFrameType.SynStream:
                        await connection.SendSynReplyAsync(frame.StreamId, gone.Token).ConfigureAwait(false);
                        streams.Add(frame.Headers.GetValueOrDefault("streamtype") ?? "", frame.StreamId);
                        break;
                    case SpdyFrameType.Data when frame.StreamId == streams.IdOf("stdin"):
                        if (frame.Payload.Length > 0)
                        {
                            session.Tell(new ContainerStdin(frame.Payload), relay);
                        }
                        if (frame.IsFin)
                        {
                            session.Tell(new ContainerStdinClosed(), relay);
                        }
                        break;
                    case SpdyFrameType.Data when frame.StreamId == streams.IdOf("resize"):
                        foreach (var (width, height) in ChannelProtocol.TerminalSizes(frame.Payload))
                        {
                            session.Tell(new TerminalResize(width, height), relay);
                        }
                        break;
                    case SpdyFrameType.Ping:
                        await connection.SendPingAsync(frame.Payload, gone.Token).ConfigureAwait(false);
                        break;
                    case SpdyFrameType.GoAway:
                        return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidDataException or ObjectDisposedException)
        {
        }
        finally
        {
            session.Tell(new CloseContainerStream(relay), relay);
            await gone.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The streams kubectl opens for one remote command, by <c>streamtype</c>; ready once all it needs exist.</summary>
    private sealed class SpdyStreams(RemoteCommandRequest request)
    {
        private readonly Dictionary<string, uint> _ids = new(StringComparer.Ordinal);
        private readonly object _lock = new();

        public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public uint LastId { get; private set; }

        public uint? IdOf(string type)
        {
            lock (_lock)
            {
                return _ids.TryGetValue(type, out var id) ? id : null;
            }
        }

        public void Add(string type, uint id)
        {
            lock (_lock)
            {
                _ids[type] = id;
                LastId = Math.Max(LastId, id);
                // error, and stdin/stdout/stderr as asked (stderr never with a tty), and resize with a tty.
                var needed = new List<string> { "error" };
                if (request.Stdin)
                {
                    needed.Add("stdin");
                }
                if (request.Stdout)
                {
                    needed.Add("stdout");
                }
                if (request.Stderr && !request.Tty)
                {
                    needed.Add("stderr");
                }
                if (request.Tty)
                {
                    needed.Add("resize");
                }
                if (needed.All(_ids.ContainsKey))
                {
                    Ready.TrySetResult();
                }
            }
        }
    }
}
