using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Services;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.EndpointSlice;

/// <summary>
/// Kubernetes' EndpointSlice controller: for every Service with a selector, slices named <c>SERVICE-xxxxx</c> (labelled
/// <c>kubernetes.io/service-name</c>, owned by the Service) holding its pods' addresses with the ready / serving /
/// terminating conditions, node, zone, hostname and target pod, at most 100 endpoints per slice and one set of slices per
/// distinct resolution of the ports; a Service without endpoints keeps one empty slice. Reconciles per Service.
/// </summary>
public sealed class EndpointSliceController : ServiceController
{
    /// <summary><c>discovery.k8s.io/v1</c> EndpointSlices.</summary>
    public static readonly ResourceType Slices = ResourceTypes.Of("discovery.k8s.io", "endpointslices");

    /// <summary>The label naming a slice's Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>The label naming the controller that manages a slice.</summary>
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";

    /// <summary>This controller's value of <see cref="ManagedByLabel"/>.</summary>
    public const string ManagedBy = "endpointslice-controller.k8s.io";

    /// <summary>The most endpoints one slice holds (<c>--max-endpoints-per-slice</c>).</summary>
    public const int MaxEndpointsPerSlice = 100;

    private readonly IActorRef? _events;

    // Per Service (namespace/name): whether its topology hints are given now, or why not; events mark the changes.
    private readonly Dictionary<string, string> _hintStates = new(StringComparer.Ordinal);

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    /// <param name="events">The event recorder (topology hints enabled or disabled), or null.</param>
    public EndpointSliceController(IActorRef store, IActorRef watchHub, TimeSpan? resync = null, IActorRef? events = null)
        : base(store, watchHub, Slices, resync)
    {
        _events = events;
    }

