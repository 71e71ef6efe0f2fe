using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// The ResourceQuota admission plugin, run by the store: refusals in the plugin's words, and usage charged to
/// <c>status.used</c> with each admitted write (no quota controller runs here: the status is what admission made it).
/// </summary>
public sealed class ResourceQuotaAdmissionTests : QuotaTestKit
{
    [Fact]
    public void Creates_are_charged_until_the_quota_is_full_then_refused_with_the_plugin_message()
    {
        Ok(new CreateObject(Quotas, Quota("compute", "pods=2,requests.cpu=1")));
        SetQuotaStatus("compute", "pods=0,requests.cpu=0");

        Ok(new CreateObject(Pods, PodWith("a", requests: "cpu=500m")));
        Assert.Equal("pods=1,requests.cpu=500m", Used("compute"));
        Ok(new CreateObject(Pods, PodWith("b", requests: "cpu=400m")));
        Assert.Equal("pods=2,requests.cpu=900m", Used("compute"));

        var refused = Refused(Pods, PodWith("c", requests: "cpu=100m"));
        Assert.Equal((403, "Forbidden"), (refused.Code, refused.Reason));
        Assert.Equal("pods \"c\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2", refused.Message);
        Assert.Equal(("", "pods", "c"), (refused.Group, refused.Kind, refused.Name));
        Assert.Equal("pods=2,requests.cpu=900m", Used("compute"));
        Assert.False(Send(new GetObject(Pods, "default", "c")).IsSuccess);
    }

    [Fact]
    public void A_validating_admission_policy_refuses_before_the_quota_charges()
    {
        // The API server's order: ValidatingAdmissionPolicy, then ResourceQuota last, so a refused write is never charged.
        Ok(new CreateObject(Quotas, Quota("compute", "pods=1")));
        SetQuotaStatus("compute", "pods=1");
        var policies = Emulator.ControlPlane.Admission.ValidatingAdmissionPolicy.ValidatingAdmissionPolicyAdmission.Policies;
        var bindings = Emulator.ControlPlane.Admission.ValidatingAdmissionPolicy.ValidatingAdmissionPolicyAdmission.Bindings;
        Ok(new CreateObject(policies, JsonNode.Parse("""
            {"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicy","metadata":{"name":"named"},
             "spec":{"matchConstraints":{"resourceRules":[{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE"],"resources":["pods"]}]},
                     "validations":[{"expression":"object.metadata.name.startsWith('app-')","message":"pods are named app-*"}]}}
            """)!.AsObject()));
        Ok(new CreateObject(bindings, JsonNode.Parse("""
            {"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicyBinding","metadata":{"name":"named"},
             "spec":{"policyName":"named","validationActions":["Deny"]}}
            """)!.AsObject()));
        Assert.Equal("pods \"stray\" is forbidden: ValidatingAdmissionPolicy 'named' with binding 'named' denied request: pods are named app-*",
            Refused(Pods, PodWith("stray")).Message);
        Assert.StartsWith("pods \"app-1\" is forbidden: exceeded quota: compute", Refused(Pods, PodWith("app-1")).Message, StringComparison.Ordinal);
        Assert.Equal("pods=1", Used("compute"));
    }

    [Fact]
    public void Every_exceeded_resource_is_named_and_nothing_is_charged_when_one_quota_refuses()
    {
        Ok(new CreateObject(Quotas, Quota("count", "pods=10")));
        Ok(new CreateObject(Quotas, Quota("cpu", "requests.cpu=1,limits.memory=1Gi")));
        SetQuotaStatus("count", "pods=3");
        SetQuotaStatus("cpu", "requests.cpu=900m,limits.memory=768Mi");

        Assert.Equal("pods \"big\" is forbidden: exceeded quota: cpu, requested: limits.memory=512Mi,requests.cpu=200m, "
            + "used: limits.memory=768Mi,requests.cpu=900m, limited: limits.memory=1Gi,requests.cpu=1",
            Refused(Pods, PodWith("big", requests: "cpu=200m", limits: "memory=512Mi")).Message);
        Assert.Equal("pods=3", Used("count"));

        Ok(new CreateObject(Pods, PodWith("fits", requests: "cpu=100m", limits: "memory=256Mi")));
        Assert.Equal(("pods=4", "limits.memory=1Gi,requests.cpu=1"), (Used("count"), Used("cpu")));
    }

    [Fact]
    public void A_cpu_or_memory_quota_requires_every_container_to_declare_it()
    {
        Ok(new CreateObject(Quotas, Quota("compute", "limits.cpu=2,requests.memory=1Gi")));
        SetQuotaStatus("compute", "limits.cpu=0,requests.memory=0");

        Assert.Equal("pods \"x\" is forbidden: failed quota: compute: must specify limits.cpu for: app",
            Refused(Pods, PodWith("x", requests: "memory=64Mi")).Message);
        Assert.Equal("pods \"y\" is forbidden: failed quota: compute: must specify limits.cpu for: app,sidecar; requests.memory for: sidecar",
            Refused(Pods, PodOf("y", [Container("app", requests: "memory=64Mi"), Container("sidecar")])).Message);
        Ok(new CreateObject(Pods, PodWith("z", requests: "memory=64Mi", limits: "cpu=1")));
        Assert.Equal("limits.cpu=1,requests.memory=64Mi", Used("compute"));
    }

