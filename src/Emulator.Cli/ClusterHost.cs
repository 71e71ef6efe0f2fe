using System.Net.Sockets;
using Emulator.Actors;
using Emulator.Actors.Persistence;
using Emulator.Actors.Persistence.Backoff;
using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Serialization;
using Emulator.Actors.Persistence.Sqlite;
using Emulator.Api;
using Emulator.Api.Discovery;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Deployment;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.GarbageCollection;
using Emulator.ControlPlane.Namespace;
using Emulator.ControlPlane.NodeLifecycle;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Scheduling;
using Emulator.ControlPlane.Store;
using Emulator.Node.Hosting;
using Emulator.Node.Kubelet;

namespace Emulator.Cli;

/// <summary>Where and how the all-in-one cluster runs.</summary>
/// <param name="StateDirectory">Where the journal and snapshots live.</param>
/// <param name="ApiPort">API port on 127.0.0.1 (0: any free port).</param>
/// <param name="KubeconfigPath">Where to write the kubeconfig.</param>
/// <param name="Nodes">How many emulated nodes run in this process.</param>
/// <param name="TimeScale">Emulated seconds per real second.</param>
/// <param name="ImagePullDelay">How long an emulated image pull takes (null: the node default, 2 s).</param>
public sealed record ClusterHostOptions(string StateDirectory, int ApiPort, string KubeconfigPath, int Nodes = 3, double TimeScale = 1.0, TimeSpan? ImagePullDelay = null);

/// <summary>The cluster could not start; the message says why in one line.</summary>
public sealed class ClusterStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The all-in-one cluster: one actor system with persistence on SQLite in the state directory, the API store (under a
/// backoff supervisor, so a journal outage is retried), the watch hub and the REST API.
/// </summary>
public sealed class ClusterHost : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly ApiServer _api;

    private ClusterHost(ActorSystem system, ApiServer api, IActorRef store, TimeSpan storeTimeout)
    {
        _system = system;
        _api = api;
        Store = store;
        StoreTimeout = storeTimeout;
    }

    /// <summary>The API store.</summary>
    public IActorRef Store { get; }

    /// <summary>
    /// How long to wait for the store. Asks time out on the emulated clock, so this is 30 real seconds whatever the
    /// time scale.
    /// </summary>
    public TimeSpan StoreTimeout { get; }

    /// <summary>The API's address.</summary>
    public Uri ApiAddress => _api.Address;

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
        // Scaled time: every duration in the cluster (heartbeats, probes, back-off, grace periods) runs faster.
        var system = ActorSystem.Create("emulator", ActorSystemSettings.Default with { TimeScale = options.TimeScale });
        var storeTimeout = TimeSpan.FromSeconds(30 * Math.Max(1.0, options.TimeScale));
        try
        {
            var serializer = StoreSerialization.Register(new EventSerializer());
            KubeletSerialization.Register(serializer);
            try
            {
                await Persistence.StartAsync(system, new PersistenceSettings(new SqliteJournalStore(database), new SqliteSnapshotStore(database), serializer), cancellationToken);
            }
            catch (StoreUnavailableException e)
            {
                throw new ClusterStartException(e.Message, e);
            }
            var hub = system.ActorOf(Props.Create(() => new WatchHub(50_000)), "watch-hub");
            var store = system.ActorOf(BackoffSupervisor.Props(new BackoffOptions(
                Props.Create(() => new ApiStore(KubernetesAdmission.Default, hub, 50_000)), "api-store",
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2)), "api-store-supervisor");
            var types = ApiResourceCatalog.Default.Resources.Select(r => r.StoreType).ToArray();
            Supervised(system, "namespace-controller", Props.Create(() => new NamespaceController(store, hub, types, TimeSpan.FromSeconds(5))));
            Supervised(system, "garbage-collector", Props.Create(() => new GarbageCollector(store, hub, types, TimeSpan.FromSeconds(30))));
            var events = system.ActorOf(Props.Create(() => new EventRecorder(store)), "event-recorder");
            StartControllers(system, store, hub, events);
            var nodes = system.ActorOf(Props.Create(() => new NodeHost(new NodeHostOptions(options.Nodes, ImagePullDelay: options.ImagePullDelay), store, hub, events)), "nodes");
            ApiServer api;
            try
            {
                api = await ApiServer.StartAsync(system, store, hub, ApiResourceCatalog.Default, new ApiServerOptions
                {
                    Port = options.ApiPort,
                    Nodes = nodes,
                    StoreTimeout = storeTimeout,
                });
            }
            catch (IOException e) when (e.InnerException is SocketException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new ClusterStartException($"cannot listen on 127.0.0.1:{options.ApiPort}: the port is in use (choose another with --api-port, or 0 for a free one)", e);
            }
            Kubeconfig.Write(options.KubeconfigPath, api.Address);
            return new ClusterHost(system, api, store, storeTimeout);
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    /// <summary>
    /// The controllers, each under its own backoff supervisor below <c>/user</c>; a restarted controller relists and
    /// carries on (they are level-triggered).
    /// </summary>
    private static void StartControllers(ActorSystem system, IActorRef store, IActorRef hub, IActorRef events)
    {
        Supervised(system, "replicaset-controller", Props.Create(() => new ReplicaSetController(store, hub, events, TimeSpan.FromMinutes(1))));
        Supervised(system, "deployment-controller", Props.Create(() => new DeploymentController(store, hub, events, TimeSpan.FromMinutes(1))));
        Supervised(system, "scheduler", Props.Create(() => new Scheduler(store, hub, events, 0)));
        Supervised(system, "node-lifecycle-controller", Props.Create(() => new NodeLifecycleController(store, hub, events)));
    }

    /// <summary>
    /// Runs a controller under a backoff supervisor: a controller that fails is restarted by the default strategy, and one
    /// that stops (a <c>Kill</c>, a chaos experiment) is started again after a short backoff; either way it relists.
    /// </summary>
    private static void Supervised(ActorSystem system, string name, Props props) =>
        system.ActorOf(BackoffSupervisor.Props(new BackoffOptions(props, name, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), 0.2)), name + "-supervisor");

    /// <summary>How many nodes report Ready, of how many registered.</summary>
    public async Task<(int Ready, int Total)> CountReadyNodesAsync()
    {
        var nodes = await Store.Ask<ListReply>(new ListObjects(ResourceTypes.Nodes, null), StoreTimeout);
        var ready = nodes.Items.Count(n => n.ToJsonObject()["status"]?["conditions"] is System.Text.Json.Nodes.JsonArray conditions
            && conditions.Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True"));
        return (ready, nodes.Items.Count);
    }

    /// <summary>Stops the API, then the actors (flushing the journal).</summary>
    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _system.Terminate();
    }
}
