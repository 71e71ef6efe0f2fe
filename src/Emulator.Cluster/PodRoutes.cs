using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Emulator.Node.Containers.Network;
using Emulator.Node.Network;

namespace Emulator.Cluster;

/// <summary>What listens at one pod address of the announcing member (the pod's servers), or that nothing does any more.</summary>
/// <param name="PodIp">The pod address.</param>
/// <param name="Namespace">The pod's namespace (null when nothing listens).</param>
/// <param name="Name">The pod's name (null when nothing listens).</param>
/// <param name="NodeName">The pod's node (null when nothing listens).</param>
/// <param name="Servers">The pod's servers (null or empty when nothing listens).</param>
public sealed record AnnouncedPodRoute(string PodIp, string? Namespace, string? Name, string? NodeName, IReadOnlyList<EmulatedServerDescription>? Servers);

/// <summary>
/// A member's announcement of its pod routes to another member: a <paramref name="Complete"/> one replaces whatever the
/// receiver had from that member, an incremental one changes the addresses it names.
/// </summary>
/// <param name="Complete">Whether this is the member's whole table.</param>
/// <param name="Routes">The routes.</param>
public sealed record PodRoutesAnnounced(bool Complete, IReadOnlyList<AnnouncedPodRoute> Routes);

/// <summary>
/// One per member (<c>/user/pod-routes</c>), the part of a CNI plugin that tells every host where each pod address
/// lives (Calico's BGP peering, flannel's subnet leases): it announces what listens at this process's pod addresses to
/// every other member — its whole table to a member that comes up or becomes reachable again, then each change — and
/// records what the others announce in this process's <see cref="ClusterNetwork"/>, so a pod or a node port here reaches
/// an endpoint pod that runs in another process. A member that leaves the cluster takes its routes with it. The
/// emulated servers are stateless, so the receiving process answers a connection exactly as the pod's own would.
/// </summary>
public sealed class PodRoutes : ReceiveActor
{
    /// <summary>The actor's name under <c>/user</c> on every member.</summary>
    public const string Name = "pod-routes";

    private readonly ClusterNetwork _network;
    private readonly Akka.Cluster.Cluster _cluster;
    private readonly HashSet<Address> _peers = [];
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private bool _flushQueued;

    /// <summary>Creates the member's pod routes.</summary>
    public PodRoutes()
    {
        _network = ClusterNetwork.Get(Context.System);
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
        Receive<PodListenersChanged>(changed =>
        {
            _changed.Add(changed.PodIp);
            if (!_flushQueued)
            {
                // Every change already queued behind this one goes out in the same announcement.
                _flushQueued = true;
                Self.Tell(Flush.Instance);
            }
        });
        Receive<Flush>(_ => AnnounceChanges());
        Receive<PodRoutesAnnounced>(Record);
        Receive<ClusterEvent.MemberUp>(up => Greet(up.Member));
        Receive<ClusterEvent.ReachableMember>(reachable => Greet(reachable.Member));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            _peers.Remove(removed.Member.Address);
            _network.ForgetRemoteListeners(removed.Member.Address.ToString());
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.IReachabilityEvent>(_ => { });
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(PodListenersChanged));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _cluster.Unsubscribe(Self);
    }

    /// <summary>A member came up or became reachable again: it gets the whole table (changes may have been lost meanwhile).</summary>
    private void Greet(Member member)
    {
        if (member.Address == _cluster.SelfAddress || member.Status != MemberStatus.Up)
        {
            return;
        }
        _peers.Add(member.Address);
        var routes = _network.LocalListeners.Select(l => Route(l.Key, l.Value)).ToList();
        Peer(member.Address).Tell(new PodRoutesAnnounced(true, routes));
    }

    private void AnnounceChanges()
    {
        _flushQueued = false;
        // The current value of each address, not the one the change carried: an old pod's removal and a new pod's
        // publication of one address can come from two pod workers in either order.
        var routes = _changed.Select(ip => Route(ip, _network.LocalListenersAt(ip))).ToList();
        _changed.Clear();
        if (routes.Count == 0)
        {
            return;
        }
        var announcement = new PodRoutesAnnounced(false, routes);
        foreach (var peer in _peers)
        {
            Peer(peer).Tell(announcement);
        }
    }

    private void Record(PodRoutesAnnounced announced)
    {
        var member = Sender.Path.Address.ToString();
        if (announced.Complete)
        {
            _network.ForgetRemoteListeners(member);
        }
        foreach (var route in announced.Routes)
        {
            _network.SetRemoteListeners(member, route.PodIp, Listeners(route));
        }
    }

    private ActorSelection Peer(Address address) => Context.ActorSelection(new RootActorPath(address) / "user" / Name);

    private static AnnouncedPodRoute Route(string podIp, PodListeners? listeners) => listeners is null
        ? new AnnouncedPodRoute(podIp, null, null, null, null)
        : new AnnouncedPodRoute(podIp, listeners.Namespace, listeners.Name, listeners.NodeName, [.. listeners.DistinctServers.Select(s => s.Description)]);

    private static PodListeners? Listeners(AnnouncedPodRoute route) => route.Servers is not { Count: > 0 } servers
        ? null
        : PodListeners.Of(route.Namespace ?? "", route.Name ?? "", route.NodeName ?? "", servers.Select(EmulatedServer.Of));

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }
}
