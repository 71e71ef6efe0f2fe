using Akka.Actor;
using Akka.Pattern;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Node.Containers;
using Emulator.Node.NodeAgent;

namespace Emulator.Node.Hosting;

/// <summary>
/// Hosts the emulated nodes of one process: one <see cref="NodeAgent.NodeAgent"/> (with its kubelet) per node, and the
/// <see cref="ContainerRuntime"/> they share. Answers the node protocol: <see cref="StopNode"/> stops a node's agent and
/// kubelet (its heartbeats stop: a node failure as the control plane sees it), <see cref="StartNode"/> starts them again
/// (the kubelet recalls its node's state from the container runtime and adopts its pods), <see cref="ReadContainerLog"/>, <see cref="ReadNodeUsage"/> and <see cref="OpenPodConnection"/> go to the kubelet of the node named, <see cref="ListHostedNodes"/> lists them.
/// </summary>
public sealed class NodeHost : UntypedActor, IWithUnboundedStash
{
    private readonly IActorRef _store;
    private readonly IActorRef _hub;
    private readonly IActorRef _events;
    private readonly string _host;
    private readonly Dictionary<string, NodeOptions> _nodes = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly Dictionary<string, IActorRef> _agents = new(StringComparer.Ordinal);
    private IActorRef _runtime = ActorRefs.Nobody;
    private int _incarnation;
    private bool _recovered;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>Creates the host of the nodes <paramref name="options"/> describes.</summary>
    /// <param name="options">The nodes.</param>
    /// <param name="store">The API store.</param>
    /// <param name="hub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    public NodeHost(NodeHostOptions options, IActorRef store, IActorRef hub, IActorRef events)
        : this(options.Nodes(), store, hub, events, options.Host)
    {
    }

    /// <summary>Creates the host of <paramref name="nodes"/>; <paramref name="host"/> names its container runtime's journal.</summary>
    public NodeHost(IReadOnlyList<NodeOptions> nodes, IActorRef store, IActorRef hub, IActorRef events, string host = NodeHostOptions.DefaultHost)
    {
        _host = host;
        _store = store;
        _hub = hub;
        _events = events;
        foreach (var node in nodes)
        {
            _nodes[node.Name] = node;
            _order.Add(node.Name);
        }
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        // A journal write that fails stops the runtime (Akka persistence); it comes back after the back-off and recovers.
        var host = _host;
        _runtime = Context.ActorOf(BackoffSupervisor.Props(Backoff.OnStop(
            Props.Create(() => new ContainerRuntime(host)), "container-runtime",
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, maxNrOfRetries: -1)), "container-runtime-supervisor");
        // The nodes start once the container runtime has recovered from the journal (a command to it waits in its stash
        // until then): a restarted process's kubelets find their pods at once, and nothing its nodes do races the
        // recovery, which runs on the journal's own tasks.
        _runtime.Tell(new RecallNode(""), Self);
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        if (!_recovered)
        {
            if (message is NodeRecalled)
            {
                _recovered = true;
                foreach (var name in _order)
                {
                    Start(name);
                }
                Stash.UnstashAll();
            }
            else
            {
                Stash.Stash();
            }
            return;
        }
        switch (message)
        {
            case StopNode stop when !_nodes.ContainsKey(stop.Name):
                Sender.Tell(new NodeCommandReply(false, $"node {stop.Name} is not hosted here"), Self);
                break;
            case StopNode stop:
                if (_agents.Remove(stop.Name, out var agent))
                {
                    Context.Stop(agent);
                    Sender.Tell(new NodeCommandReply(true, $"node {stop.Name} stopped"), Self);
                }
                else
                {
                    Sender.Tell(new NodeCommandReply(true, $"node {stop.Name} is already stopped"), Self);
                }
                break;
            case StartNode start when !_nodes.ContainsKey(start.Name):
                Sender.Tell(new NodeCommandReply(false, $"node {start.Name} is not hosted here"), Self);
                break;
            case StartNode start:
                if (_agents.ContainsKey(start.Name))
                {
                    Sender.Tell(new NodeCommandReply(true, $"node {start.Name} is already running"), Self);
                }
                else
                {
                    Start(start.Name);
                    Sender.Tell(new NodeCommandReply(true, $"node {start.Name} started"), Self);
                }
                break;
            case ListHostedNodes:
                Sender.Tell(new HostedNodes(_order.Select(n => (n, _agents.ContainsKey(n))).ToList()), Self);
                break;
            case ReadContainerLog read:
                if (_agents.TryGetValue(read.NodeName, out var target))
                {
                    target.Forward(read);
                }
                else
                {
                    var why = _nodes.ContainsKey(read.NodeName) ? $"node {read.NodeName} is stopped" : $"node {read.NodeName} is not hosted here";
                    Sender.Tell(new ContainerLogReply(null, new ApiStatus(503, "ServiceUnavailable", why)), Self);
                }
                break;
            case OpenPodConnection open:
                if (_agents.TryGetValue(open.NodeName, out var kubeletHost))
                {
                    kubeletHost.Forward(open);
                }
                else
                {
                    var why = _nodes.ContainsKey(open.NodeName) ? $"node {open.NodeName} is stopped" : $"node {open.NodeName} is not hosted here";
                    open.Client.Tell(new PodConnectionRefused(open.ConnectionId, PodConnectionRefusal.NodeUnavailable, why), Self);
                }
                break;
            case OpenContainerStream stream:
                if (_agents.TryGetValue(stream.NodeName, out var streamAgent))
                {
                    streamAgent.Forward(stream);
                }
                else
                {
                    var why = _nodes.ContainsKey(stream.NodeName) ? $"node {stream.NodeName} is stopped" : $"node {stream.NodeName} is not hosted here";
                    Sender.Tell(new ContainerStreamRefused(new ApiStatus(503, "ServiceUnavailable", why)), Self);
                }
                break;
            case ReadNodeUsage usage:
                if (_agents.TryGetValue(usage.NodeName, out var scraped))
                {
                    scraped.Forward(usage);
                }
                else
                {
                    var why = _nodes.ContainsKey(usage.NodeName) ? $"node {usage.NodeName} is stopped" : $"node {usage.NodeName} is not hosted here";
                    Sender.Tell(new NodeUsageUnavailable(usage.NodeName, why) { Correlation = usage.Correlation }, Self);
                }
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Start(string name)
    {
        var node = _nodes[name];
        // A new incarnation gets a fresh actor name: the stopped one may still be finishing its stop.
        _agents[name] = Context.ActorOf(Props.Create(() => new NodeAgent.NodeAgent(node, _store, _hub, _events, _runtime)), $"{name}-{++_incarnation}");
    }
}
