using System.Globalization;
using Akka.Configuration;

namespace Emulator.Cluster;

/// <summary>
/// How a process takes part in the emulator's Akka cluster: its roles, where it listens, whom it joins.
/// </summary>
/// <param name="Roles">Its roles (<see cref="ClusterRoles.ControlPlane"/>, <see cref="ClusterRoles.Worker"/>).</param>
/// <param name="Host">The address members reach it on (loopback unless told otherwise).</param>
/// <param name="Port">The cluster port (0: any free one).</param>
/// <param name="Seeds">Members to join (<c>HOST:PORT</c>); empty: the process starts a cluster of its own.</param>
/// <param name="BindAddress">
/// The address the cluster listens on, when it is not <paramref name="Host"/> (null: <paramref name="Host"/>). In a
/// container the member listens on <c>0.0.0.0</c> and is reached by its service name.
/// </param>
public sealed record ClusterMembership(IReadOnlyList<string> Roles, string Host = "127.0.0.1", int Port = 0, IReadOnlyList<string>? Seeds = null, string? BindAddress = null)
{
    /// <summary>The name of the actor system of every member (members of one cluster share it).</summary>
    public const string SystemName = "emulator";

    /// <summary><c>emulator up</c>: one member with every role, on a free loopback port.</summary>
    public static ClusterMembership SingleProcess { get; } = new([ClusterRoles.ControlPlane, ClusterRoles.Worker]);

    /// <summary>True when this member holds the store and the controllers (when it is the oldest of its role).</summary>
    public bool IsControlPlane => Roles.Contains(ClusterRoles.ControlPlane);

    /// <summary>True when this member hosts emulated nodes.</summary>
    public bool IsWorker => Roles.Contains(ClusterRoles.Worker);

    /// <summary>
    /// The protocol of every member's address: TCP under Akka.Remote's throttle (<c>trttl</c>) and failure injector
    /// (<c>gremlin</c>) adapters, which put their names in front of it.
    /// </summary>
    public const string Protocol = "akka.trttl.gremlin.tcp";

    /// <summary>The seeds as Akka addresses.</summary>
    public IReadOnlyList<string> SeedAddresses => (Seeds ?? []).Select(s => $"{Protocol}://{SystemName}@{s}").ToArray();

    /// <summary>The role that carries a member's time scale: members compare it when they join.</summary>
    public static string TimeScaleRole(double scale) => "time-scale-" + scale.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The time scale another member runs at, from its roles (null: it carries none).</summary>
    public static double? TimeScaleOf(IEnumerable<string> roles) =>
        roles.Where(r => r.StartsWith("time-scale-", StringComparison.Ordinal))
            .Select(r => double.TryParse(r["time-scale-".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null)
            .FirstOrDefault();

    /// <summary>
    /// The member's settings: the cluster provider on Akka.Remote (with the transport adapters that can cut or slow a
    /// link, see <see cref="RemoteLinks"/>), distributed pub-sub loaded on every member, the
    /// Split Brain Resolver, and failure detection tuned so that a dead member is downed — and a singleton moves — in
    /// seconds rather than Akka's default of about 45. <paramref name="timeScale"/> goes into the roles, so that a
    /// member started with another scale is found out when it joins.
    /// </summary>
    public Config ToConfig(double timeScale) => ConfigurationFactory.ParseString($$"""
        akka {
          # Members without the pub-sub extension log "Cannot find serializer with id [9]" for every message.
          extensions = [
            "Emulator.Runtime.Time.EmulatedTimeProvider, Emulator.Runtime",
            "Akka.Cluster.Tools.PublishSubscribe.DistributedPubSubExtensionProvider, Akka.Cluster.Tools",
            # Records the associations from the start, for the console's `remote connections`.
            "Emulator.Cluster.RemoteLinksProvider, Emulator.Cluster"
          ]
          actor.provider = cluster
          remote.dot-netty.tcp {
            # Members address each other by public-hostname; hostname is where this one listens.
            hostname = "{{BindAddress ?? Host}}"
            public-hostname = "{{Host}}"
            port = {{Port.ToString(CultureInfo.InvariantCulture)}}
            # A list of every pod of a large cluster is one message: Akka's default frame (128 kB) would drop it.
            maximum-frame-size = 64MiB
            # The throttler and the failure injector over TCP on every member, so that a link between two members can
            # be cut or slowed at run time (the console's `remote blackhole|throttle|restore`) as a real network fault.
            # Unused, they pass bytes through; they prefix the protocol: akka.trttl.gremlin.tcp://emulator@HOST:PORT.
            applied-adapters = [trttl, gremlin]
          }
          # Each member sends over the connection it opened itself, never over one the other member opened: the failure
          # injector knows a link by the address it dialled (an accepted connection carries the peer's ephemeral
          # port), so only then can it lose what this member sends on it (the console's `remote drop`).
          remote.use-passive-connections = off
          cluster {
            roles = [{{string.Join(", ", Roles.Append(TimeScaleRole(timeScale)).Select(r => "\"" + r + "\""))}}]
            seed-node-timeout = 1s
            retry-unsuccessful-join-after = 2s
            # One member moves itself to Up at the first leader tick: `emulator up` waits for it.
            leader-actions-interval = 200ms
            # A member that stops answering heartbeats is unreachable after about 3 s ...
            failure-detector {
              heartbeat-interval = 500ms
              acceptable-heartbeat-pause = 2s
              threshold = 8.0
            }
            # ... and downed 3 s later by the Split Brain Resolver: the side with the majority of the members stays (on a
            # tie, the side with the lowest address). keep-oldest over the control-plane role would down the survivors
            # when the oldest of two control-plane members dies (one against one: the oldest's side wins).
            downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
            split-brain-resolver {
              active-strategy = keep-majority
              stable-after = 3s
            }
            singleton {
              role = "{{ClusterRoles.ControlPlane}}"
              hand-over-retry-interval = 200ms
            }
            singleton-proxy {
              role = "{{ClusterRoles.ControlPlane}}"
              singleton-identification-interval = 200ms
              # Akka.NET 1.5.75 logs "failed to find an associated singleton ... after 30 seconds" at start-up already.
              log-singleton-identification-failure = off
              # Commands wait here while the singleton moves; more than this many are dropped (the asker times out).
              buffer-size = 10000
            }
            # Members of every role subscribe to the store's changes.
            pub-sub.role = ""
          }
        }
        """).WithFallback(ClusterMessages.Serialization);
}

/// <summary>The roles of the emulator's cluster members.</summary>
public static class ClusterRoles
{
    /// <summary>Holds the API store and the controllers (singletons on the oldest) and serves the API.</summary>
    public const string ControlPlane = "control-plane";

    /// <summary>Hosts emulated nodes.</summary>
    public const string Worker = "worker";
}
