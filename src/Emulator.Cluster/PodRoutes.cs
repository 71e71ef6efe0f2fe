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
/// <param name="Sequence">The announcing member's change count: an incremental announcement is the next one after the
/// previous; a complete one is the table as of that count.</param>
/// <param name="Routes">The routes.</param>
public sealed record PodRoutesAnnounced(bool Complete, long Sequence, IReadOnlyList<AnnouncedPodRoute> Routes);

/// <summary>A member's latest change count, sent now and then: a receiver that is behind lost an announcement.</summary>
/// <param name="Sequence">The announcing member's change count.</param>
public sealed record PodRoutesSequence(long Sequence);

/// <summary>Asks a member for its whole table (the asker lost one of its announcements).</summary>
public sealed record PodRoutesWanted;

/// <summary>
/// One per member (<c>/user/pod-routes</c>), the part of a CNI plugin that tells every host where each pod address
/// lives (Calico's BGP peering, flannel's subnet leases): it announces what listens at this process's pod addresses to
/// every other member — its whole table to a member that comes up or becomes reachable again, then each change — and
/// records what the others announce in this process's <see cref="ClusterNetwork"/>, so a pod or a node port here reaches
/// an endpoint pod that runs in another process. A member that leaves the cluster takes its routes with it. The
/// emulated servers are stateless, so the receiving process answers a connection exactly as the pod's own would.
/// Announcements are numbered: a receiver that sees a gap, or hears of a later number than it has, lost one on a lossy
/// link and asks for the whole table again.
/// </summary>
public sealed class PodRoutes : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan SequenceInterval = TimeSpan.FromSeconds(10);

    /// <summary>The actor's name under <c>/user</c> on every member.</summary>
    public const string Name = "pod-routes";

    private readonly ClusterNetwork _network;
    private readonly Akka.Cluster.Cluster _cluster;
    private readonly HashSet<Address> _peers = [];
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    // The last announcement number applied from each member, and the members asked for their whole table.
    private readonly Dictionary<Address, long> _received = [];
    private readonly HashSet<Address> _asked = [];
    private long _sequence;
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
        Receive<PodRoutesSequence>(latest =>
        {
            if (!_received.TryGetValue(Sender.Path.Address, out var applied) || applied < latest.Sequence)
            {
                AskForTable(Sender);
            }
        });
        Receive<PodRoutesWanted>(_ => Sender.Tell(Table()));
        Receive<Tick>(_ =>
        {
            foreach (var peer in _peers)
            {
                Peer(peer).Tell(new PodRoutesSequence(_sequence));
            }
        });
        Receive<ClusterEvent.MemberUp>(up => Greet(up.Member));
        Receive<ClusterEvent.ReachableMember>(reachable => Greet(reachable.Member));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            _peers.Remove(removed.Member.Address);
            _received.Remove(removed.Member.Address);
            _asked.Remove(removed.Member.Address);
            _network.ForgetRemoteListeners(removed.Member.Address.ToString());
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.IReachabilityEvent>(_ => { });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart()
    {
        // Real time: the links lose messages on the wall clock, whatever the emulated world's speed.
        Timers.StartPeriodicTimer("sequence", Tick.Instance, SequenceInterval);
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
        Peer(member.Address).Tell(Table());
    }

    private PodRoutesAnnounced Table() => new(true, _sequence, [.. _network.LocalListeners.Select(l => Route(l.Key, l.Value))]);

    private void AskForTable(IActorRef member)
    {
        if (_asked.Add(member.Path.Address))
        {
            member.Tell(new PodRoutesWanted());
        }
    }

    private void AnnounceChanges()
    {
        _flushQueued = false;
        if (_peers.Count == 0)
        {
            // Nobody to tell (a single process): a member that comes up later gets the whole table.
            _changed.Clear();
            return;
        }
        // The current value of each address, not the one the change carried: an old pod's removal and a new pod's
        // publication of one address can come from two pod workers in either order.
        var routes = _changed.Select(ip => Route(ip, _network.LocalListenersAt(ip))).ToList();
        _changed.Clear();
        if (routes.Count == 0)
        {
            return;
        }
        var announcement = new PodRoutesAnnounced(false, ++_sequence, routes);
        foreach (var peer in _peers)
        {
            Peer(peer).Tell(announcement);
        }
    }

    private void Record(PodRoutesAnnounced announced)
    {
        var address = Sender.Path.Address;
        var member = address.ToString();
        if (announced.Complete)
        {
            _asked.Remove(address);
        }
        else if (!_received.TryGetValue(address, out var applied) || announced.Sequence != applied + 1)
        {
            // One was lost (or the table never came): this one still applies, and the whole table puts right the rest.
            AskForTable(Sender);
        }
        _received[address] = Math.Max(announced.Sequence, _received.GetValueOrDefault(address));
        if (announced.Complete)
        {
            _network.ReplaceRemoteListeners(member, [.. announced.Routes.Select(route => (route.PodIp, Listeners(route)))]);
            return;
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

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
