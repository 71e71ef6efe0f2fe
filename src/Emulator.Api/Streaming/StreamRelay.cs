using System.Threading.Channels;
using Akka.Actor;
using Emulator.ControlPlane.Nodes;

namespace Emulator.Api.Streaming;

/// <summary>Tells a relay which node-side session feeds it, so that the stream ends if that session dies.</summary>
internal sealed record WatchSession(IActorRef Session);

/// <summary>
/// The API side of a node stream: receives what the kubelet's session sends (output, the end; for port-forward the
/// connection's data) and queues it for the HTTP connection that serves the client. A session that dies without saying
/// goodbye (its node stopped) ends the stream as lost.
/// </summary>
internal sealed class StreamRelay(ChannelWriter<object> events) : UntypedActor
{
    /// <summary>Queued when the watched session died.</summary>
    public sealed record SessionLost(IActorRef Session);

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WatchSession watch:
                Context.Watch(watch.Session);
                break;
            case Terminated terminated:
                events.TryWrite(new SessionLost(terminated.ActorRef));
                break;
            default:
                events.TryWrite(message);
                break;
        }
    }

    /// <inheritdoc />
    protected override void PostStop() => events.TryComplete();
}

/// <summary>What the error stream of a remote command carries at its end (channel v4/v5: a <c>Status</c> in JSON).</summary>
internal static class RemoteCommandStatus
{
    /// <summary>The status for how a session ended: Success, NonZeroExitCode with the code, or an internal error.</summary>
    public static string For(ContainerStreamEnded ended, IReadOnlyList<string> command)
    {
        if (ended.Error is { } error)
        {
            return InternalError(error);
        }
        if (ended.ExitCode is { } code and not 0)
        {
            // The kubelet's CodeExitError from the runtime's streaming server, wrapped as the kubelet wraps it.
            var message = $"command terminated with non-zero exit code: error executing command [{string.Join(' ', command)}], exit code {code}";
            return $"{{\"metadata\":{{}},\"status\":\"Failure\",\"message\":{Quote(message)},\"reason\":\"NonZeroExitCode\",\"details\":{{\"causes\":[{{\"reason\":\"ExitCode\",\"message\":\"{code}\"}}]}}}}";
        }
        return "{\"metadata\":{},\"status\":\"Success\"}";
    }

    /// <summary><c>apierrors.NewInternalError</c> as the API server's stream translator writes it.</summary>
    public static string InternalError(string error) =>
        $"{{\"metadata\":{{}},\"status\":\"Failure\",\"message\":{Quote("Internal error occurred: " + error)},\"reason\":\"InternalError\",\"details\":{{\"causes\":[{{\"message\":{Quote(error)}}}]}},\"code\":500}}";

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
