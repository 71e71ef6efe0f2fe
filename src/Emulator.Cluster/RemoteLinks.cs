using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Remote;
using Akka.Remote.Transport;

namespace Emulator.Cluster;

/// <summary>
/// The links from this member to the others as Akka.Remote sees them: the associations (from the remoting lifecycle
/// events, recorded from the moment the actor system starts) and the faults put on them. A fault goes to Akka.Remote's
/// throttle transport adapter (<c>trttl</c>, applied on every member by <see cref="ClusterMembership.ToConfig"/>), which
/// drops or slows the bytes of one link on this member only: to the cluster it is a network fault like any other,
/// seen by the failure detector and handled by the Split Brain Resolver.
/// </summary>
public sealed class RemoteLinks : IExtension
{
    private readonly ExtendedActorSystem _system;
    private readonly ConcurrentDictionary<string, RemoteAssociation> _associations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LinkFault> _faults = new(StringComparer.Ordinal);

    /// <summary>Starts recording this system's associations.</summary>
    public RemoteLinks(ExtendedActorSystem system)
    {
        _system = system;
        var recorder = system.SystemActorOf(Props.Create(() => new AssociationRecorder(this)), "remote-links");
        // Subscribed now rather than when the recorder starts: no association made meanwhile is missed.
        system.EventStream.Subscribe(recorder, typeof(AssociationEvent));
        system.EventStream.Subscribe(recorder, typeof(QuarantinedEvent));
    }

    /// <summary>The extension of <paramref name="system"/>.</summary>
    public static RemoteLinks Get(ActorSystem system) => system.WithExtension<RemoteLinks, RemoteLinksProvider>();

    /// <summary>The key of a link: its remote host and port, as the throttle adapter keys its modes.</summary>
    public static string Key(Address address) => $"{address.Host}:{address.Port}";

    /// <summary>Every association this member has had, by remote address, with its last state.</summary>
    public IReadOnlyList<RemoteAssociation> Associations => _associations.Values.OrderBy(a => Key(a.Address), StringComparer.Ordinal).ToList();

    /// <summary>The fault on the link to <paramref name="address"/>, or null when the link is left alone.</summary>
    public LinkFault? FaultOf(Address address) => _faults.TryGetValue(Key(address), out var fault) ? fault : null;

    /// <summary>
    /// Puts <paramref name="fault"/> on the link to <paramref name="address"/> (null restores it): a blackhole or a
    /// throttle through the throttle adapter, message loss through the failure injector ("gremlin") adapter, on the
    /// associations open now and on those made later; whatever the other adapter did to the link is taken off. Returns
    /// false when the transport lacks the adapter the fault needs.
    /// </summary>
    public async Task<bool> SetFaultAsync(Address address, LinkFault? fault)
    {
        if (_system.Provider is not IRemoteActorRefProvider remote)
        {
            return false;
        }
        ThrottleMode mode = fault switch
        {
            null or LinkFault.Lossy => Unthrottled.Instance,
            LinkFault.Blackhole => Blackhole.Instance,
            // A bucket as deep as one second of traffic (at least 1000 bytes, as Akka's test conductor uses): a
            // message larger than the bucket still passes, after which the link owes the difference.
            LinkFault.Throttle t => new TokenBucket((int)Math.Clamp(t.BytesPerSecond, 1000, int.MaxValue), t.BytesPerSecond, 0, 0),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };
        var direction = fault?.Direction switch
        {
            LinkDirection.Send => ThrottleTransportAdapter.Direction.Send,
            LinkDirection.Receive => ThrottleTransportAdapter.Direction.Receive,
            _ => ThrottleTransportAdapter.Direction.Both,
        };
        // Each message (a whole frame) this member sends on the link is lost with the probability, independently: what a
        // lossy network does to Akka.Remote's user messages (system messages are redelivered until acknowledged).
        FailureInjectorTransportAdapter.IGremlinMode loss = fault is LinkFault.Lossy lossy
            ? new FailureInjectorTransportAdapter.Drop(lossy.Probability, 0)
            : FailureInjectorTransportAdapter.PassThru.Instance;
        var throttled = await remote.Transport.ManagementCommand(new SetThrottle(address, direction, mode)).ConfigureAwait(false);
        var dropping = await remote.Transport.ManagementCommand(new FailureInjectorTransportAdapter.One(address, loss)).ConfigureAwait(false);
        var applied = fault is LinkFault.Lossy ? dropping : throttled;
        if (applied)
        {
            if (fault is null)
            {
                _faults.TryRemove(Key(address), out _);
            }
            else
            {
                _faults[Key(address)] = fault;
            }
        }
        return applied;
    }

