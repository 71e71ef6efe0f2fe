using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.IpAddress;

/// <summary>
/// The API server's IP address repair loop of 1.33's ServiceCIDR-based allocator: every cluster IP a Service holds has
/// an <c>IPAddress</c> named after it (labels <c>ipaddress.kubernetes.io/ip-family</c> and
/// <c>ipaddress.kubernetes.io/managed-by: ipallocator.k8s.io</c>, <c>spec.parentRef</c> the Service), and one the
/// allocator manages whose Service no longer holds it is deleted. The allocation itself stays in the Services (the
/// store's admission checks requested addresses against them), so these objects follow it shortly after each write
/// rather than in the same transaction as on a real API server.
/// </summary>
public sealed class ServiceIpAddressController : Controller
{
    /// <summary>The allocator's <c>managed-by</c> label value.</summary>
    public const string ManagedBy = "ipallocator.k8s.io";

    /// <summary><c>networking.k8s.io/v1</c> IPAddresses.</summary>
    public static readonly ResourceType IpAddresses = ResourceTypes.Of("networking.k8s.io", "ipaddresses");

    private static readonly ResourceType Services = ResourceTypes.Of("", "services");

    private readonly Dictionary<string, (string Namespace, string Name)> _holders = new(StringComparer.Ordinal);

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public ServiceIpAddressController(IActorRef store, IActorRef watchHub, TimeSpan? resync = null)
        : base(store, watchHub, [IpAddresses, Services], resync)
    {
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key != Services.Key)
        {
            base.OnChange(type, before, after);
            return;
        }
        if (before is not null)
        {
            var previous = (before.Namespace ?? "", before.Name);
            foreach (var ip in ClusterIps(before.Object))
            {
                if (_holders.TryGetValue(ip, out var holder) && holder == previous)
                {
                    _holders.Remove(ip);
                }
                Enqueue(new ObjectKey(IpAddresses.Key, null, ip));
            }
        }
        if (after is not null)
        {
            foreach (var ip in ClusterIps(after.Object))
            {
                _holders[ip] = (after.Namespace ?? "", after.Name);
                Enqueue(new ObjectKey(IpAddresses.Key, null, ip));
            }
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (WritesInFlight(key) > 0)
        {
            return;
        }
        var current = Cache(IpAddresses).Get(null, key.Name);
        var holder = _holders.TryGetValue(key.Name, out var h) ? h : ((string Namespace, string Name)?)null;
        if (current is not null)
        {
            var parent = current.Object.Spec?["parentRef"] as JsonObject;
            var pointsAtHolder = holder is { } held && JsonTree.AsString(parent?["resource"]) == "services"
                && JsonTree.AsString(parent?["namespace"]) == held.Namespace && JsonTree.AsString(parent?["name"]) == held.Name;
            if (!pointsAtHolder && !current.Stored.IsDeleting && current.Object.Labels.GetValueOrDefault("ipaddress.kubernetes.io/managed-by") == ManagedBy)
            {
                // Freed (the Service was deleted or let the address go), or left from another holder: the repair loop
                // removes it; the holder's object is created once it is gone.
                DeleteObject(key, IpAddresses, null, key.Name);
            }
            return;
        }
        if (holder is not { } owner)
        {
            return;
        }
        CreateObject(key, IpAddresses, new JsonObject
        {
            ["apiVersion"] = "networking.k8s.io/v1",
            ["kind"] = "IPAddress",
            ["metadata"] = new JsonObject
            {
                ["name"] = key.Name,
                ["labels"] = new JsonObject
                {
                    ["ipaddress.kubernetes.io/ip-family"] = key.Name.Contains(':', StringComparison.Ordinal) ? "IPv6" : "IPv4",
                    ["ipaddress.kubernetes.io/managed-by"] = ManagedBy,
                },
            },
            ["spec"] = new JsonObject
            {
                ["parentRef"] = new JsonObject { ["group"] = "", ["resource"] = "services", ["namespace"] = owner.Namespace, ["name"] = owner.Name },
            },
        });
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        base.OnWriteReply(reply, tag);
        if (!reply.IsSuccess)
        {
            EnqueueAfter(tag.Key, TimeSpan.FromSeconds(1));
        }
    }

    private static IEnumerable<string> ClusterIps(KubeObject service)
    {
        var ips = JsonTree.GetArray(service.Document, "spec", "clusterIPs")?.Select(JsonTree.AsString).OfType<string>().ToList() ?? [];
        if (ips.Count == 0 && JsonTree.GetString(service.Document, "spec", "clusterIP") is { } single)
        {
            ips.Add(single);
        }
        return ips.Where(ip => ip.Length > 0 && ip != "None");
    }
}
