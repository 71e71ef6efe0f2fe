using System.Net;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Runtime;

namespace Emulator.ControlPlane.NodeIpam;

/// <summary>
/// kube-controller-manager's node IPAM controller with the range allocator (<c>--allocate-node-cidrs</c>): every Node
/// without <c>spec.podCIDRs</c> gets the next free <c>/node-cidr-mask-size</c> of the cluster CIDR (the candidate after
/// the last one handed out, wrapping around), written to <c>spec.podCIDR</c> and <c>spec.podCIDRs</c>. The ranges in
/// use are the Nodes' own: after a restart the controller occupies what the stored Nodes hold, a deleted Node's range
/// is free again, and when none is left the Node gets the <c>CIDRNotAvailable</c> event and waits.
/// </summary>
public sealed class NodeIpamController : Controller
{
    /// <summary>The event source, as kube-controller-manager's CIDR allocator names it.</summary>
    public const string Component = "cidrAllocator";

    private readonly NodeIpamSettings? _configured;
    private readonly Dictionary<int, string> _owners = [];
    private readonly Dictionary<string, int> _byNode = new(StringComparer.Ordinal);
    private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);
    private NodeIpamSettings _settings = new();
    private uint _base;
    private int _count;
    private int _nextCandidate;
    private readonly IActorRef _events;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="settings">The allocator's settings (null: <c>emulator.node-ipam</c> of the actor system's configuration).</param>
    public NodeIpamController(IActorRef store, IActorRef watchHub, IActorRef events, NodeIpamSettings? settings = null)
        : base(store, watchHub, [ResourceTypes.Nodes])
    {
        _events = events;
        _configured = settings;
    }

    /// <summary>The pod CIDR of the <paramref name="index"/>-th node range of <paramref name="settings"/>.</summary>
    public static string CidrOf(NodeIpamSettings settings, int index)
    {
        var (clusterBase, _) = settings.Range();
        var value = clusterBase + ((uint)index << (32 - settings.NodeCidrMaskSize));
        return $"{new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value])}/{settings.NodeCidrMaskSize}";
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        _settings = _configured ?? NodeIpamSettings.From(Context.System.Settings.Config.WithFallback(RuntimeConfig.Defaults));
        (_base, var prefix) = _settings.Range();
        _count = 1 << (_settings.NodeCidrMaskSize - prefix);
        base.PreStart();
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (after is null && before is not null)
        {
            // A deleted Node's range goes back to the pool (ReleaseCIDR); a node that found none is tried again, as the
            // allocator's work queue retries it.
            if (Release(before.Name))
            {
                foreach (var waiting in _waiting.ToList())
                {
                    Enqueue(new ObjectKey(ResourceTypes.Nodes.Key, null, waiting));
                }
            }
            _waiting.Remove(before.Name);
            return;
        }
        if (after is not null)
        {
            Enqueue(KeyOf(type, after));
        }
    }

    /// <inheritdoc />
    protected override void OnSynced()
    {
        // Occupy what the stored Nodes already hold before handing out anything (a restarted controller).
        foreach (var node in Cache(ResourceTypes.Nodes).All)
        {
            Occupy(node.Name, PodCidrOf(node.Object));
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (!_settings.AllocateNodeCidrs || Cache(ResourceTypes.Nodes).Get(null, key.Name) is not { } cached || cached.Stored.IsDeleting)
        {
            return;
        }
        if (PodCidrOf(cached.Object) is { } held)
        {
            Occupy(key.Name, held);
            return;
        }
        if (WritesInFlight(key) > 0)
        {
            return;
        }
        if (!_byNode.TryGetValue(key.Name, out var index))
        {
            if (AllocateNext() is not { } next)
            {
                _waiting.Add(key.Name);
                _events.Tell(new RecordEvent(InvolvedObject.Of(cached.Object), "Normal", "CIDRNotAvailable", $"Node {key.Name} status is now: CIDRNotAvailable", Component), Self);
                return;
            }
            index = next;
            _waiting.Remove(key.Name);
            _owners[index] = key.Name;
            _byNode[key.Name] = index;
        }
        var cidr = CidrOf(_settings, index);
        var obj = cached.Object.Document.DeepClone().AsObject();
        var spec = obj["spec"] as JsonObject ?? [];
        obj["spec"] = spec;
        spec["podCIDR"] = cidr;
        spec["podCIDRs"] = new JsonArray(cidr);
        UpdateObject(key, ResourceTypes.Nodes, obj);
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        if (!reply.IsSuccess)
        {
            // A conflict: the reservation stays with the node, and the write's back-off (or the Node's next change)
            // brings it back.
            base.OnWriteReply(reply, tag);
        }
    }

    private static string? PodCidrOf(KubeObject node) =>
        node.Spec?["podCIDRs"] is JsonArray { Count: > 0 } cidrs ? JsonTree.AsString(cidrs[0]) : JsonTree.GetString(node.Document, "spec", "podCIDR");

    private void Occupy(string node, string? cidr)
    {
        if (cidr is null || IndexOf(cidr) is not { } index)
        {
            return;
        }
        if (_byNode.TryGetValue(node, out var reserved) && reserved != index)
        {
            // Reserved one range while the Node got another (another writer): give the reservation back.
            _owners.Remove(reserved);
        }
        _owners[index] = node;
        _byNode[node] = index;
    }

    private bool Release(string node)
    {
        if (_byNode.Remove(node, out var index) && _owners.TryGetValue(index, out var owner) && owner == node)
        {
            _owners.Remove(index);
            return true;
        }
        return false;
    }

    /// <summary>cidrset's AllocateNext: the first free range from the candidate after the last allocation.</summary>
    private int? AllocateNext()
    {
        for (var i = 0; i < _count; i++)
        {
            var candidate = (_nextCandidate + i) % _count;
            if (!_owners.ContainsKey(candidate))
            {
                _nextCandidate = (candidate + 1) % _count;
                return candidate;
            }
        }
        return null;
    }

    /// <summary>The range index of <paramref name="cidr"/> inside the cluster CIDR (null: outside it or another size).</summary>
    private int? IndexOf(string cidr)
    {
        var slash = cidr.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(cidr[..slash], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(cidr[(slash + 1)..], out var size) || size != _settings.NodeCidrMaskSize)
        {
            return null;
        }
        var b = ip.GetAddressBytes();
        var value = ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
        var offset = (long)value - _base;
        var index = offset >> (32 - size);
        return offset < 0 || index >= _count ? null : (int)index;
    }
}
