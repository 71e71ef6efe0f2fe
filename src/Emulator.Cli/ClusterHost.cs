using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.Pattern;
using Emulator.Api;
using Emulator.Api.Discovery;
using Emulator.Cluster;
using Emulator.ControlPlane;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.CertificateSigning;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.LoadBalancer;
using Emulator.ControlPlane.Metrics;
using Emulator.ControlPlane.NodeIpam;
using Emulator.ControlPlane.ServiceAccount;
using Emulator.ControlPlane.ServiceCidr;
using Emulator.ControlPlane.Store;
using Emulator.Node.Containers;
using Emulator.Node.Hosting;
using Emulator.Node.Network;
using Emulator.Node.Network.Dns;
using Emulator.Runtime;
using Emulator.Runtime.Logging;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;
using Emulator.Runtime.Time;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Emulator.Cli;

/// <summary>Where and how the all-in-one cluster runs.</summary>
/// <param name="StateDirectory">Where the journal and snapshots live.</param>
/// <param name="ApiPort">API port on 127.0.0.1 (0: any free port).</param>
/// <param name="KubeconfigPath">Where to write the kubeconfig.</param>
/// <param name="Nodes">How many emulated nodes run in this process.</param>
/// <param name="TimeScale">Emulated seconds per real second.</param>
/// <param name="ImagePullDelay">How long an emulated image pull takes (null: the node default, 2 s).</param>
/// <param name="Settings">HOCON settings (<c>emulator up --config FILE</c>) over the runtime defaults; null: none.</param>
/// <param name="DnsPort">Cluster DNS port on 127.0.0.1, UDP and TCP (0: any free port).</param>
/// <param name="Membership">This process's place in the Akka cluster (null: <c>emulator up</c>, a cluster of one member with every role).</param>
/// <param name="Postgres">The PostgreSQL journal several processes share (null: SQLite in the state directory).</param>
/// <param name="WorkerName">The worker's name: its nodes are <c>&lt;name&gt;-node-1</c>... (null: <c>node-1</c>..., as <c>up</c> names them).</param>
/// <param name="ApiAddress">Where the API listens (null: 127.0.0.1; 0.0.0.0 in a container whose port is published).</param>
public sealed record ClusterHostOptions(string StateDirectory, int ApiPort, string KubeconfigPath, int Nodes = 3, double? TimeScale = null, TimeSpan? ImagePullDelay = null, Config? Settings = null, int DnsPort = 0,
    ClusterMembership? Membership = null, string? Postgres = null, string? WorkerName = null, IPAddress? ApiAddress = null);

/// <summary>The cluster could not start; the message says why in one line.</summary>
public sealed class ClusterStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One member of the emulated cluster's Akka cluster (for <c>emulator up</c>, the only one): persistence on SQLite in the
/// state directory or on a shared PostgreSQL; on control-plane members the API store (a cluster singleton, under a
/// backoff supervisor, so a journal outage is retried), the controllers (one singleton controller manager) and the REST
/// API; on workers the emulated nodes; on every member a watch hub fed with the store's changes through distributed
/// pub-sub, and a store client that reaches the store wherever it runs.
/// </summary>
public sealed class ClusterHost : IAsyncDisposable
{
    /// <summary>
    /// The CLI's own defaults, below the user's <c>--config</c> and above the runtime's: Akka's log goes through
    /// Microsoft.Extensions.Logging to standard error, warnings and errors only, so standard output carries nothing but
    /// what <c>emulator up</c> prints.
    /// </summary>
    private static readonly Config HostDefaults = ConfigurationFactory.ParseString($$"""
        akka {
          loglevel = WARNING
          stdout-loglevel = WARNING
          loggers = ["{{MicrosoftLoggingBridge.TypeName}}"]
        }
        """);

    private readonly ActorSystem _system;
    private readonly ApiServer? _api;
    private readonly ILoggerFactory _loggerFactory;