    /// <inheritdoc />
    protected override void OnOwnedChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == Slices.Key)
        {
            // A slice changed or removed by someone else is put back.
            var slice = (after ?? before)!;
            if (slice.Object.Labels.GetValueOrDefault(ManagedByLabel) == ManagedBy && slice.Object.Labels.GetValueOrDefault(ServiceNameLabel) is { } service)
            {
                Enqueue(new ObjectKey(Services.Key, slice.Namespace, service));
            }
            return;
        }
        base.OnOwnedChange(type, before, after);
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        var existing = Cache(Slices).InNamespace(key.Namespace ?? "")
            .Where(s => s.Object.Labels.GetValueOrDefault(ServiceNameLabel) == key.Name && s.Object.Labels.GetValueOrDefault(ManagedByLabel) == ManagedBy)
            .OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        if (Cache(Services).Get(key.Namespace, key.Name) is not { } cached || !ServiceEndpoints.IsManaged(cached.Object) || cached.Stored.IsDeleting)
        {
            foreach (var slice in existing)
            {
                DeleteObject(key, Slices, slice.Namespace, slice.Name, slice.Stored.Uid);
            }
            return;
        }
        var service = cached.Object;
        var desired = Desired(service);
        for (var i = 0; i < desired.Count; i++)
        {
            var (ports, endpoints) = desired[i];
            if (i < existing.Count)
            {
                var current = existing[i].Stored.ToJsonObject();
                var labels = Labels(service);
                if (JsonTree.DeepEquals(current["endpoints"], endpoints) && JsonTree.DeepEquals(current["ports"], ports)
                    && JsonTree.DeepEquals(current["metadata"]?["labels"], labels))
                {
                    continue;
                }
                current["endpoints"] = endpoints;
                SetPorts(current, ports);
                current["metadata"]!["labels"] = labels;
                UpdateObject(key, Slices, current);
            }
            else
            {
                var slice = new JsonObject
                {
                    ["apiVersion"] = "discovery.k8s.io/v1",
                    ["kind"] = "EndpointSlice",
                    ["metadata"] = new JsonObject
                    {
                        ["generateName"] = service.Name + "-",
                        ["namespace"] = service.Namespace,
                        ["labels"] = Labels(service),
                        ["ownerReferences"] = new JsonArray(new JsonObject
                        {
                            ["apiVersion"] = "v1",
                            ["kind"] = "Service",
                            ["name"] = service.Name,
                            ["uid"] = cached.Stored.Uid,
                            ["controller"] = true,
                            ["blockOwnerDeletion"] = true,
                        }),
                    },
                    ["addressType"] = "IPv4",
                    ["endpoints"] = endpoints,
                };
                SetPorts(slice, ports);
                CreateObject(key, Slices, slice);
            }
        }
        foreach (var extra in existing.Skip(desired.Count))
        {
            DeleteObject(key, Slices, extra.Namespace, extra.Name, extra.Stored.Uid);
        }
    }

    private static void SetPorts(JsonObject slice, JsonArray? ports)
    {
        if (ports is null)
        {
            slice.Remove("ports");
        }
        else
        {
            slice["ports"] = ports;
        }
    }

    /// <summary>The slices the Service should have: per port resolution, chunks of at most 100 endpoints (one empty slice when none).</summary>
    private List<(JsonArray? Ports, JsonArray Endpoints)> Desired(KubeObject service)
    {
        var slices = new List<(JsonArray?, JsonArray)>();
        var groups = EndpointsOf(service).GroupBy(e => e.PortKey).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var hints = HintsFor(service, groups.SelectMany(g => g).ToList());
        foreach (var group in groups)
        {
            var ports = new JsonArray(group.First().Ports.Select(p => (JsonNode?)new JsonObject { ["name"] = p.Name, ["port"] = p.Port, ["protocol"] = p.Protocol }).ToArray());
            foreach (var chunk in group.Chunk(MaxEndpointsPerSlice))
            {
                slices.Add((ports.DeepClone().AsArray(), new JsonArray(chunk.Select(e => (JsonNode?)Endpoint(e, hints.GetValueOrDefault(e))).ToArray())));
            }
        }
        if (slices.Count == 0)
        {
            slices.Add((null, []));
        }
        return slices;
    }

    /// <summary>
    /// The zone each endpoint is hinted for. The <c>service.kubernetes.io/topology-mode: Auto</c> annotation (or the
    /// older <c>topology-aware-hints: auto</c>) takes precedence: hints proportional to the zones' CPU
    /// (<see cref="TopologyHints"/>); otherwise <c>trafficDistribution: PreferClose</c> hints every ready endpoint for
    /// its own zone (the trafficdist heuristic); otherwise none.
    /// </summary>
    private Dictionary<ServiceEndpoint, string> HintsFor(KubeObject service, List<ServiceEndpoint> endpoints)
    {
        var hints = new Dictionary<ServiceEndpoint, string>(ReferenceEqualityComparer.Instance);
        var annotations = service.Annotations;
        var mode = annotations.GetValueOrDefault("service.kubernetes.io/topology-mode") ?? annotations.GetValueOrDefault("service.kubernetes.io/topology-aware-hints");
        var key = $"{service.Namespace}/{service.Name}";
        if (mode is "Auto" or "auto")
        {
            var nodes = Cache(ResourceTypes.Nodes).All
                .Where(n => !n.Object.Labels.ContainsKey("node-role.kubernetes.io/control-plane") && n.Object.Document["status"] is System.Text.Json.Nodes.JsonObject nodeStatus && Kubernetes.Views.Conditions.IsTrue(nodeStatus, "Ready"))
                .Select(n => new TopologyHints.NodeCapacity(n.Object.Labels.GetValueOrDefault("topology.kubernetes.io/zone"),
                    Quantity.TryParse(JsonTree.GetString(n.Object.Document, "status", "allocatable", "cpu"), out var cpu) ? cpu.MilliValue : 0))
                .ToList();
            var (zones, refusal) = TopologyHints.Allocate(nodes, endpoints.Select(e => new TopologyHints.Candidate(ZoneOf(JsonTree.GetString(e.Pod.Document, "spec", "nodeName")), e.Ready)).ToList());
            HintState(service, key, refusal ?? TopologyHints.Enabled);
            for (var i = 0; zones is not null && i < endpoints.Count; i++)
            {
                if (zones[i] is { } zone)
                {
                    hints[endpoints[i]] = zone;
                }
            }
            return hints;
        }
        if (_hintStates.GetValueOrDefault(key) == TopologyHints.Enabled)
        {
            HintState(service, key, TopologyHints.Disabled);
        }
        _hintStates.Remove(key);
        if (JsonTree.GetString(service.Document, "spec", "trafficDistribution") == "PreferClose")
        {
            foreach (var endpoint in endpoints.Where(e => e.Ready))
            {
                if (ZoneOf(JsonTree.GetString(endpoint.Pod.Document, "spec", "nodeName")) is { } zone)
                {
                    hints[endpoint] = zone;
                }
            }
        }
        return hints;
    }

    /// <summary>
    /// Records an event when a Service's hints are enabled (Normal <c>TopologyAwareHintsEnabled</c>) or cannot be
    /// (Warning <c>TopologyAwareHintsDisabled</c> with the reason), once per change rather than on every sync.
    /// </summary>
    private void HintState(KubeObject service, string key, string state)
    {
        if (_hintStates.GetValueOrDefault(key) == state)
        {
            return;
        }
        _hintStates[key] = state;
        var enabled = state == TopologyHints.Enabled;
        _events?.Tell(new Events.RecordEvent(Events.InvolvedObject.Of(service), enabled ? "Normal" : "Warning",
            enabled ? "TopologyAwareHintsEnabled" : "TopologyAwareHintsDisabled", state + ", addressType: IPv4", "endpoint-slice-controller"));
    }

    private JsonObject Endpoint(ServiceEndpoint endpoint, string? hint)
    {
        var json = new JsonObject
        {
            ["addresses"] = new JsonArray(endpoint.Address),
            ["conditions"] = new JsonObject { ["ready"] = endpoint.Ready, ["serving"] = endpoint.Serving, ["terminating"] = endpoint.Terminating },
        };
        if (endpoint.Hostname is { } hostname)
        {
            json["hostname"] = hostname;
        }
        var node = JsonTree.GetString(endpoint.Pod.Document, "spec", "nodeName");
        if (node is not null)
        {
            json["nodeName"] = node;
        }
        json["targetRef"] = new JsonObject
        {
            ["kind"] = "Pod",
            ["namespace"] = endpoint.Pod.Namespace,
            ["name"] = endpoint.Pod.Name,
            ["uid"] = endpoint.Pod.Uid,
        };
        if (ZoneOf(node) is { } zone)
        {
            json["zone"] = zone;
        }
        if (hint is not null)
        {
            json["hints"] = new JsonObject { ["forZones"] = new JsonArray(new JsonObject { ["name"] = hint }) };
        }
        return json;
    }

    private static JsonObject Labels(KubeObject service)
    {
        var labels = new JsonObject();
        foreach (var (name, value) in service.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            labels[name] = value;
        }
        labels[ManagedByLabel] = ManagedBy;
        labels[ServiceNameLabel] = service.Name;
        return labels;
    }
}
