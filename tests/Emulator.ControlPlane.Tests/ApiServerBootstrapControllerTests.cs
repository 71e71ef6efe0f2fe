using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.ApiRegistration;
using Emulator.ControlPlane.FlowControl;
using Emulator.ControlPlane.ServiceCidr;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// The objects the API server creates for itself: Local APIServices, the API Priority and Fairness configuration with
/// its Dangling conditions, and the default ServiceCIDR.
/// </summary>
public sealed class ApiServerBootstrapControllerTests : ClusterTestKit
{
    private static readonly ResourceType ApiServices = LocalApiServiceController.ApiServices;
    private static readonly ResourceType FlowSchemas = FlowControlConfigurationController.FlowSchemas;
    private static readonly ResourceType PriorityLevels = FlowControlConfigurationController.PriorityLevels;
    private static readonly ResourceType ServiceCidrs = DefaultServiceCidrController.ServiceCidrs;

    private static string? Available(KubeObject apiService, string field = "status") =>
        JsonTree.GetString(JsonTree.Objects(JsonTree.GetArray(apiService.Document, "status", "conditions")).FirstOrDefault(c => JsonTree.GetString(c, "type") == "Available"), field);

    [Fact]
    public void Every_served_group_version_gets_an_available_local_apiservice_with_kube_apiservers_priorities()
    {
        (string, string)[] served = [("", "v1"), ("apps", "v1"), ("autoscaling", "v2"), ("flowcontrol.apiserver.k8s.io", "v1"), ("example.com", "v1")];
        Sys.ActorOf(Props.Create(() => new LocalApiServiceController(Store, Hub, served, null)), "apiservices");
        Settle();

        var core = Get(ApiServices, null, "v1.");
        Assert.Equal(("", "v1", 18000L, 1L), (JsonTree.GetString(core.Spec, "group"), JsonTree.GetString(core.Spec, "version"), JsonTree.GetInt(core.Spec, "groupPriorityMinimum"), JsonTree.GetInt(core.Spec, "versionPriority")));
        Assert.Equal("onstart", JsonTree.GetString(core.Document, "metadata", "labels", "kube-aggregator.kubernetes.io/automanaged"));
        Assert.Equal(("True", "Local", "Local APIServices are always available"), (Available(core), Available(core, "reason"), Available(core, "message")));
        var autoscaling = Get(ApiServices, null, "v2.autoscaling");
        Assert.Equal((17500L, 30L), (JsonTree.GetInt(autoscaling.Spec, "groupPriorityMinimum"), JsonTree.GetInt(autoscaling.Spec, "versionPriority")));
        Assert.Equal((16100L, 21L), (JsonTree.GetInt(Get(ApiServices, null, "v1.flowcontrol.apiserver.k8s.io").Spec, "groupPriorityMinimum"), JsonTree.GetInt(Get(ApiServices, null, "v1.flowcontrol.apiserver.k8s.io").Spec, "versionPriority")));
        // A group version kube-apiserver has no priority for is not registered.
        Assert.Equal(4, Request<ListReply>(new ListObjects(ApiServices, null)).Items.Count);

        // An extension API server's APIService is not available: nothing proxies to it.
        Ok(new CreateObject(ApiServices, JsonNode.Parse("""
            {"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1beta1.metrics.k8s.io"},
             "spec":{"group":"metrics.k8s.io","version":"v1beta1","service":{"namespace":"kube-system","name":"metrics-server"},"insecureSkipTLSVerify":true,"groupPriorityMinimum":100,"versionPriority":100}}
            """)!.AsObject()));
        Settle();
        var metrics = Get(ApiServices, null, "v1beta1.metrics.k8s.io");
        Assert.Equal(("False", "ServiceNotFound", "service/metrics-server in \"kube-system\" is not present"), (Available(metrics), Available(metrics, "reason"), Available(metrics, "message")));
        Ok(new CreateObject(ResourceTypes.Of("", "services"), Object("Service", "kube-system", "metrics-server", new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = 443 }) })));
        Settle();
        Assert.Equal("MissingEndpoints", Available(Get(ApiServices, null, "v1beta1.metrics.k8s.io"), "reason"));
    }

    [Fact]
    public void The_flow_control_bootstrap_objects_exist_come_back_and_keep_their_spec()
    {
        Sys.ActorOf(Props.Create(() => new FlowControlConfigurationController(Store, Hub, null)), "flowcontrol");
        Settle();
        Assert.Equal(
            ["catch-all", "global-default", "kube-controller-manager", "kube-scheduler", "kube-system-service-accounts", "probes", "service-accounts", "system-leader-election", "system-node-high", "system-nodes", "workload-leader-election", "endpoint-controller", "exempt"],
            Request<ListReply>(new ListObjects(FlowSchemas, null)).Items.Select(i => i.Name).OrderBy(n => n == "endpoint-controller" || n == "exempt").ThenBy(n => n, StringComparer.Ordinal));
        Assert.Equal(8, Request<ListReply>(new ListObjects(PriorityLevels, null)).Items.Count);
        var exempt = Get(FlowSchemas, null, "exempt");
        Assert.Equal("true", JsonTree.GetString(exempt.Document, "metadata", "annotations", "apf.kubernetes.io/autoupdate-spec"));
        Assert.Equal(1, JsonTree.GetInt(exempt.Spec, "matchingPrecedence"));
        Assert.Equal(("False", "Found", "This FlowSchema references the PriorityLevelConfiguration object named \"exempt\" and it exists"),
            (Condition(exempt, "Dangling"), Condition(exempt, "Dangling", "reason"), Condition(exempt, "Dangling", "message")));
        var catchAll = Get(PriorityLevels, null, "catch-all");
        Assert.Equal("""{"type":"Limited","limited":{"nominalConcurrencyShares":5,"limitResponse":{"type":"Reject"},"lendablePercent":0}}""", JsonTree.ToCompactJson(catchAll.Spec));

        // A deleted bootstrap object comes back; an edited one gets its shipped spec back.
        Ok(new DeleteObject(PriorityLevels, null, "workload-low", new DeleteOptions()));
        var edited = Get(FlowSchemas, null, "service-accounts").Document.DeepClone().AsObject();
        edited["spec"]!["matchingPrecedence"] = 42;
        Ok(new UpdateObject(FlowSchemas, edited));
        Settle();
        Assert.Equal(100, JsonTree.GetInt(Get(PriorityLevels, null, "workload-low").Spec, "limited", "nominalConcurrencyShares"));
        Assert.Equal(9000, JsonTree.GetInt(Get(FlowSchemas, null, "service-accounts").Spec, "matchingPrecedence"));

        // A schema of the user's that names a missing level dangles until the level exists.
        Ok(new CreateObject(FlowSchemas, JsonNode.Parse("""
            {"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"FlowSchema","metadata":{"name":"team"},
             "spec":{"priorityLevelConfiguration":{"name":"team"},"matchingPrecedence":5000,
                     "rules":[{"subjects":[{"kind":"Group","group":{"name":"team"}}],"nonResourceRules":[{"verbs":["*"],"nonResourceURLs":["*"]}]}]}}
            """)!.AsObject()));
        Settle();
        var team = Get(FlowSchemas, null, "team");
        Assert.Equal(("True", "NotFound"), (Condition(team, "Dangling"), Condition(team, "Dangling", "reason")));
        Ok(new CreateObject(PriorityLevels, JsonNode.Parse("""
            {"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"PriorityLevelConfiguration","metadata":{"name":"team"},"spec":{"type":"Limited","limited":{"limitResponse":{"type":"Reject"}}}}
            """)!.AsObject()));
        Settle();
        Assert.Equal("False", Condition(Get(FlowSchemas, null, "team"), "Dangling"));
        Assert.Equal(5000, JsonTree.GetInt(Get(FlowSchemas, null, "team").Spec, "matchingPrecedence"));
    }

    [Fact]
    public void The_default_service_cidr_holds_the_service_range_and_comes_back_when_deleted()
    {
        Sys.ActorOf(Props.Create(() => new DefaultServiceCidrController(Store, Hub, null)), "servicecidr");
        Settle();
        var cidr = Get(ServiceCidrs, null, "kubernetes");
        Assert.Equal("""["10.96.0.0/12"]""", JsonTree.ToCompactJson(cidr.Spec!["cidrs"]));
        Assert.Equal(("True", null, "Kubernetes default Service CIDR is ready"), (Condition(cidr, "Ready"), Condition(cidr, "Ready", "reason"), Condition(cidr, "Ready", "message")));

        Ok(new DeleteObject(ServiceCidrs, null, "kubernetes", new DeleteOptions()));
        Settle();
        Assert.Equal("True", Condition(Get(ServiceCidrs, null, "kubernetes"), "Ready"));
    }
}