    private ClusterHost(ActorSystem system, ApiServer? api, ILoggerFactory loggerFactory, IActorRef store, IActorRef nodes, TimeSpan storeTimeout)
    {
        _system = system;
        _api = api;
        _loggerFactory = loggerFactory;
        Store = store;
        Nodes = nodes;
        StoreTimeout = storeTimeout;
    }

    /// <summary>The actor system everything runs in.</summary>
    public ActorSystem System => _system;

    /// <summary>The node host: the emulated nodes of this process.</summary>
    public IActorRef Nodes { get; }

    /// <summary>Where the process's log goes (the console endpoint logs there too).</summary>
    public ILoggerFactory Logging => _loggerFactory;

    /// <summary>The API store.</summary>
    public IActorRef Store { get; }

    /// <summary>How long to wait for the store. Asks time out on the wall clock, whatever the time scale.</summary>
    public TimeSpan StoreTimeout { get; }

    /// <summary>The API's address (a worker serves none).</summary>
    public Uri ApiAddress => _api?.Address ?? throw new InvalidOperationException("a worker serves no API");

    /// <summary>The address other members reach this one on (<c>HOST:PORT</c>).</summary>
    public string ClusterAddress => $"{Akka.Cluster.Cluster.Get(_system).SelfAddress.Host}:{Akka.Cluster.Cluster.Get(_system).SelfAddress.Port}";

    /// <summary>Where the cluster DNS answers (UDP and TCP, on loopback).</summary>
    public IPEndPoint? DnsAddress { get; private init; }

    /// <summary>Emulated seconds per real second, as the settings decided.</summary>
    public double TimeScale => _system.EmulatedClock().TimeScale;