    [Fact]
    public void A_quota_the_controller_has_not_counted_is_not_enforced_and_one_without_usage_refuses()
    {
        // No status yet: admission enforces status.hard, which the controller has not written.
        Ok(new CreateObject(Quotas, Quota("fresh", "pods=0")));
        Ok(new CreateObject(Pods, PodWith("early")));

        var unknown = Quota("unknown", "pods=5,requests.cpu=1");
        Ok(new CreateObject(Quotas, unknown));
        var stored = Ok(new GetObject(Quotas, "default", "unknown")).ToJsonObject();
        stored["status"] = new JsonObject { ["hard"] = List("pods=5,requests.cpu=1") };
        Ok(new UpdateObject(Quotas, stored, UpdateScope.Status));
        Assert.Equal("pods \"late\" is forbidden: status unknown for quota: unknown, resources: pods,requests.cpu",
            Refused(Pods, PodWith("late", requests: "cpu=1")).Message);
    }

    [Fact]
    public void Dry_runs_are_checked_but_not_charged()
    {
        Ok(new CreateObject(Quotas, Quota("compute", "pods=1")));
        SetQuotaStatus("compute", "pods=0");
        Ok(new CreateObject(Pods, PodWith("dry"), DryRun: true));
        Assert.Equal("pods=0", Used("compute"));
        SetQuotaStatus("compute", "pods=1");
        Assert.Equal("pods \"dry\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1",
            Send(new CreateObject(Pods, PodWith("dry"), DryRun: true)).Error!.Message);
    }

    [Fact]
    public void Scoped_quotas_only_count_the_pods_in_their_scopes()
    {
        Ok(new CreateObject(Quotas, Quota("best-effort", "pods=1", s => s["scopes"] = new JsonArray("BestEffort"))));
        Ok(new CreateObject(Quotas, Quota("terminating", "pods=1,limits.cpu=1", s => s["scopes"] = new JsonArray("Terminating", "NotBestEffort"))));
        Ok(new CreateObject(Quotas, Quota("high", "pods=1", s => s["scopeSelector"] = new JsonObject
        {
            ["matchExpressions"] = new JsonArray(new JsonObject { ["scopeName"] = "PriorityClass", ["operator"] = "In", ["values"] = new JsonArray("high") }),
        })));
        SetQuotaStatus("best-effort", "pods=0");
        SetQuotaStatus("terminating", "pods=0,limits.cpu=0");
        SetQuotaStatus("high", "pods=0");
        Ok(new CreateObject(PriorityClasses,
            new JsonObject { ["apiVersion"] = "scheduling.k8s.io/v1", ["kind"] = "PriorityClass", ["metadata"] = new JsonObject { ["name"] = "high" }, ["value"] = 1000 }));

        Ok(new CreateObject(Pods, PodWith("plain")));
        Assert.Equal(("pods=1", "limits.cpu=0,pods=0", "pods=0"), (Used("best-effort"), Used("terminating"), Used("high")));
        Assert.Contains("exceeded quota: best-effort", Refused(Pods, PodWith("plain-2")).Message);

        // Not best effort and no deadline: in no scope here.
        Ok(new CreateObject(Pods, PodWith("steady", requests: "cpu=100m")));
        Ok(new CreateObject(Pods, PodWith("batch", requests: "cpu=100m", limits: "cpu=1", spec: s => s["activeDeadlineSeconds"] = 60)));
        Assert.Equal("limits.cpu=1,pods=1", Used("terminating"));
        Assert.Contains("exceeded quota: terminating", Refused(Pods, PodWith("batch-2", requests: "cpu=100m", limits: "cpu=1", spec: s => s["activeDeadlineSeconds"] = 60)).Message);

        Ok(new CreateObject(Pods, PodWith("urgent", requests: "cpu=100m", spec: s => s["priorityClassName"] = "high")));
        Assert.Equal("pods=1", Used("high"));
        Assert.Equal("pods \"urgent-2\" is forbidden: exceeded quota: high, requested: pods=1, used: pods=1, limited: pods=1",
            Refused(Pods, PodWith("urgent-2", requests: "cpu=100m", spec: s => s["priorityClassName"] = "high")).Message);
    }

