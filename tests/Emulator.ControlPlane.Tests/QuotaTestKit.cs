using System.Text.Json.Nodes;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.ResourceQuota;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>A store with Kubernetes admission, and the objects quota and limit range tests create.</summary>
public abstract class QuotaTestKit() : ApiStoreTestKit(admission: KubernetesAdmission.Default)
{
    protected static readonly ResourceType Quotas = QuotaView.ResourceQuotas;
    protected static readonly ResourceType LimitRanges = LimitRanger.LimitRanges;
    protected static readonly ResourceType Services = ResourceTypes.Of("", "services");
    protected static readonly ResourceType Claims = ResourceTypes.Of("", "persistentvolumeclaims");
    protected static readonly ResourceType Secrets = ResourceTypes.Of("", "secrets");

    /// <summary>A container: <c>requests</c>/<c>limits</c> as <c>cpu=500m,memory=64Mi</c>.</summary>
    protected static JsonObject Container(string name, string? requests = null, string? limits = null)
    {
        var container = new JsonObject { ["name"] = name, ["image"] = "nginx" };
        var resources = new JsonObject();
        if (requests is not null)
        {
            resources["requests"] = List(requests);
        }
        if (limits is not null)
        {
            resources["limits"] = List(limits);
        }
        if (resources.Count > 0)
        {
            container["resources"] = resources;
        }
        return container;
    }

    /// <summary><c>cpu=1,pods=2</c> as a JSON map.</summary>
    protected static JsonObject List(string pairs) =>
        new(pairs.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')).Select(p => KeyValuePair.Create(p[0], (JsonNode?)JsonValue.Create(p[1]))));

    /// <summary>A pod of the given containers; <paramref name="spec"/> adds fields to its spec.</summary>
    protected static JsonObject PodOf(string name, JsonObject[] containers, Action<JsonObject>? spec = null, string ns = "default")
    {
        var pod = Object("Pod", ns, name, new JsonObject { ["containers"] = new JsonArray(containers.Select(c => (JsonNode)c).ToArray()) });
        pod["apiVersion"] = "v1";
        spec?.Invoke((JsonObject)pod["spec"]!);
        return pod;
    }

    /// <summary>A one-container pod asking for <paramref name="requests"/> and capped at <paramref name="limits"/>.</summary>
    protected static JsonObject PodWith(string name, string? requests = null, string? limits = null, Action<JsonObject>? spec = null) =>
        PodOf(name, [Container("app", requests, limits)], spec);

    protected static JsonObject Quota(string name, string hard, Action<JsonObject>? spec = null, string ns = "default")
    {
        var quota = Object("ResourceQuota", ns, name, new JsonObject { ["hard"] = List(hard) });
        quota["apiVersion"] = "v1";
        spec?.Invoke((JsonObject)quota["spec"]!);
        return quota;
    }

    protected static JsonObject Service(string name, string type = "ClusterIP", int ports = 1)
    {
        var service = Object("Service", "default", name, new JsonObject
        {
            ["type"] = type,
            ["selector"] = new JsonObject { ["app"] = name },
            ["ports"] = new JsonArray(Enumerable.Range(0, ports).Select(i => (JsonNode)new JsonObject { ["name"] = $"p{i}", ["port"] = 80 + i }).ToArray()),
        });
        service["apiVersion"] = "v1";
        return service;
    }

    protected static JsonObject Claim(string name, string storage, string? storageClass = null)
    {
        var spec = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteOnce"),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = storage } },
        };
        if (storageClass is not null)
        {
            spec["storageClassName"] = storageClass;
        }
        var claim = Object("PersistentVolumeClaim", "default", name, spec);
        claim["apiVersion"] = "v1";
        return claim;
    }

    protected static JsonObject ConfigMap(string name)
    {
        var configMap = Object("ConfigMap", "default", name);
        configMap["apiVersion"] = "v1";
        return configMap;
    }

    /// <summary>What the quota controller would write: <c>status.hard</c> = <c>spec.hard</c>, <c>status.used</c> as given.</summary>
    protected void SetQuotaStatus(string name, string used, string ns = "default")
    {
        var quota = Ok(new GetObject(Quotas, ns, name)).ToJsonObject();
        quota["status"] = new JsonObject { ["hard"] = quota["spec"]!["hard"]!.DeepClone(), ["used"] = List(used) };
        Ok(new UpdateObject(Quotas, quota, UpdateScope.Status));
    }

    protected KubeObject GetQuota(string name, string ns = "default") => new(Ok(new GetObject(Quotas, ns, name)).ToJsonObject());

    /// <summary><c>status.used</c> as <c>pods=1,requests.cpu=500m</c> (sorted).</summary>
    protected string Used(string name, string ns = "default") => Pairs(GetQuota(name, ns).Status?["used"] as JsonObject);

    protected string StatusHard(string name, string ns = "default") => Pairs(GetQuota(name, ns).Status?["hard"] as JsonObject);

    private static string Pairs(JsonObject? map) =>
        string.Join(",", (map ?? []).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={JsonTree.AsString(p.Value)}"));

    /// <summary>A create the store refuses: its status.</summary>
    protected ApiStatus Refused(ResourceType type, JsonObject obj)
    {
        var reply = Send(new CreateObject(type, obj));
        Assert.False(reply.IsSuccess, $"{type.Kind} was admitted");
        return reply.Error!;
    }
}