    /// <summary>Starts everything, or fails with a <see cref="ClusterStartException"/> naming what went wrong.</summary>
    public static async Task<ClusterHost> StartAsync(ClusterHostOptions options, CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(options.StateDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClusterStartException($"cannot use state directory {options.StateDirectory}: {e.Message}", e);
        }
        var database = Path.Combine(options.StateDirectory, "emulator.db");
        // Wrapped in the delayable journal: the console's `persistence delay` slows its acknowledgements on demand.
        var journal = JournalSettings.Delayable(options.Postgres is { } postgres ? JournalSettings.PostgreSql(postgres) : OpenJournal(database));
        var membership = options.Membership ?? ClusterMembership.SingleProcess;
        // Scaled time: every emulated duration in the cluster (heartbeats, probes, back-off, grace periods) runs faster.
        // Precedence: command-line flags, then the journal, then the --config file, then the defaults.
        var config = (options.TimeScale is { } scale ? EmulatedTime.ScaledConfig(scale) : Config.Empty)
            .WithFallback(journal)
            .WithFallback(options.Settings ?? Config.Empty)
            .WithFallback(membership.ToConfig(TimeScaleOf(options, journal)))
            .WithFallback(HostDefaults)
            .WithFallback(RuntimeConfig.Defaults);
        ServiceCidrSettings services;
        try
        {
            // The settings the cluster is built on are checked before anything starts: a bad one is a one-line error.
            var settings = config.WithFallback(RuntimeConfig.Defaults);
            services = ServiceCidrSettings.From(settings);
            _ = LoadBalancerSettings.From(settings);
            _ = NodeIpamSettings.From(settings);
        }
        catch (ConfigurationException e)
        {
            throw new ClusterStartException(ErrorText.OneLine(e.Message), e);
        }
        ActorSystem system;
        var loggerFactory = CreateLoggerFactory();
        try
        {
            system = ActorSystem.Create("emulator", BootstrapSetup.Create().WithConfig(config).And(new LoggerFactorySetup(loggerFactory)));
        }
        catch (Exception e) when (e is ConfigurationException or ArgumentException or TypeLoadException)
        {
            loggerFactory.Dispose();
            throw new ClusterStartException($"cannot start the actor system: {ErrorText.OneLine(e.Message)}", e);
        }
        // Asks are on the wall clock: 30 real seconds whatever the time scale.
        var storeTimeout = TimeSpan.FromSeconds(30);
        try
        {
            // Created now rather than on first use: the emulated clock starts with the cluster.
            _ = EmulatedTime.Get(system);
            // Before any persistent actor starts: recovery reads the journal through these manifests.
            var manifests = EventSerialization.Get(system).Manifests;
            StoreSerialization.Register(manifests);
            ContainerRuntimeSerialization.Register(manifests);
            var hub = system.ActorOf(Props.Create(() => new WatchHub(50_000)), "watch-hub");
            // The store's changes reach every member's hub through distributed pub-sub, wherever the store runs.
            var feed = system.ActorOf(Props.Create(() => new WatchHubFeed(hub)), "watch-hub-feed");
            var changes = system.ActorOf(Props.Create(() => new StoreChangePublisher()), "store-changes");
            // Before joining, so a member that sees this one come up finds it to announce its pods' routes to.
            system.ActorOf(Props.Create(() => new PodRoutes()), PodRoutes.Name);
            if (membership.IsControlPlane)
            {
                // A journal write that fails stops the store (Akka persistence); it comes back after the back-off and recovers.
                // The store is a cluster singleton on the oldest control-plane member; it moves when that member dies.
                ClusterSingletons.StartManager(system, "api-store", BackoffSupervisor.Props(Backoff.OnStop(
                    Props.Create(() => new ApiStore(KubernetesAdmission.With(services), changes, 50_000)), "api-store",
                    TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, maxNrOfRetries: -1)));
            }
            var storeProxy = ClusterSingletons.Proxy(system, "api-store");
            var store = system.ActorOf(Props.Create(() => new StoreClient(storeProxy)), "store-client");
            var cluster = Akka.Cluster.Cluster.Get(system);
            if (membership.SeedAddresses.Count == 0)
            {
                cluster.Join(cluster.SelfAddress);
            }
            else
            {
                cluster.JoinSeedNodes(membership.SeedAddresses.Select(Address.Parse));
            }
            await feed.Ask<WatchHubFeed.Subscribed>(WatchHubFeed.AwaitSubscribed.Instance, storeTimeout, cancellationToken);
            try
            {
                await ClusterSingletons.WaitForStoreAsync(store, membership.SeedAddresses.Count == 0 ? storeTimeout : TimeSpan.FromMinutes(2), cancellationToken);
            }
            catch (TimeoutException e)
            {
                throw new ClusterStartException(membership.SeedAddresses.Count == 0 ? e.Message : $"{e.Message}: is a control-plane member running at {string.Join(", ", membership.Seeds ?? [])}?", e);
            }
            // Emulated time must run at one speed in the whole cluster (leases, grace periods and tolerations compare
            // times written by different members).
            var ownScale = system.EmulatedClock().TimeScale;
            if (cluster.State.Members.Select(m => ClusterMembership.TimeScaleOf(m.Roles)).FirstOrDefault(s => s is not null && s != ownScale) is { } other)
            {
                throw new ClusterStartException($"the cluster runs emulated time at --time-scale {other.ToString(CultureInfo.InvariantCulture)} and this member at {ownScale.ToString(CultureInfo.InvariantCulture)}: every member must run the same --time-scale");
            }
            var types = ApiResourceCatalog.Default.Resources.Select(r => r.StoreType).Distinct().ToArray();
            var events = system.ActorOf(Props.Create(() => new EventRecorder(store)), "event-recorder");
            // The cluster CA (ca.crt/ca.key) and the service account signing key (sa.key), kept in the state directory.
            var clusterCa = membership.IsControlPlane ? ClusterCertificateAuthority.LoadOrCreate(options.StateDirectory) : null;
            var rootCa = clusterCa?.CertificatePem ?? "";
            // One service account signing key for the whole cluster, kept in the store: the API servers of every
            // control-plane member verify what any of them (or a kubelet) signed.
            var tokens = await ServiceAccountSigningKey.AgreeAsync(store,
                () => membership.IsControlPlane ? ServiceAccountTokenIssuer.LoadOrCreate(Path.Combine(options.StateDirectory, "sa.key")) : ServiceAccountTokenIssuer.CreateEphemeral(),
                storeTimeout);
            ServiceAccountTokens.Get(system).Issuer = tokens;
            IActorRef? nodes = null;
            if (membership.IsWorker)
            {
                var nodeOptions = new NodeHostOptions(options.Nodes, ImagePullDelay: options.ImagePullDelay);
                if (options.WorkerName is { } worker)
                {
                    // Stable names: a restarted worker brings back the same nodes and its kubelets' journal.
                    nodeOptions = nodeOptions with { NamePrefix = worker + "-node-", Host = worker };
                }
                nodes = system.ActorOf(Props.Create(() => new NodeHost(nodeOptions, store, hub, events)), "nodes");
                // NodePort and LoadBalancer Services answer on 127.0.0.1 at their node ports (and at loopback ingress
                // addresses), entering at this process's first node (a second worker on the same machine finds the
                // ports taken: an event, not a failure).
                var firstNode = nodeOptions.NamePrefix + "1";
                KubeControllerManager.Supervised(system, "service-host-listeners", Props.Create(() => new ServiceHostListeners(store, hub, events, firstNode, null)));
                if (!membership.IsControlPlane)
                {
                    // The process's one view of the Services and EndpointSlices, for its nodes' proxies and pods' names
                    // (the cluster DNS server itself answers on the control-plane members).
                    system.ActorOf(Props.Create(() => new ClusterDns(store, hub, ClusterNetwork.Get(system).Dns, null, ClusterNetwork.Get(system).DnsServiceIp, false)), "cluster-dns");
                }
            }
            // Logs and usage requests reach a node's kubelet in whichever process hosts it (the Node names the member).
            var kubelets = system.ActorOf(Props.Create(() => new KubeletRouter(store, nodes, storeTimeout)), "kubelets");
            // metrics-server: scrapes the kubelets when its metrics are read (kubectl top, the autoscaler).
            var metrics = system.ActorOf(Props.Create(() => new MetricsServer(store, kubelets, null)), "metrics-server");
            if (!membership.IsControlPlane)
            {
                return new ClusterHost(system, null, loggerFactory, store, nodes ?? ActorRefs.Nobody, storeTimeout);
            }
            // The cluster DNS (CoreDNS's place): answers from Services and EndpointSlices on a loopback port.
            var dnsZone = ClusterNetwork.Get(system).Dns;
            var dns = system.ActorOf(Props.Create(() => new ClusterDns(store, hub, dnsZone, new ClusterDnsOptions(IPAddress.Loopback, options.DnsPort), ClusterNetwork.Get(system).DnsServiceIp, ensureService: true)), "cluster-dns");
            var dnsListening = await dns.Ask<ClusterDnsListening>(new GetClusterDnsAddress(), TimeSpan.FromSeconds(30), cancellationToken);
            if (dnsListening.EndPoint is null)
            {
                throw new ClusterStartException($"{dnsListening.Error} (choose another with --dns-port, or 0 for a free one)");
            }
            ApiServer api;
            try
            {
                api = await ApiServer.StartAsync(system, store, hub, ApiResourceCatalog.Default, new ApiServerOptions
                {
                    Address = options.ApiAddress ?? IPAddress.Loopback,
                    Port = options.ApiPort,
                    Nodes = kubelets,
                    Metrics = metrics,
                    StoreTimeout = storeTimeout,
                    ServiceAccountTokens = tokens,
                });
            }
            catch (IOException e) when (e.InnerException is SocketException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new ClusterStartException($"cannot listen on {options.ApiAddress ?? IPAddress.Loopback}:{options.ApiPort}: the port is in use (choose another with --api-port, or 0 for a free one)", e);
            }
            // The controllers run exactly once in the cluster: children of the controller manager, a singleton on the oldest
            // control-plane member (it moves, and they relist, when that member dies).
            var controllers = new KubeControllerManagerOptions(store, hub, events, metrics, types, rootCa, api.Address.Host, api.Address.Port,
                ApiResourceCatalog.Default.Resources.Select(r => (r.Group, r.Version)).Distinct().ToArray(), SigningCa: clusterCa);
            ClusterSingletons.StartManager(system, "controller-manager", Props.Create(() => new ControllerManager(manager => KubeControllerManager.Start(manager, controllers))));
            Kubeconfig.Write(options.KubeconfigPath, api.Address);
            return new ClusterHost(system, api, loggerFactory, store, nodes ?? ActorRefs.Nobody, storeTimeout) { DnsAddress = dnsListening.EndPoint };
        }
        catch
        {
            await Stop(system);
            loggerFactory.Dispose();
            throw;
        }
    }

