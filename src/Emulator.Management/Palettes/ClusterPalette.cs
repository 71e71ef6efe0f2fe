using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;

namespace Emulator.Management.Palettes;

/// <summary>
/// <c>cluster show | leader | leave | down | down-unreachable | join | tail</c>: Akka.Cluster membership as this
/// member sees it, with Petabridge.Cmd's command names. A process that is not a cluster member says so.
/// </summary>
public sealed class ClusterPalette(ActorSystem system) : Palette
{
    /// <inheritdoc />
    public override string Name => "cluster";

    /// <inheritdoc />
    public override string Description => "Akka.Cluster membership";

    /// <inheritdoc />
    public override IReadOnlyList<ConsoleCommandInfo> Commands { get; } =
    [
        new("show", "show", "every member: address, status, roles, reachability"),
        new("leader", "leader", "the leader's address"),
        new("leave", "leave ADDRESS", "make a member leave gracefully"),
        new("down", "down ADDRESS", "mark a member down"),
        new("down-unreachable", "down-unreachable", "mark every unreachable member down"),
        new("join", "join ADDRESS", "join this member to the cluster at ADDRESS"),
        new("tail", "tail", "membership events as they happen, until interrupted"),
    ];

    /// <inheritdoc />
    public override async Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken)
    {
        if (system is not ExtendedActorSystem { Provider: IClusterActorRefProvider })
        {
            throw new ConsoleCommandException("this process is not an Akka.Cluster member");
        }
        var cluster = Akka.Cluster.Cluster.Get(system);
        switch (command)
        {
            case "show":
                arguments.Done();
                var unreachable = cluster.State.Unreachable;
                await output.Table(["ADDRESS", "STATUS", "ROLES", "REACHABLE"], cluster.State.Members.Select(m => (IReadOnlyList<string>)
                [
                    m.Address.ToString(),
                    m.Status.ToString(),
                    string.Join(",", m.Roles.Order(StringComparer.Ordinal)),
                    unreachable.Contains(m) ? "no" : "yes",
                ])).ConfigureAwait(false);
                return 0;
            case "leader":
                arguments.Done();
                await output.Line(cluster.State.Leader?.ToString() ?? "no leader").ConfigureAwait(false);
                return cluster.State.Leader is null ? ConsoleProtocol.Failed : 0;
            case "leave" or "down" or "join":
                var address = MemberAddress.Parse(arguments.Next("ADDRESS"), cluster.SelfAddress);
                arguments.Done();
                if (command != "join")
                {
                    // HOST:PORT, or an address typed with another protocol, names the member at that endpoint.
                    address = cluster.State.Members.FirstOrDefault(m => MemberAddress.SameEndpoint(m.Address, address))?.Address
                        ?? throw new ConsoleCommandException($"{address} is not a member");
                }
                switch (command)
                {
                    case "leave":
                        cluster.Leave(address);
                        break;
                    case "down":
                        cluster.Down(address);
                        break;
                    default:
                        cluster.Join(address);
                        break;
                }
                await output.Line($"{command} {address}").ConfigureAwait(false);
                return 0;
            case "down-unreachable":
                arguments.Done();
                foreach (var member in cluster.State.Unreachable)
                {
                    cluster.Down(member.Address);
                    await output.Line($"down {member.Address}").ConfigureAwait(false);
                }
                return 0;
            default:
                arguments.Done();
                var channel = Channel.CreateUnbounded<string>();
                var listener = system.ActorOf(Props.Create(() => new MembershipListener(channel.Writer)));
                try
                {
                    cluster.Subscribe(listener, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));
                    await foreach (var line in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                    {
                        await output.Line(line).ConfigureAwait(false);
                    }
                }
                finally
                {
                    cluster.Unsubscribe(listener);
                    system.Stop(listener);
                }
                return 0;
        }
    }

    private sealed class MembershipListener : ReceiveActor
    {
        public MembershipListener(ChannelWriter<string> sink)
        {
            Receive<ClusterEvent.IClusterDomainEvent>(e => sink.TryWrite($"{ConsoleOutput.Time(DateTimeOffset.UtcNow)} {e}"));
        }
    }
}
