using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.ResourceQuota;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

/// <summary>The resource quota controller with quota admission: status.hard and status.used as Kubernetes keeps them.</summary>
public sealed class ResourceQuotaControllerTests : QuotaTestKit
{
    private static readonly ResourceType PriorityClasses = ResourceTypes.Of("scheduling.k8s.io", "priorityclasses");
    private static readonly ResourceType ReplicationControllers = ResourceTypes.Of("", "replicationcontrollers");

    private void StartController(TimeSpan? resync = null) =>
        Sys.ActorOf(Props.Create(() => new ResourceQuotaController(Store, Hub, null, resync)), "resourcequota-controller");

    private void SetPhase(string pod, string phase)
    {
        var obj = Ok(new GetObject(Pods, "default", pod)).ToJsonObject();
        obj["status"]!["phase"] = phase;
        Ok(new UpdateObject(Pods, obj, UpdateScope.Status));
    }

    [Fact]
    public void Status_confirms_the_hard_limits_and_counts_what_the_namespace_holds()
    {
        Ok(new CreateObject(Namespaces, Object("Namespace", null, "other")));
        Ok(new CreateObject(Pods, PodWith("web", requests: "cpu=500m,ephemeral-storage=1Gi", limits: "memory=128Mi")));
        Ok(new CreateObject(Pods, PodWith("done", requests: "cpu=250m")));
        SetPhase("done", "Succeeded");
        Ok(new CreateObject(Pods, PodOf("elsewhere", [Container("app", requests: "cpu=1")], ns: "other")));
        Ok(new CreateObject(Quotas, Quota("compute", "pods=10,count/pods=10,cpu=4,requests.cpu=2,limits.memory=1Gi,requests.ephemeral-storage=5Gi,limits.cpu=1")));
        Assert.Equal("", Used("compute"));

        StartController();
        Settle();
        Assert.Equal("count/pods=10,cpu=4,limits.cpu=1,limits.memory=1Gi,pods=10,requests.cpu=2,requests.ephemeral-storage=5Gi", StatusHard("compute"));
        // A finished pod still counts as a stored pod, not as a running one.
        Assert.Equal("count/pods=2,cpu=500m,limits.cpu=0,limits.memory=128Mi,pods=1,requests.cpu=500m,requests.ephemeral-storage=1Gi", Used("compute"));

        var quota = Ok(new GetObject(Quotas, "default", "compute")).ToJsonObject();
        quota["spec"]!["hard"] = List("pods=3,services=2");
        Ok(new UpdateObject(Quotas, quota));
        Settle();
        Assert.Equal(("pods=3,services=2", "pods=1,services=0"), (StatusHard("compute"), Used("compute")));
    }

    [Fact]
    public void Usage_follows_pods_ending_and_going_and_freed_quota_admits_again()
    {
        Ok(new CreateObject(Quotas, Quota("compute", "pods=2,count/pods=3")));
        StartController();
        Settle();
        Assert.Equal("count/pods=0,pods=0", Used("compute"));

        Ok(new CreateObject(Pods, PodWith("a")));
        Ok(new CreateObject(Pods, PodWith("b")));
        Settle();
        Assert.Equal("count/pods=2,pods=2", Used("compute"));
        Assert.Contains("exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2", Refused(Pods, PodWith("c")).Message);

        SetPhase("a", "Failed");
        Settle();
        Assert.Equal("count/pods=2,pods=1", Used("compute"));
        Ok(new CreateObject(Pods, PodWith("c")));
        Assert.Contains("exceeded quota: compute, requested: count/pods=1,pods=1, used: count/pods=3,pods=2, limited: count/pods=3,pods=2",
            Refused(Pods, PodWith("d")).Message);

        Ok(new DeleteObject(Pods, "default", "a", new DeleteOptions()));
        Settle();
        Assert.Equal("count/pods=2,pods=2", Used("compute"));
        Ok(new DeleteObject(Pods, "default", "b", new DeleteOptions()));
        Settle();
        Ok(new CreateObject(Pods, PodWith("d")));
        Settle();
        Assert.Equal("count/pods=2,pods=2", Used("compute"));
    }

    [Fact]
    public void A_burst_of_creates_cannot_overshoot_while_the_controller_recounts()
    {
        Ok(new CreateObject(Quotas, Quota("compute", "pods=3,requests.cpu=10,count/configmaps=10")));
        for (var i = 0; i < 6; i++)
        {
            Ok(new CreateObject(ConfigMaps, ConfigMap($"settings-{i}")));
        }
        StartController();
        Settle();
        Ok(new CreateObject(Pods, PodWith("first", requests: "cpu=1")));

        // Sent together, each create after a delete the controller recounts the quota for: the recounts run while the
        // store admits the next creates.
        for (var i = 0; i < 6; i++)
        {
            Store.Tell(new DeleteObject(ConfigMaps, "default", $"settings-{i}", new DeleteOptions()), TestActor);
            Store.Tell(new CreateObject(Pods, PodWith($"burst-{i}", requests: "cpu=1")), TestActor);
        }
        var replies = Enumerable.Range(0, 12).Select(_ => ExpectMsg<StoreReply>()).Where(r => r.Object?.Resource != "configmaps").ToList();
        Assert.Equal(6, replies.Count);
        Assert.Equal(2, replies.Count(r => r.IsSuccess));
        Assert.All(replies.Where(r => !r.IsSuccess), r => Assert.StartsWith("pods \"burst-", r.Error!.Message));
        Settle();
        Assert.Equal(3, Request<ListReply>(new ListObjects(Pods, "default")).Items.Count);
        Assert.Equal("count/configmaps=0,pods=3,requests.cpu=3", Used("compute"));
    }