    private void Record(RemoteAssociation association) => _associations[Key(association.Address)] = association;

    private sealed class AssociationRecorder : ReceiveActor
    {
        public AssociationRecorder(RemoteLinks links)
        {
            Receive<AssociatedEvent>(e => links.Record(new RemoteAssociation(e.RemoteAddress, AssociationState.Associated, e.IsInbound, DateTimeOffset.UtcNow)));
            Receive<DisassociatedEvent>(e => links.Record(new RemoteAssociation(e.RemoteAddress, AssociationState.Disassociated, e.IsInbound, DateTimeOffset.UtcNow)));
            // An attempt that failed says nothing about an association that is up: only a link never made is "failed".
            Receive<AssociationErrorEvent>(e =>
            {
                if (!links._associations.TryGetValue(Key(e.RemoteAddress), out var known) || known.State != AssociationState.Associated)
                {
                    links.Record(new RemoteAssociation(e.RemoteAddress, AssociationState.Failed, e.IsInbound, DateTimeOffset.UtcNow));
                }
            });
            // Quarantine is final for that incarnation: the remote system must restart to talk to this one again.
            Receive<QuarantinedEvent>(e => links.Record(new RemoteAssociation(e.Address, AssociationState.Quarantined, false, DateTimeOffset.UtcNow)));
        }
    }
}

/// <summary>Loads <see cref="RemoteLinks"/> (named in <c>akka.extensions</c>, so it records from the start).</summary>
public sealed class RemoteLinksProvider : ExtensionIdProvider<RemoteLinks>
{
    /// <inheritdoc />
    public override RemoteLinks CreateExtension(ExtendedActorSystem system) => new(system);
}

/// <summary>Where an association to another member stands.</summary>
public enum AssociationState
{
    /// <summary>Connected and handshaken: messages flow (unless a fault drops them).</summary>
    Associated,

    /// <summary>The connection closed; the next message opens a new one.</summary>
    Disassociated,

    /// <summary>A connection attempt failed.</summary>
    Failed,

    /// <summary>The remote system is quarantined: it can only come back as a new incarnation (a restart).</summary>
    Quarantined,
}

/// <summary>The last thing that happened to the association with <paramref name="Address"/>.</summary>
/// <param name="Address">The remote member's address.</param>
/// <param name="State">Its state.</param>
/// <param name="Inbound">True when the remote member opened the connection.</param>
/// <param name="Since">When the state was reached (wall clock).</param>
public sealed record RemoteAssociation(Address Address, AssociationState State, bool Inbound, DateTimeOffset Since);

/// <summary>Which way a fault acts, from this member's side of the link.</summary>
public enum LinkDirection
{
    /// <summary>What this member sends and what it receives.</summary>
    Both,

    /// <summary>What this member sends.</summary>
    Send,

    /// <summary>What this member receives.</summary>
    Receive,
}

/// <summary>A fault on the link to another member.</summary>
/// <param name="Direction">Which way it acts.</param>
public abstract record LinkFault(LinkDirection Direction)
{
    /// <summary>Every byte dropped (a network partition); a new inbound connection is refused.</summary>
    public sealed record Blackhole(LinkDirection Direction) : LinkFault(Direction);

    /// <summary>Bytes pass at most at <paramref name="BytesPerSecond"/> (a slow link): the rest wait their turn.</summary>
    public sealed record Throttle(long BytesPerSecond, LinkDirection Direction) : LinkFault(Direction);

    /// <summary>
    /// Each message this member sends on the link is lost with <paramref name="Probability"/> (0 to 1), independently
    /// (a lossy link; the failure injector knows only the connections a member opened, so loss is on the sending side:
    /// for a link lossy both ways, make it lossy at both ends).
    /// </summary>
    public sealed record Lossy(double Probability) : LinkFault(LinkDirection.Send);
}
