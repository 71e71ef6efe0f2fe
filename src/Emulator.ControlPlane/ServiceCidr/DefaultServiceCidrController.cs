using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;
using Emulator.Runtime;

namespace Emulator.ControlPlane.ServiceCidr;

/// <summary>
/// The API server's <c>kubernetes-service-cidr-controller</c>: the ServiceCIDR named <c>kubernetes</c> holds the
/// cluster's service range (<c>emulator.services.cluster-ip-range</c>, kubeadm's and kind's 10.96.0.0/12 by default), is
/// created again when deleted, and is marked <c>Ready</c> while its ranges are the configured ones.
/// </summary>
public sealed class DefaultServiceCidrController : Controller
{
    /// <summary>The name of the default ServiceCIDR.</summary>
    public const string DefaultName = "kubernetes";

    private readonly string _range;

    /// <summary><c>networking.k8s.io/v1</c> ServiceCIDRs.</summary>
    public static readonly ResourceType ServiceCidrs = ResourceTypes.Of("networking.k8s.io", "servicecidrs");

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    /// <param name="settings">The service range (null: the actor system's settings).</param>
    public DefaultServiceCidrController(IActorRef store, IActorRef watchHub, TimeSpan? resync = null, ServiceCidrSettings? settings = null)
        : base(store, watchHub, [ServiceCidrs], resync)
    {
        _range = (settings ?? ServiceCidrSettings.From(Context.System.Settings.Config.WithFallback(RuntimeConfig.Defaults))).Cidr;
    }

    /// <inheritdoc />
    protected override void OnSynced() => Enqueue(new ObjectKey(ServiceCidrs.Key, null, DefaultName));

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if ((after ?? before)?.Name == DefaultName)
        {
            Enqueue(new ObjectKey(ServiceCidrs.Key, null, DefaultName));
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        var current = Cache(ServiceCidrs).Get(null, DefaultName);
        if (current is null)
        {
            CreateObject(key, ServiceCidrs, new JsonObject
            {
                ["apiVersion"] = "networking.k8s.io/v1",
                ["kind"] = "ServiceCIDR",
                ["metadata"] = new JsonObject { ["name"] = DefaultName },
                ["spec"] = new JsonObject { ["cidrs"] = new JsonArray(_range) },
            });
            return;
        }
        if (current.Stored.IsDeleting || current.Object.Spec?["cidrs"] is not JsonArray { Count: 1 } cidrs || JsonTree.AsString(cidrs[0]) != _range)
        {
            return;
        }
        var obj = current.Object.Document.DeepClone().AsObject();
        var status = obj["status"] as JsonObject ?? [];
        obj["status"] = status;
        // The controller sets the condition without a reason.
        if (Conditions.Find(status, "Ready") is null && Conditions.Set(status, "Ready", "True", null, "Kubernetes default Service CIDR is ready", Now))
        {
            UpdateStatus(key, ServiceCidrs, obj);
        }
    }
}
