using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.ApiRegistration;

/// <summary>
/// kube-aggregator's auto-registration and availability controllers for a single API server: every group version it
/// serves gets a Local APIService (<c>v1.</c>, <c>v1.apps</c>, …) with the priorities kube-apiserver gives it,
/// labelled <c>kube-aggregator.kubernetes.io/automanaged: onstart</c>, created when the controller starts (one deleted
/// later stays deleted until the next start, as <c>onstart</c> ones do); and every APIService gets its
/// <c>Available</c> condition. Local ones are always available; the emulator proxies to no extension API server, so one
/// naming a Service is not (<c>ServiceNotFound</c> while the Service is missing, <c>MissingEndpoints</c> after).
/// </summary>
public sealed class LocalApiServiceController : Controller
{
    /// <summary><c>apiregistration.k8s.io/v1</c> APIServices.</summary>
    public static readonly ResourceType ApiServices = ResourceTypes.Of("apiregistration.k8s.io", "apiservices");

    private static readonly ResourceType Services = ResourceTypes.Of("", "services");

    // kube-apiserver's group and version priorities (DefaultGenericAPIServicePriorities and the kube-apiserver additions).
    private static readonly Dictionary<(string Group, string Version), (int Group, int Version)> Priorities = new()
    {
        [("", "v1")] = (18000, 1),
        [("apiregistration.k8s.io", "v1")] = (18000, 15),
        [("apps", "v1")] = (17800, 15),
        [("events.k8s.io", "v1")] = (17750, 15),
        [("authentication.k8s.io", "v1")] = (17700, 15),
        [("authorization.k8s.io", "v1")] = (17600, 15),
        [("autoscaling", "v1")] = (17500, 15),
        [("autoscaling", "v2")] = (17500, 30),
        [("batch", "v1")] = (17400, 15),
        [("certificates.k8s.io", "v1")] = (17300, 15),
        [("networking.k8s.io", "v1")] = (17200, 15),
        [("policy", "v1")] = (17100, 15),
        [("rbac.authorization.k8s.io", "v1")] = (17000, 15),
        [("storage.k8s.io", "v1")] = (16800, 15),
        [("apiextensions.k8s.io", "v1")] = (16700, 15),
        [("admissionregistration.k8s.io", "v1")] = (16700, 15),
        [("scheduling.k8s.io", "v1")] = (16600, 15),
        [("coordination.k8s.io", "v1")] = (16500, 15),
        [("node.k8s.io", "v1")] = (16300, 15),
        [("discovery.k8s.io", "v1")] = (16200, 15),
        [("flowcontrol.apiserver.k8s.io", "v1")] = (16100, 21),
    };

    private readonly IReadOnlyList<(string Group, string Version)> _served;
    private readonly HashSet<string> _registered = new(StringComparer.Ordinal);

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="served">The group versions this API server serves (the core group as the empty string).</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public LocalApiServiceController(IActorRef store, IActorRef watchHub, IEnumerable<(string Group, string Version)> served, TimeSpan? resync = null)
        : base(store, watchHub, [ApiServices, Services], resync)
    {
        // A group version without a known priority is not registered, as kube-apiserver skips it.
        _served = served.Where(Priorities.ContainsKey).Distinct().ToArray();
    }

    /// <summary>The APIService name of a group version: <c>version.group</c>.</summary>
    public static string NameOf(string group, string version) => version + "." + group;

    /// <inheritdoc />
    protected override void OnSynced()
    {
        foreach (var (group, version) in _served)
        {
            Enqueue(new ObjectKey(ApiServices.Key, null, NameOf(group, version)));
        }
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == ApiServices.Key)
        {
            base.OnChange(type, before, after);
            return;
        }
        // A Service referenced by APIServices came or went: their availability changes.
        var service = after ?? before;
        foreach (var apiService in Cache(ApiServices).All.Where(a =>
            JsonTree.GetString(a.Object.Document, "spec", "service", "name") == service?.Name
            && JsonTree.GetString(a.Object.Document, "spec", "service", "namespace") == service?.Namespace))
        {
            Enqueue(KeyOf(ApiServices, apiService));
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        var current = Cache(ApiServices).Get(null, key.Name);
        if (current is null)
        {
            if (_served.FirstOrDefault(gv => NameOf(gv.Group, gv.Version) == key.Name) is { Version: not null } served && _registered.Add(key.Name))
            {
                CreateObject(key, ApiServices, Local(served.Group, served.Version));
            }
            return;
        }
        _registered.Add(key.Name);
        var obj = current.Object.Document.DeepClone().AsObject();
        var status = obj["status"] as JsonObject ?? [];
        obj["status"] = status;
        var (available, reason, message) = Availability(obj);
        if (Conditions.Set(status, "Available", available ? "True" : "False", reason, message, Now))
        {
            UpdateStatus(key, ApiServices, obj);
        }
    }

    private (bool Available, string Reason, string Message) Availability(JsonObject apiService)
    {
        if (apiService["spec"]?["service"] is not JsonObject service)
        {
            return (true, "Local", "Local APIServices are always available");
        }
        var ns = JsonTree.GetString(service, "namespace") ?? "";
        var name = JsonTree.GetString(service, "name") ?? "";
        return Cache(Services).Get(ns, name) is null
            ? (false, "ServiceNotFound", $"service/{name} in \"{ns}\" is not present")
            : (false, "MissingEndpoints", $"endpoints for service/{name} in \"{ns}\" have no addresses with port name \"\"");
    }

    private static JsonObject Local(string group, string version)
    {
        var (groupPriority, versionPriority) = Priorities[(group, version)];
        return new JsonObject
        {
            ["apiVersion"] = "apiregistration.k8s.io/v1",
            ["kind"] = "APIService",
            ["metadata"] = new JsonObject
            {
                ["name"] = NameOf(group, version),
                ["labels"] = new JsonObject { ["kube-aggregator.kubernetes.io/automanaged"] = "onstart" },
            },
            ["spec"] = new JsonObject
            {
                ["group"] = group,
                ["version"] = version,
                ["groupPriorityMinimum"] = groupPriority,
                ["versionPriority"] = versionPriority,
            },
        };
    }
}