    /// <summary>The time scale the settings decide (flags, then the settings file, then 1), before the system exists.</summary>
    private static double TimeScaleOf(ClusterHostOptions options, Config journal) =>
        options.TimeScale ?? (options.Settings ?? Config.Empty).WithFallback(journal).WithFallback(RuntimeConfig.Defaults).GetDouble("emulator.time.scale", 1.0);

    /// <summary>The log's destination: one line per event on standard error (standard output is the CLI's own).</summary>
    private static ILoggerFactory CreateLoggerFactory() => LoggerFactory.Create(logging => logging
        // Every member loads the gremlin adapter so the console's `remote` palette can blackhole and throttle links;
        // Akka warns at each start that it is loaded, which says nothing about a fault being active.
        .AddFilter("Akka.Remote.Transport.FailureInjectorTransportAdapter", LogLevel.Error)
        .AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        })
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));

    /// <summary>
    /// Checks that the journal's SQLite file can be opened, read and written before the actor system exists (Akka's SQL
    /// journal would only find out in its own actor, as a stopped store and a timeout), and returns its settings.
    /// </summary>
    private static Config OpenJournal(string database)
    {
        try
        {
            using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString()))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                // Reading the schema makes SQLite parse the file header (a file that is no database fails here), and an
                // immediate transaction takes the write lock (a read-only file or directory fails here), writing nothing.
                command.CommandText = "SELECT count(*) FROM sqlite_master; BEGIN IMMEDIATE; ROLLBACK;";
                command.ExecuteNonQuery();
                // The emulator's own kernel kept its journal in other tables (journal_metadata, snapshots): Akka's journal
                // would start an empty cluster beside them, as if the state were gone.
                command.CommandText = """
                    SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('journal_metadata', 'snapshots')
                      AND NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'event_journal')
                    """;
                if (Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0)
                {
                    throw new ClusterStartException($"SQLite journal at {database}: written by an emulator before its move to Akka.NET, and Akka's journal cannot read it; use another --state (or remove the file to start afresh)");
                }
            }
            return JournalSettings.Sqlite(database);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new ClusterStartException($"SQLite journal at {database}: {Describe(e)}", e);
        }
    }

    /// <summary>SQLite's own words ("file is not a database"), without the wrapper of <see cref="SqliteException"/>.</summary>
    private static string Describe(Exception cause)
    {
        if (cause is not SqliteException sqlite)
        {
            return ErrorText.OneLine(cause.Message);
        }
        // SqliteException messages read "SQLite Error 26: 'file is not a database'.".
        var message = sqlite.Message;
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = message.LastIndexOf('\'');
        return ErrorText.OneLine(end > start + 1 ? message[(start + 1)..end] : message);
    }

    /// <summary>How many nodes report Ready, of how many registered.</summary>
    public async Task<(int Ready, int Total)> CountReadyNodesAsync()
    {
        var nodes = await Store.Ask<ListReply>(new ListObjects(ResourceTypes.Nodes, null), StoreTimeout);
        var ready = nodes.Items.Count(n => n.ToJsonObject()["status"]?["conditions"] is System.Text.Json.Nodes.JsonArray conditions
            && conditions.Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True"));
        return (ready, nodes.Items.Count);
    }

    /// <summary>Stops the API (no new writes), then the actors: the journal finishes what was acknowledged before the system ends.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
        await Stop(_system);
        // After the system: the logger factory flushes what the last actors logged.
        _loggerFactory.Dispose();
    }

    private static async Task Stop(ActorSystem system)
    {
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await system.WhenTerminated;
    }
}
