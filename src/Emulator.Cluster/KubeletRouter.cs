using Akka.Actor;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.Cluster;

/// <summary>
/// How an API server and metrics-server reach a node's kubelet wherever it runs: requests about a node go to the
/// <c>/user/nodes</c> host of the member named by the Node's <see cref="KubeletMember.Annotation"/> (this process's own
/// host when it is this member, or when the Node names none). <see cref="ReadContainerLog"/>, <see cref="ReadNodeUsage"/>,
/// <see cref="StopNode"/> and <see cref="StartNode"/> are asked there; exec, attach and port-forward streams
/// (<see cref="OpenContainerStream"/>, <see cref="OpenPodConnection"/>) go through a <see cref="StreamBridge"/> whose far
/// end this router starts on the kubelet's member (<see cref="BridgeOpen"/>); <see cref="ListHostedNodes"/> gathers the
/// nodes of every member that hosts some.
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
            case StopNode stop:
                _ = RouteAsync(system, stop.Name, stop, stop, sender, answer => answer, reason => new NodeCommandReply(false, reason));
                break;
            case StartNode start:
                _ = RouteAsync(system, start.Name, start, start, sender, answer => answer, reason => new NodeCommandReply(false, reason));
                break;
            case ListHostedNodes:
                _ = ListEverywhereAsync(system, sender);
                break;
            case OpenContainerStream open:
                ResolveAsync(open.NodeName).PipeTo(Self, sender, member => new Resolved(member, open, sender), _ => new Resolved(null, open, sender));
                break;
            case OpenPodConnection open:
                ResolveAsync(open.NodeName).PipeTo(Self, sender, member => new Resolved(member, open, sender), _ => new Resolved(null, open, sender));
                break;
            case Resolved { Member: { } member, Request: OpenContainerStream open } resolved when member != _self:
                Context.ActorOf(StreamBridge.NearStream(open, resolved.Sender, member, _timeout / 3));
                break;
            case Resolved { Member: { } member, Request: OpenPodConnection open } when member != _self:
                Context.ActorOf(StreamBridge.NearConnection(open, member, _timeout / 3));
                break;
            case Resolved resolved when _local is { } local:
                local.Tell(resolved.Request, resolved.Sender);
                break;
            case Resolved { Request: OpenContainerStream open } resolved:
                resolved.Sender.Tell(new ContainerStreamRefused(new ApiStatus(503, "ServiceUnavailable", $"no kubelet for node \"{open.NodeName}\" is reachable from this API server")), Self);
                break;
            case Resolved { Request: OpenPodConnection open }:
                open.Client.Tell(new PodConnectionRefused(open.ConnectionId, PodConnectionRefusal.NodeUnavailable, $"no kubelet for node \"{open.NodeName}\" is reachable from this API server"), Self);
                break;
            case BridgeOpen open:
                // An API server in another process opens a stream to a kubelet of this member.
                Context.ActorOf(StreamBridge.Far(open, sender, _local));
                break;
            case var _ when _local is { } local:
                local.Forward(message);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Where a node's kubelet runs, found (the member's address, or null for this process's own host).</summary>
    private sealed record Resolved(string? Member, object Request, IActorRef Sender);

    /// <summary>The member named by the Node's annotation; null when the Node names none or cannot be read (then this process's host answers).</summary>
    private async Task<string?> ResolveAsync(string node)
    {
        try
        {
            var reply = await _store.Ask<StoreReply>(new GetObject(ResourceTypes.Nodes, null, node), _timeout).ConfigureAwait(false);
            return reply.Object is { } stored ? new KubeObject(stored.ToJsonObject()).Annotations.GetValueOrDefault(KubeletMember.Annotation) : null;
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The emulated nodes of every member that hosts some (<c>GET /emulator/v1/nodes</c> from any member).</summary>
    private async Task ListEverywhereAsync(ActorSystem system, IActorRef sender)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var asked = cluster.State.Members
            .Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(ClusterRoles.Worker))
            .Select(m => m.Address.ToString())
            .Where(a => a != _self)
            .Select(a => system.ActorSelection($"{a}/user/nodes").Ask<HostedNodes>(new ListHostedNodes(), _timeout))
            .ToList();
        if (_local is { } local)
        {
            asked.Insert(0, local.Ask<HostedNodes>(new ListHostedNodes(), _timeout));
        }
        var nodes = new List<(string Name, bool Running)>();
        foreach (var answer in asked)
        {
            try
            {
                nodes.AddRange((await answer.ConfigureAwait(false)).Nodes);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                // A member that does not answer (going away) lists nothing.
            }
        }
        sender.Tell(new HostedNodes(nodes), ActorRefs.NoSender);
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
