using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Services;

/// <summary>
/// Base of the controllers that reconcile per Service from Services and their pods: a pod's change queues the Services
/// of its namespace that select it (before or after the change), a node's change (its zone) queues every Service.
/// </summary>
public abstract class ServiceController : Controller
{
    /// <summary><c>v1</c> Services.</summary>
    public static readonly ResourceType Services = ResourceTypes.Of("", "services");

    /// <summary>Creates the controller, watching Services, Pods, Nodes and <paramref name="owned"/>.</summary>
    protected ServiceController(IActorRef store, IActorRef watchHub, ResourceType owned, TimeSpan? resync)
        : base(store, watchHub, [Services, ResourceTypes.Pods, ResourceTypes.Nodes, owned], resync)
    {
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == ResourceTypes.Pods.Key)
        {
            var ns = (after ?? before)!.Namespace ?? "";
            foreach (var service in Cache(Services).InNamespace(ns))
            {
                if ((before is not null && ServiceEndpoints.Selects(service.Object, before))
                    || (after is not null && ServiceEndpoints.Selects(service.Object, after)))
                {
                    Enqueue(KeyOf(Services, service));
                }
            }
            return;
        }
        if (type.Key == ResourceTypes.Nodes.Key)
        {
            foreach (var service in Cache(Services).All)
            {
                Enqueue(KeyOf(Services, service));
            }
            return;
        }
        OnOwnedChange(type, before, after);
    }

    /// <summary>A change to a Service (the default queues it) or to an object the controller owns.</summary>
    protected virtual void OnOwnedChange(ResourceType type, CachedObject? before, CachedObject? after) => base.OnChange(type, before, after);

    /// <summary>The endpoints of a Service now.</summary>
    protected IReadOnlyList<ServiceEndpoint> EndpointsOf(KubeObject service) =>
        ServiceEndpoints.Of(service, Cache(ResourceTypes.Pods).InNamespace(service.Namespace ?? "").Select(p => p.Object));

    /// <summary>The zone of a node (<c>topology.kubernetes.io/zone</c>), or null.</summary>
    protected string? ZoneOf(string? node) =>
        node is null ? null : Cache(ResourceTypes.Nodes).Get(null, node)?.Object.Labels.GetValueOrDefault("topology.kubernetes.io/zone");
}
