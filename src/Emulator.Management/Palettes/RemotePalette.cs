using System.Globalization;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Cluster;
using Akka.Remote;
using Emulator.Cluster;

namespace Emulator.Management.Palettes;

/// <summary>
/// <c>remote connections | blackhole ADDRESS | throttle ADDRESS --rate B | drop ADDRESS --probability P | restore ADDRESS</c>:
/// the links from this member to the others, and faults on them. A fault acts on this member's side of one link only
/// (Akka.Remote's throttle and failure injector transport adapters); to cut a member off, blackhole it from every other member, or every other member from it. The
/// cluster sees what a real network fault shows: missed heartbeats, unreachability, the Split Brain Resolver's decision.
/// </summary>
public sealed class RemotePalette(ActorSystem system) : Palette
{
    private const string Directions = "both, send or receive";

    /// <inheritdoc />
    public override string Name => "remote";

    /// <inheritdoc />
    public override string Description => "Akka.Remote links to the other members, and faults on them";

    /// <inheritdoc />
    public override IReadOnlyList<ConsoleCommandInfo> Commands { get; } =
    [
        new("connections", "connections", "every member this one knows or has had an association with: membership, reachability, association, link"),
        new("blackhole", "blackhole ADDRESS [--direction both|send|receive]", "drop every byte on the link to ADDRESS (a network partition, this member's side)"),
        new("throttle", "throttle ADDRESS --rate BYTES_PER_SECOND [--direction both|send|receive]", "let at most BYTES_PER_SECOND through on the link to ADDRESS"),
        new("drop", "drop ADDRESS --probability P", "lose each message this member sends to ADDRESS with probability P, 0 to 1 (a lossy link; make it lossy at both ends for both ways)"),
        new("restore", "restore ADDRESS", "take the fault off the link to ADDRESS"),
    ];

