using Akka.Actor;
using Emulator.ControlPlane.Nodes;
using Emulator.Runtime.Actors;

namespace Emulator.Node.Containers.Network;

/// <summary>
/// The server side of one emulated TCP connection into a pod (a child of the pod's worker, so it ends with the pod):
/// reads HTTP/1.x requests off the client's bytes and writes the <see cref="EmulatedServer"/>'s answers, keeping the
/// connection open between requests as HTTP/1.1 does. Bytes that are no HTTP request get a 400 and the connection
/// closes; a client that half-closes gets the rest of its answers, then the server closes too.
/// </summary>
public sealed class ServerConnection : EmulatedActor
{
    private readonly EmulatedServer _server;
    private readonly int _port;
    private readonly string _connectionId;
    private readonly IActorRef _client;
    private readonly string _remoteAddress;
    private byte[] _buffer = [];
    private bool _closed;

    /// <summary>Creates the connection <paramref name="connectionId"/> of <paramref name="client"/> to <paramref name="server"/> on <paramref name="port"/>.</summary>
    public ServerConnection(EmulatedServer server, int port, string connectionId, IActorRef client, string remoteAddress)
    {
        _server = server;
        _port = port;
        _connectionId = connectionId;
        _client = client;
        _remoteAddress = remoteAddress;
    }

    /// <inheritdoc />
    protected override void PreStart() => Context.Watch(_client);

    /// <inheritdoc />
    protected override void PostStop()
    {
        // The pod went away under an open connection: the peer sees a reset.
        if (!_closed)
        {
            _client.Tell(new PodConnectionClosed(_connectionId, "connection reset by peer"), ActorRefs.NoSender);
        }
        base.PostStop();
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case PodConnectionData data:
                _buffer = [.. _buffer, .. data.Data];
                Serve();
                break;
            case PodConnectionWriteClosed:
                // The client sends nothing more: what is buffered is an incomplete request, never answered.
                Close(null);
                break;
            case PodConnectionClosed:
            case Terminated:
                _closed = true;
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Serve()
    {
        while (!_closed && _buffer.Length > 0)
        {
            var (request, consumed) = HttpRequest.TryParse(_buffer);
            if (consumed == 0)
            {
                return;
            }
            if (request is null)
            {
                Send(_server.BadRequest().Encode(Clock.UtcNow, keepAlive: false));
                Close(null);
                return;
            }
            _buffer = _buffer[consumed..];
            var keepAlive = request.KeepAlive;
            Send(_server.Answer(request, _remoteAddress, _port).Encode(Clock.UtcNow, keepAlive, headOnly: request.Method == "HEAD"));
            if (!keepAlive)
            {
                Close(null);
            }
        }
    }

    private void Send(byte[] bytes) => _client.Tell(new PodConnectionData(_connectionId, bytes), Self);

    private void Close(string? error)
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        _client.Tell(new PodConnectionWriteClosed(_connectionId), Self);
        _client.Tell(new PodConnectionClosed(_connectionId, error), Self);
        Context.Stop(Self);
    }
}