    [Fact]
    public void Services_are_charged_their_node_ports_and_load_balancers_on_create_and_on_type_changes()
    {
        Ok(new CreateObject(Quotas, Quota("net", "services=3,services.nodeports=2,services.loadbalancers=0")));
        SetQuotaStatus("net", "services=0,services.nodeports=0,services.loadbalancers=0");

        Assert.Equal("services \"wide\" is forbidden: exceeded quota: net, requested: services.nodeports=3, used: services.nodeports=0, limited: services.nodeports=2",
            Refused(Services, Service("wide", "NodePort", ports: 3)).Message);
        Assert.Contains("requested: services.loadbalancers=1,", Refused(Services, Service("lb", "LoadBalancer")).Message);

        Ok(new CreateObject(Services, Service("web")));
        Assert.Equal("services=1,services.loadbalancers=0,services.nodeports=0", Used("net"));
        var web = Ok(new GetObject(Services, "default", "web")).ToJsonObject();
        web["spec"]!["type"] = "NodePort";
        Ok(new UpdateObject(Services, web));
        Assert.Equal("services=1,services.loadbalancers=0,services.nodeports=1", Used("net"));
        web = Ok(new GetObject(Services, "default", "web")).ToJsonObject();
        web["spec"]!["ports"]!.AsArray().Add(new JsonObject { ["name"] = "extra", ["port"] = 8080 });
        web["spec"]!["ports"]!.AsArray().Add(new JsonObject { ["name"] = "more", ["port"] = 8081 });
        Assert.Equal("services \"web\" is forbidden: exceeded quota: net, requested: services.nodeports=2, used: services.nodeports=1, limited: services.nodeports=2",
            Send(new UpdateObject(Services, web)).Error!.Message);
    }

    [Fact]
    public void Object_counts_and_their_legacy_names_are_charged_at_create()
    {
        Ok(new CreateObject(Quotas, Quota("objects", "configmaps=1,count/secrets=1,count/deployments.apps=1")));
        SetQuotaStatus("objects", "configmaps=0,count/secrets=0,count/deployments.apps=0");

        Ok(new CreateObject(ConfigMaps, ConfigMap("first")));
        Assert.Equal("configmaps \"second\" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=1, limited: configmaps=1",
            Refused(ConfigMaps, ConfigMap("second")).Message);
        var secret = Object("Secret", "default", "token");
        secret["apiVersion"] = "v1";
        Ok(new CreateObject(Secrets, secret));
        Ok(new CreateObject(Deployments, Deployment("web")));
        Assert.Equal("deployments.apps \"api\" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1",
            Refused(Deployments, Deployment("api")).Message);
        Assert.Equal("configmaps=1,count/deployments.apps=1,count/secrets=1", Used("objects"));
    }

    [Fact]
    public void Claims_are_charged_their_storage_overall_and_per_storage_class()
    {
        Ok(new CreateObject(Quotas, Quota("storage", "persistentvolumeclaims=5,requests.storage=10Gi,gold.storageclass.storage.k8s.io/requests.storage=3Gi")));
        SetQuotaStatus("storage", "persistentvolumeclaims=0,requests.storage=0,gold.storageclass.storage.k8s.io/requests.storage=0");

        Ok(new CreateObject(Claims, Claim("plain", "4Gi", storageClass: "")));
        Ok(new CreateObject(Claims, Claim("fast", "2Gi", storageClass: "gold")));
        Assert.Equal("gold.storageclass.storage.k8s.io/requests.storage=2Gi,persistentvolumeclaims=2,requests.storage=6Gi", Used("storage"));
        Assert.Equal("persistentvolumeclaims \"faster\" is forbidden: exceeded quota: storage, requested: gold.storageclass.storage.k8s.io/requests.storage=2Gi, "
            + "used: gold.storageclass.storage.k8s.io/requests.storage=2Gi, limited: gold.storageclass.storage.k8s.io/requests.storage=3Gi",
            Refused(Claims, Claim("faster", "2Gi", storageClass: "gold")).Message);
        Assert.Contains("requested: requests.storage=5Gi, used: requests.storage=6Gi, limited: requests.storage=10Gi", Refused(Claims, Claim("huge", "5Gi", storageClass: "")).Message);
    }

    [Fact]
    public void A_quota_can_limit_the_number_of_quotas()
    {
        Ok(new CreateObject(Quotas, Quota("quotas", "resourcequotas=1")));
        SetQuotaStatus("quotas", "resourcequotas=1");
        Assert.Equal("resourcequotas \"another\" is forbidden: exceeded quota: quotas, requested: resourcequotas=1, used: resourcequotas=1, limited: resourcequotas=1",
            Refused(Quotas, Quota("another", "pods=1")).Message);
    }

    private static readonly ResourceType PriorityClasses = ResourceTypes.Of("scheduling.k8s.io", "priorityclasses");

    private static JsonObject Deployment(string name)
    {
        var deployment = Object("Deployment", "default", name, new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(Container("app")) },
            },
        });
        deployment["apiVersion"] = "apps/v1";
        return deployment;
    }
}
