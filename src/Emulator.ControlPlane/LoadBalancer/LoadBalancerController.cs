using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Runtime;

namespace Emulator.ControlPlane.LoadBalancer;

/// <summary>
/// The load-balancer controller, as MetalLB's controller runs on a kind cluster: every <c>type: LoadBalancer</c>
/// Service without a <c>spec.loadBalancerClass</c> (or with the configured one) gets one address of the pool in
/// <c>status.loadBalancer.ingress</c> (<c>ipMode: VIP</c>, as the 1.33 API server defaults it), the one
/// <c>spec.loadBalancerIP</c> asks for when set, otherwise the first free one. Failures are MetalLB's
/// <c>AllocationFailed</c> events (<c>no available IPs</c>, <c>"A" is not allowed in config</c>, an address in use by
/// another Service) and the Service waits until an address is freed. The allocation lives in the stored Service: a
/// restarted controller occupies what the Services hold; a deleted Service, or one that is no longer a LoadBalancer
/// (its ingress cleared), frees its address.
/// </summary>
public sealed class LoadBalancerController : Controller
{
    /// <summary>The event source, as MetalLB's controller names itself.</summary>
    public const string Component = "metallb-controller";

    private static readonly ResourceType Services = ResourceTypes.Of("", "services");

    private readonly IActorRef _events;
    private readonly LoadBalancerSettings? _configured;
    private readonly Dictionary<uint, string> _owners = [];
    private readonly Dictionary<string, uint> _byService = new(StringComparer.Ordinal);
    private readonly HashSet<ObjectKey> _waiting = [];
    private LoadBalancerSettings _settings = LoadBalancerSettings.Default;
    private IReadOnlyList<(uint First, uint Last)> _ranges = [];

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="settings">The pool (null: <c>emulator.load-balancer</c> of the actor system's configuration).</param>
    public LoadBalancerController(IActorRef store, IActorRef watchHub, IActorRef events, LoadBalancerSettings? settings = null)
        : base(store, watchHub, [Services])
    {
        _events = events;
        _configured = settings;
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        _settings = _configured ?? LoadBalancerSettings.From(Context.System.Settings.Config.WithFallback(RuntimeConfig.Defaults));
        _ranges = _settings.Ranges();
        base.PreStart();
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (after is null && before is not null)
        {
            // A deleted Service's address goes back to the pool; the Services waiting for one are tried again.
            Release(KeyOf(type, before));
            return;
        }
        base.OnChange(type, before, after);
    }

    /// <inheritdoc />
    protected override void OnSynced()
    {
        // Occupy what the stored Services already hold before handing out anything (a restarted controller).
        foreach (var service in Cache(Services).All)
        {
            if (Answers(service.Object) && IngressIps(service.Object) is [var held] && LoadBalancerSettings.Parse(held) is { } address
                && InPool(address) && !_owners.ContainsKey(address))
            {
                Assign(KeyOf(Services, service), address);
            }
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(Services).Get(key.Namespace, key.Name) is not { } cached)
        {
            Release(key);
            return;
        }
        if (WritesInFlight(key) > 0)
        {
            return;
        }
        var service = cached.Object;
        var current = IngressIps(service);
        if (JsonTree.GetString(service.Document, "spec", "type") != "LoadBalancer")
        {
            // No longer a LoadBalancer: its address is freed and its ingress cleared (MetalLB's clearServiceState).
            Release(key);
            if (current.Count > 0 && current.All(ip => LoadBalancerSettings.Parse(ip) is { } a && InPool(a)))
            {
                WriteIngress(key, service, null);
            }
            return;
        }
        if (!Answers(service))
        {
            // Another implementation's class (or the controller is off): not ours to touch.
            Release(key);
            return;
        }
        var name = $"{key.Namespace}/{key.Name}";
        var requested = JsonTree.GetString(service.Document, "spec", "loadBalancerIP") is { Length: > 0 } ip ? ip : null;
        if (current is [var held] && LoadBalancerSettings.Parse(held) is { } address && (requested is null || requested == held))
        {
            if (InPool(address) && (!_owners.TryGetValue(address, out var owner) || owner == name))
            {
                Assign(key, address);
                if (!HasVipMode(service))
                {
                    WriteIngress(key, service, held);
                }
                return;
            }
            if (!InPool(address))
            {
                Event(service, "Normal", "ClearAssignment",
                    $"current IP for \"{name}\" not allowed by config, will attempt for new IP assignment: \"{held}\" is not allowed in config");
            }
        }
        Release(key, retryWaiting: false);
        var (allocated, error) = Allocate(key, requested);
        if (allocated is not { } chosen)
        {
            _waiting.Add(key);
            Event(service, "Warning", "AllocationFailed", $"Failed to allocate IP for \"{name}\": {error}");
            if (current.Count > 0)
            {
                WriteIngress(key, service, null);
            }
            return;
        }
        _waiting.Remove(key);
        var text = LoadBalancerSettings.Format(chosen);
        Event(service, "Normal", "IPAllocated", $"Assigned IP [\"{text}\"]");
        WriteIngress(key, service, text);
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        if (!reply.IsSuccess)
        {
            // A conflict: the Service changed under the write; the reservation stays and the next reconcile (after the
            // write's back-off, or the Service's next change) rewrites it.
            base.OnWriteReply(reply, tag);
        }
    }

    private bool Answers(KubeObject service)
    {
        if (!_settings.Enabled || JsonTree.GetString(service.Document, "spec", "type") != "LoadBalancer")
        {
            return false;
        }
        var lbClass = JsonTree.GetString(service.Document, "spec", "loadBalancerClass");
        return lbClass is null or "" || lbClass == _settings.LoadBalancerClass;
    }

    /// <summary>MetalLB's Allocate/Assign: the requested address when free and in the pool, else the first free one.</summary>
    private (uint? Address, string Error) Allocate(ObjectKey key, string? requested)
    {
        if (requested is not null)
        {
            if (LoadBalancerSettings.Parse(requested) is not { } wanted)
            {
                return (null, $"invalid spec.loadBalancerIP \"{requested}\"");
            }
            if (!InPool(wanted))
            {
                return (null, $"\"{requested}\" is not allowed in config");
            }
            if (_owners.TryGetValue(wanted, out var owner))
            {
                // MetalLB shares an address only between Services with the same allow-shared-ip key; none here.
                return (null, $"can't change sharing key for \"{key.Namespace}/{key.Name}\", address also in use by {owner}");
            }
            Assign(key, wanted);
            return (wanted, "");
        }
        foreach (var (first, last) in _ranges)
        {
            for (var candidate = (ulong)first; candidate <= last; candidate++)
            {
                if (!_owners.ContainsKey((uint)candidate))
                {
                    Assign(key, (uint)candidate);
                    return ((uint)candidate, "");
                }
            }
        }
        return (null, "no available IPs");
    }

    private bool InPool(uint address) => _ranges.Any(r => address >= r.First && address <= r.Last);

    private void Assign(ObjectKey key, uint address)
    {
        var name = $"{key.Namespace}/{key.Name}";
        if (_byService.TryGetValue(name, out var previous) && previous != address)
        {
            _owners.Remove(previous);
        }
        _owners[address] = name;
        _byService[name] = address;
    }

    private void Release(ObjectKey key, bool retryWaiting = true)
    {
        _waiting.Remove(key);
        if (!_byService.Remove($"{key.Namespace}/{key.Name}", out var address))
        {
            return;
        }
        _owners.Remove(address);
        if (retryWaiting)
        {
            foreach (var waiting in _waiting)
            {
                Enqueue(waiting);
            }
        }
    }

    private void WriteIngress(ObjectKey key, KubeObject service, string? ip)
    {
        var obj = service.Document.DeepClone().AsObject();
        var status = obj["status"] as JsonObject ?? [];
        obj["status"] = status;
        status["loadBalancer"] = ip is null
            ? new JsonObject()
            : new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = ip, ["ipMode"] = "VIP" }) };
        UpdateStatus(key, Services, obj);
    }

    private void Event(KubeObject service, string type, string reason, string message) =>
        _events.Tell(new RecordEvent(InvolvedObject.Of(service), type, reason, message, Component), Self);

    private static List<string> IngressIps(KubeObject service) =>
        JsonTree.Objects(JsonTree.GetArray(service.Document, "status", "loadBalancer", "ingress"))
            .Select(i => JsonTree.GetString(i, "ip")).OfType<string>().ToList();

    private static bool HasVipMode(KubeObject service) =>
        JsonTree.Objects(JsonTree.GetArray(service.Document, "status", "loadBalancer", "ingress")).All(i => JsonTree.GetString(i, "ipMode") == "VIP")
        && JsonTree.GetArray(service.Document, "status", "loadBalancer", "ingress") is { Count: 1 };
}