    [Fact]
    public void Scoped_quotas_count_only_the_pods_in_their_scopes()
    {
        Ok(new CreateObject(PriorityClasses, new JsonObject
        {
            ["apiVersion"] = "scheduling.k8s.io/v1",
            ["kind"] = "PriorityClass",
            ["metadata"] = new JsonObject { ["name"] = "high" },
            ["value"] = 1000,
        }));
        Ok(new CreateObject(Pods, PodWith("best-effort")));
        Ok(new CreateObject(Pods, PodWith("batch", requests: "cpu=100m", spec: s => s["activeDeadlineSeconds"] = 30)));
        Ok(new CreateObject(Pods, PodWith("urgent", requests: "cpu=200m", spec: s => s["priorityClassName"] = "high")));
        Ok(new CreateObject(Quotas, Quota("best-effort", "pods=5", s => s["scopes"] = new JsonArray("BestEffort"))));
        Ok(new CreateObject(Quotas, Quota("long-running", "pods=5,requests.cpu=1", s => s["scopes"] = new JsonArray("NotTerminating", "NotBestEffort"))));
        Ok(new CreateObject(Quotas, Quota("not-high", "pods=5", s => s["scopeSelector"] = new JsonObject
        {
            ["matchExpressions"] = new JsonArray(new JsonObject { ["scopeName"] = "PriorityClass", ["operator"] = "NotIn", ["values"] = new JsonArray("high") }),
        })));
        StartController();
        Settle();
        Assert.Equal("pods=1", Used("best-effort"));
        Assert.Equal("pods=1,requests.cpu=200m", Used("long-running"));
        Assert.Equal("pods=2", Used("not-high"));
    }

    [Fact]
    public void Services_claims_and_object_counts_are_counted()
    {
        Ok(new CreateObject(Services, Service("web")));
        Ok(new CreateObject(Services, Service("node", "NodePort", ports: 2)));
        Ok(new CreateObject(Services, Service("balanced", "LoadBalancer", ports: 3)));
        Ok(new CreateObject(Claims, Claim("plain", "1500Mi", storageClass: "")));
        Ok(new CreateObject(Claims, Claim("fast", "2Gi", storageClass: "gold")));
        Ok(new CreateObject(ConfigMaps, ConfigMap("settings")));
        var secret = Object("Secret", "default", "token");
        secret["apiVersion"] = "v1";
        Ok(new CreateObject(Secrets, secret));
        Ok(new CreateObject(Quotas, Quota("network", "services=10,services.nodeports=10,services.loadbalancers=2,count/services=10")));
        Ok(new CreateObject(Quotas, Quota("storage", "persistentvolumeclaims=10,requests.storage=100Gi,"
            + "gold.storageclass.storage.k8s.io/requests.storage=10Gi,gold.storageclass.storage.k8s.io/persistentvolumeclaims=1")));
        Ok(new CreateObject(Quotas, Quota("objects", "configmaps=5,secrets=5,resourcequotas=5,replicationcontrollers=5,count/resourcequotas=5")));
        StartController();
        Settle();
        Assert.Equal("count/services=3,services=3,services.loadbalancers=1,services.nodeports=5", Used("network"));
        Assert.Equal("gold.storageclass.storage.k8s.io/persistentvolumeclaims=1,gold.storageclass.storage.k8s.io/requests.storage=2Gi,"
            + "persistentvolumeclaims=2,requests.storage=3548Mi", Used("storage"));
        Assert.Equal("configmaps=1,count/resourcequotas=3,replicationcontrollers=0,resourcequotas=3,secrets=1", Used("objects"));

        Ok(new DeleteObject(Services, "default", "balanced", new DeleteOptions()));
        Ok(new DeleteObject(Quotas, "default", "storage", new DeleteOptions()));
        Settle();
        Assert.Equal("count/services=2,services=2,services.loadbalancers=0,services.nodeports=2", Used("network"));
        Assert.Equal("configmaps=1,count/resourcequotas=2,replicationcontrollers=0,resourcequotas=2,secrets=1", Used("objects"));
    }

    [Fact]
    public void A_usage_nobody_reported_is_corrected_by_the_periodic_recount()
    {
        Ok(new CreateObject(Pods, PodWith("a")));
        Ok(new CreateObject(Quotas, Quota("compute", "pods=2")));
        StartController(resync: TimeSpan.FromMinutes(5));
        Settle();
        Assert.Equal("pods=1", Used("compute"));
        // A charge for a pod that never got stored: only a full recount notices.
        SetQuotaStatus("compute", "pods=2");
        Settle();
        Assert.Equal("pods=2", Used("compute"));
        Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("pods=1", Used("compute"));
    }
}