    /// <inheritdoc />
    public override async Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken)
    {
        if (system is not ExtendedActorSystem { Provider: IRemoteActorRefProvider provider })
        {
            throw new ConsoleCommandException("this process does not use Akka.Remote");
        }
        var self = provider.DefaultAddress;
        var links = RemoteLinks.Get(system);
        if (command == "connections")
        {
            arguments.Done();
            await output.Table(["ADDRESS", "MEMBER", "REACHABLE", "ASSOCIATION", "SINCE", "LINK"], Connections(self, links)).ConfigureAwait(false);
            return 0;
        }
        var address = MemberAddress.Parse(arguments.Next("ADDRESS"), self);
        LinkFault? fault = command switch
        {
            "blackhole" => new LinkFault.Blackhole(Direction(arguments)),
            "throttle" => new LinkFault.Throttle(Rate(arguments), Direction(arguments)),
            "drop" => new LinkFault.Lossy(Probability(arguments)),
            _ => null,
        };
        arguments.Done();
        if (MemberAddress.SameEndpoint(address, self))
        {
            throw new ConsoleCommandException($"{self} is this member: name another one");
        }
        var known = Known(links).FirstOrDefault(a => MemberAddress.SameEndpoint(a, address))
            ?? throw new ConsoleCommandException($"no member or association at {MemberAddress.Endpoint(address)} (known: {KnownText(self, links)})");
        bool applied;
        try
        {
            applied = await links.SetFaultAsync(known, fault).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or AskTimeoutException)
        {
            throw new ConsoleCommandException($"the transport did not confirm the change on the link to {known}: {e.Message}");
        }
        if (!applied)
        {
            throw new ConsoleCommandException(fault is LinkFault.Lossy
                ? "this member's transport cannot drop messages: akka.remote.dot-netty.tcp.applied-adapters lacks gremlin"
                : "this member's transport cannot throttle: akka.remote.dot-netty.tcp.applied-adapters lacks trttl");
        }
        await output.Value(new JsonObject { ["address"] = known.ToString(), ["link"] = LinkText(fault) }, () => $"{known}: {LinkText(fault)}").ConfigureAwait(false);
        return 0;
    }

    /// <inheritdoc />
    public override IEnumerable<string> Complete(string command, string partial)
    {
        if (command is not ("blackhole" or "throttle" or "drop" or "restore") || system is not ExtendedActorSystem { Provider: IRemoteActorRefProvider provider })
        {
            return [];
        }
        return Known(RemoteLinks.Get(system)).Where(a => !MemberAddress.SameEndpoint(a, provider.DefaultAddress))
            .Select(MemberAddress.Endpoint).Where(e => e.StartsWith(partial, StringComparison.Ordinal)).Order(StringComparer.Ordinal);
    }

    private IEnumerable<IReadOnlyList<string>> Connections(Address self, RemoteLinks links)
    {
        var state = Members();
        var members = state?.Members.Where(m => !MemberAddress.SameEndpoint(m.Address, self)).ToList() ?? [];
        var associations = links.Associations;
        return Known(links).Where(a => !MemberAddress.SameEndpoint(a, self)).Select(address =>
        {
            var member = members.FirstOrDefault(m => MemberAddress.SameEndpoint(m.Address, address));
            var association = associations.FirstOrDefault(a => MemberAddress.SameEndpoint(a.Address, address));
            return (IReadOnlyList<string>)
            [
                address.ToString(),
                member?.Status.ToString() ?? "-",
                member is null ? "-" : state!.Unreachable.Contains(member) ? "no" : "yes",
                association is null ? "-" : association.State.ToString().ToLowerInvariant() + (association.State == AssociationState.Associated ? association.Inbound ? " (inbound)" : " (outbound)" : ""),
                association is null ? "-" : ConsoleOutput.Time(association.Since),
                LinkText(links.FaultOf(address)),
            ];
        });
    }

    // Members first (their addresses are the ones people see in `cluster show`), then associations with non-members.
    private List<Address> Known(RemoteLinks links)
    {
        var known = Members()?.Members.Select(m => m.Address).ToList() ?? [];
        known.AddRange(links.Associations.Select(a => a.Address).Where(a => !known.Any(k => MemberAddress.SameEndpoint(k, a))));
        return known.OrderBy(MemberAddress.Endpoint, StringComparer.Ordinal).ToList();
    }

    private string KnownText(Address self, RemoteLinks links)
    {
        var others = Known(links).Where(a => !MemberAddress.SameEndpoint(a, self)).Select(MemberAddress.Endpoint).ToList();
        return others.Count == 0 ? "none" : string.Join(", ", others);
    }

    private ClusterEvent.CurrentClusterState? Members() =>
        system is ExtendedActorSystem { Provider: IClusterActorRefProvider } ? Akka.Cluster.Cluster.Get(system).State : null;

    private static LinkDirection Direction(CommandArguments arguments) => arguments.Option("--direction") switch
    {
        null or "both" => LinkDirection.Both,
        "send" => LinkDirection.Send,
        "receive" => LinkDirection.Receive,
        var other => throw new ConsoleUsageException($"--direction must be {Directions}, got \"{other}\""),
    };

    private static long Rate(CommandArguments arguments) =>
        arguments.Number("--rate", 1, 1_000_000_000_000) ?? throw new ConsoleUsageException("missing --rate BYTES_PER_SECOND");

    private static double Probability(CommandArguments arguments)
    {
        var text = arguments.Option("--probability") ?? throw new ConsoleUsageException("missing --probability P");
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 1
            ? p
            : throw new ConsoleUsageException($"--probability must be a number from 0 to 1, got \"{text}\"");
    }

    private static string LinkText(LinkFault? fault) => fault switch
    {
        null => "normal",
        LinkFault.Blackhole b => $"blackhole ({DirectionText(b.Direction)})",
        LinkFault.Throttle t => $"throttle {t.BytesPerSecond.ToString(CultureInfo.InvariantCulture)} B/s ({DirectionText(t.Direction)})",
        LinkFault.Lossy l => $"drop {l.Probability.ToString("0.###", CultureInfo.InvariantCulture)} ({DirectionText(l.Direction)})",
        _ => fault.ToString(),
    };

    private static string DirectionText(LinkDirection direction) => direction.ToString().ToLowerInvariant();
}
