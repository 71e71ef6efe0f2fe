using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Endpoints;
using Emulator.ControlPlane.EndpointSlice;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.KubernetesService;

/// <summary>
/// The API server's bootstrap of the <c>kubernetes</c> Service in <c>default</c>: ClusterIP at the first address of the
/// service range, port <c>https</c> 443, and its Endpoints and EndpointSlice pointing at the API server's own address —
/// put back when deleted or changed, as the API server's reconciler does.
/// </summary>
public sealed class KubernetesServiceController : Controller
{
    private const string Name = "kubernetes";
    private const string Namespace = "default";
    private static readonly ResourceType Services = ResourceTypes.Of("", "services");

    private readonly string _address;
    private readonly int _port;

    /// <summary>Creates the controller for an API server at <paramref name="address"/>:<paramref name="port"/>.</summary>
    public KubernetesServiceController(IActorRef store, IActorRef watchHub, string address, int port, TimeSpan? resync = null)
        : base(store, watchHub, [Services, EndpointsController.EndpointsType, EndpointSliceController.Slices], resync)
    {
        _address = address;
        _port = port;
    }

    /// <inheritdoc />
    protected override void OnSynced() => Enqueue(new ObjectKey(Services.Key, Namespace, Name));

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if ((after ?? before) is { Namespace: Namespace, Name: Name })
        {
            Enqueue(new ObjectKey(Services.Key, Namespace, Name));
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(Services).Get(Namespace, Name) is null)
        {
            CreateObject(key, Services, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Service",
                ["metadata"] = new JsonObject
                {
                    ["name"] = Name,
                    ["namespace"] = Namespace,
                    ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" },
                },
                ["spec"] = new JsonObject
                {
                    ["type"] = "ClusterIP",
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = _port }),
                    ["sessionAffinity"] = "None",
                },
            });
        }
        var subsets = new JsonArray(new JsonObject
        {
            ["addresses"] = new JsonArray(new JsonObject { ["ip"] = _address }),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = _port, ["protocol"] = "TCP" }),
        });
        Ensure(key, EndpointsController.EndpointsType, "subsets", subsets, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Endpoints",
            ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = Namespace, ["labels"] = new JsonObject { ["endpointslice.kubernetes.io/skip-mirror"] = "true" } },
            ["subsets"] = subsets.DeepClone(),
        });
        var endpoints = new JsonArray(new JsonObject
        {
            ["addresses"] = new JsonArray(_address),
            ["conditions"] = new JsonObject { ["ready"] = true },
        });
        Ensure(key, EndpointSliceController.Slices, "endpoints", endpoints, new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = Namespace, ["labels"] = new JsonObject { [EndpointSliceController.ServiceNameLabel] = Name } },
            ["addressType"] = "IPv4",
            ["endpoints"] = endpoints.DeepClone(),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = _port, ["protocol"] = "TCP" }),
        });
    }

    /// <summary>Creates the object, or puts its <paramref name="field"/> back when it differs.</summary>
    private void Ensure(ObjectKey key, ResourceType type, string field, JsonArray value, JsonObject created)
    {
        if (Cache(type).Get(Namespace, Name) is not { } current)
        {
            CreateObject(key, type, created);
            return;
        }
        var obj = current.Stored.ToJsonObject();
        if (!JsonTree.DeepEquals(obj[field], value))
        {
            obj[field] = value.DeepClone();
            UpdateObject(key, type, obj);
        }
    }
}
