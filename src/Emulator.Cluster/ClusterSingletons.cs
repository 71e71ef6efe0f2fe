using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Emulator.ControlPlane.Store;

namespace Emulator.Cluster;

/// <summary>
/// What runs exactly once in the cluster, on the oldest control-plane member: the API store and the controller
/// manager. When that member dies, Akka starts them on the next oldest; the store recovers from the shared journal and
/// the controllers relist (they are level-triggered).
/// </summary>
public static class ClusterSingletons
{
    /// <summary>
    /// Starts this member's singleton manager for <paramref name="props"/> (control-plane members only) under
    /// <c>/user/<paramref name="name"/></c>.
    /// </summary>
    public static void StartManager(ActorSystem system, string name, Props props) =>
        system.ActorOf(ClusterSingletonManager.Props(props, PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system).WithRole(ClusterRoles.ControlPlane)), name);

    /// <summary>A reference that reaches the singleton <paramref name="name"/> wherever it runs (every member has one).</summary>
    public static IActorRef Proxy(ActorSystem system, string name) =>
        system.ActorOf(ClusterSingletonProxy.Props($"/user/{name}", ClusterSingletonProxySettings.Create(system).WithRole(ClusterRoles.ControlPlane)), name + "-proxy");

    /// <summary>
    /// Waits until the store answers through <paramref name="store"/> (its singleton started and was located), or
    /// <paramref name="timeout"/> passes.
    /// </summary>
    /// <exception cref="TimeoutException">The store did not answer in time.</exception>
    public static async Task<StoreInfo> WaitForStoreAsync(IActorRef store, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await store.Ask<StoreInfo>(new GetStoreInfo(), TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
            catch (AskTimeoutException) when (DateTime.UtcNow < deadline)
            {
                // Not located yet: the proxy buffers and retries; ask again.
            }
            catch (AskTimeoutException e)
            {
                throw new TimeoutException($"the API store did not answer within {timeout.TotalSeconds:0} s", e);
            }
        }
    }
}

/// <summary>
/// The controller manager: one actor, run as a cluster singleton, whose children are the controllers — as
/// kube-controller-manager runs all of them in the one instance that holds its leader lease.
/// </summary>
public sealed class ControllerManager : UntypedActor
{
    private readonly Action<IActorRefFactory> _start;

    /// <summary>Creates the manager; <paramref name="start"/> starts the controllers as its children.</summary>
    public ControllerManager(Action<IActorRefFactory> start) => _start = start;

    /// <inheritdoc />
    protected override void PreStart() => _start(Context);

    /// <inheritdoc />
    protected override void OnReceive(object message) => Unhandled(message);
}
