using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Services;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Endpoints;

/// <summary>
/// Kubernetes' Endpoints controller (the legacy API, deprecated in 1.33 and still read by many tools): one Endpoints
/// object per Service with a selector, named as the Service, its subsets grouping the pods by resolved ports — ready
/// pods in <c>addresses</c>, unready ones in <c>notReadyAddresses</c>, terminating ones left out (all ready under
/// <c>publishNotReadyAddresses</c>) — at most 1,000 addresses. Reconciles per Service.
/// </summary>
public sealed class EndpointsController : ServiceController
{
    /// <summary><c>v1</c> Endpoints.</summary>
    public static readonly ResourceType EndpointsType = ResourceTypes.Of("", "endpoints");

    /// <summary>The most addresses an Endpoints object holds; more are truncated and the object annotated.</summary>
    public const int MaxAddresses = 1000;

    /// <summary>Creates the controller.</summary>
    public EndpointsController(IActorRef store, IActorRef watchHub, TimeSpan? resync = null)
        : base(store, watchHub, EndpointsType, resync)
    {
    }

    /// <inheritdoc />
    protected override void OnOwnedChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == EndpointsType.Key)
        {
            var endpoints = (after ?? before)!;
            Enqueue(new ObjectKey(Services.Key, endpoints.Namespace, endpoints.Name));
            return;
        }
        base.OnOwnedChange(type, before, after);
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        var current = Cache(EndpointsType).Get(key.Namespace, key.Name);
        var service = Cache(Services).Get(key.Namespace, key.Name);
        if (service is null || service.Stored.IsDeleting)
        {
            if (current is not null && service is null)
            {
                DeleteObject(key, EndpointsType, current.Namespace, current.Name, current.Stored.Uid);
            }
            return;
        }
        if (!ServiceEndpoints.IsManaged(service.Object))
        {
            // Endpoints of a Service without a selector are the user's.
            return;
        }
        var subsets = new JsonArray();
        var total = 0;
        var truncated = false;
        foreach (var group in EndpointsOf(service.Object).Where(e => e.Ready || !e.Terminating).GroupBy(e => e.PortKey).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ready = new JsonArray();
            var notReady = new JsonArray();
            foreach (var endpoint in group.OrderBy(e => e.Address, StringComparer.Ordinal))
            {
                if (total++ >= MaxAddresses)
                {
                    truncated = true;
                    break;
                }
                (endpoint.Ready ? ready : notReady).Add(Address(endpoint));
            }
            var subset = new JsonObject();
            if (ready.Count > 0)
            {
                subset["addresses"] = ready;
            }
            if (notReady.Count > 0)
            {
                subset["notReadyAddresses"] = notReady;
            }
            if (group.First().Ports.Count > 0)
            {
                subset["ports"] = new JsonArray(group.First().Ports.Select(p => (JsonNode?)new JsonObject { ["name"] = p.Name, ["port"] = p.Port, ["protocol"] = p.Protocol }).ToArray());
            }
            subsets.Add(subset);
        }
        var labels = new JsonObject();
        foreach (var (name, value) in service.Object.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            labels[name] = value;
        }
        if (current is null)
        {
            var created = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Endpoints",
                ["metadata"] = new JsonObject { ["name"] = key.Name, ["namespace"] = key.Namespace, ["labels"] = labels },
            };
            SetSubsets(created, subsets, truncated);
            CreateObject(key, EndpointsType, created);
            return;
        }
        var updated = current.Stored.ToJsonObject();
        var before = updated.DeepClone();
        updated["metadata"]!["labels"] = labels;
        SetSubsets(updated, subsets, truncated);
        if (!JsonTree.DeepEquals(before, updated))
        {
            UpdateObject(key, EndpointsType, updated);
        }
    }

    private static void SetSubsets(JsonObject endpoints, JsonArray subsets, bool truncated)
    {
        if (subsets.Count == 0)
        {
            endpoints.Remove("subsets");
        }
        else
        {
            endpoints["subsets"] = subsets;
        }
        var metadata = (JsonObject)endpoints["metadata"]!;
        if (truncated)
        {
            var annotations = metadata["annotations"] as JsonObject ?? [];
            annotations["endpoints.kubernetes.io/over-capacity"] = "truncated";
            metadata["annotations"] = annotations;
        }
        else if (metadata["annotations"] is JsonObject annotations)
        {
            annotations.Remove("endpoints.kubernetes.io/over-capacity");
            if (annotations.Count == 0)
            {
                metadata.Remove("annotations");
            }
        }
    }

    private static JsonObject Address(ServiceEndpoint endpoint)
    {
        var address = new JsonObject { ["ip"] = endpoint.Address };
        if (endpoint.Hostname is { } hostname)
        {
            address["hostname"] = hostname;
        }
        if (JsonTree.GetString(endpoint.Pod.Document, "spec", "nodeName") is { } node)
        {
            address["nodeName"] = node;
        }
        address["targetRef"] = new JsonObject
        {
            ["kind"] = "Pod",
            ["namespace"] = endpoint.Pod.Namespace,
            ["name"] = endpoint.Pod.Name,
            ["uid"] = endpoint.Pod.Uid,
        };
        return address;
    }
}
