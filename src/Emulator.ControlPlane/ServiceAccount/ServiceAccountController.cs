using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.Defaulting;

namespace Emulator.ControlPlane.ServiceAccount;

/// <summary>
/// Kubernetes' service account controller: every active namespace has a <c>default</c> ServiceAccount. It is created
/// when the namespace appears and again whenever it is deleted; a terminating namespace gets none (its content is
/// being removed). Reconciles per namespace.
/// </summary>
public sealed class ServiceAccountController : Controller
{
    /// <summary><c>v1</c> ServiceAccounts.</summary>
    public static readonly ResourceType ServiceAccounts = ResourceTypes.Of("", "serviceaccounts");

    private static readonly ResourceType Namespaces = ResourceTypes.Namespaces;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public ServiceAccountController(IActorRef store, IActorRef watchHub, TimeSpan? resync = null)
        : base(store, watchHub, [Namespaces, ServiceAccounts], resync)
    {
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == ServiceAccounts.Key)
        {
            // Only the loss of a default account matters: the namespace must get it back.
            if (after is null && before is { Name: ServiceAccountDefaults.DefaultServiceAccount, Namespace: { } ns })
            {
                Enqueue(new ObjectKey(Namespaces.Key, null, ns));
            }
            return;
        }
        base.OnChange(type, before, after);
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(Namespaces).Get(null, key.Name) is not { } ns || ns.Stored.IsDeleting)
        {
            return;
        }
        if (Cache(ServiceAccounts).Get(ns.Name, ServiceAccountDefaults.DefaultServiceAccount) is not null)
        {
            return;
        }
        CreateObject(key, ServiceAccounts, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = new JsonObject { ["name"] = ServiceAccountDefaults.DefaultServiceAccount, ["namespace"] = ns.Name },
        });
    }
}
