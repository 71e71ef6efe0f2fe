using Akka.Actor;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.Cluster;

/// <summary>
/// How an API server and metrics-server reach a node's kubelet wherever it runs: <see cref="ReadContainerLog"/> and
/// <see cref="ReadNodeUsage"/> go to the <c>/user/nodes</c> host of the member named by the Node's
/// <see cref="KubeletMember.Annotation"/> (this process's own host when it is this member, or when the Node names none).
/// Everything else (exec, attach and port-forward streams, node management) goes to this process's own host: those
/// do not cross processes yet.
/// </summary>
public sealed class KubeletRouter : UntypedActor
{
    private readonly IActorRef _store;
    private readonly IActorRef? _local;
    private readonly TimeSpan _timeout;
    private readonly string _self;

    /// <summary>Creates the router.</summary>
    /// <param name="store">The API store (the Nodes say where their kubelets run).</param>
    /// <param name="local">This process's host of emulated nodes; null when it runs none.</param>
    /// <param name="timeout">How long a kubelet in another process may take to answer (wall clock).</param>
    public KubeletRouter(IActorRef store, IActorRef? local, TimeSpan timeout)
    {
        _store = store;
        _local = local;
        _timeout = timeout;
        _self = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        var sender = Sender;
        var system = Context.System;
        switch (message)
        {
            case ReadContainerLog read:
                _ = RouteAsync(system, read.NodeName, read, read, sender,
                    answer => answer,
                    reason => new ContainerLogReply(null, new ApiStatus(503, "ServiceUnavailable", reason)));
                break;
            case ReadNodeUsage usage:
                // The correlation stays in this process: the remote kubelet answers the bare request.
                _ = RouteAsync(system, usage.NodeName, usage, usage with { Correlation = null }, sender,
                    answer => answer switch
                    {
                        NodeUsage used => used with { Correlation = usage.Correlation },
                        NodeUsageUnavailable unavailable => unavailable with { Correlation = usage.Correlation },
                        _ => answer,
                    },
                    reason => new NodeUsageUnavailable(usage.NodeName, reason) { Correlation = usage.Correlation });
                break;
            case var _ when _local is { } local:
                local.Forward(message);
                break;
            case OpenContainerStream:
                sender.Tell(new ContainerStreamRefused(new ApiStatus(503, "ServiceUnavailable", "exec, attach and port-forward reach only the kubelets of the API server's own process")), Self);
                break;
            case OpenPodConnection open:
                open.Client.Tell(new PodConnectionRefused(open.ConnectionId, PodConnectionRefusal.NodeUnavailable, $"node {open.NodeName} is not hosted by this process"), Self);
                break;
            case ListHostedNodes:
                sender.Tell(new HostedNodes([]), Self);
                break;
            case StopNode or StartNode:
                sender.Tell(new NodeCommandReply(false, "this process hosts no nodes"), Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private async Task RouteAsync(ActorSystem system, string node, object request, object remoteRequest, IActorRef sender, Func<object, object> answered, Func<string, object> unreachable)
    {
        string? member = null;
        try
        {
            var reply = await _store.Ask<StoreReply>(new GetObject(ResourceTypes.Nodes, null, node), _timeout).ConfigureAwait(false);
            if (reply.Object is { } stored)
            {
                member = new KubeObject(stored.ToJsonObject()).Annotations.GetValueOrDefault(KubeletMember.Annotation);
            }
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            sender.Tell(unreachable($"the Node {node} could not be read: {e.Message}"), ActorRefs.NoSender);
            return;
        }
        if (member is null || member == _self)
        {
            if (_local is { } local)
            {
                local.Tell(request, sender);
            }
            else
            {
                sender.Tell(unreachable($"no kubelet for node \"{node}\" is reachable from this API server"), ActorRefs.NoSender);
            }
            return;
        }
        try
        {
            var answer = await system.ActorSelection($"{member}/user/nodes").Ask<object>(remoteRequest, _timeout).ConfigureAwait(false);
            sender.Tell(answered(answer), ActorRefs.NoSender);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            sender.Tell(unreachable($"the kubelet of node {node} at {member} did not answer"), ActorRefs.NoSender);
        }
    }
}
