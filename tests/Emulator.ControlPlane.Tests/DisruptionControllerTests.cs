using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Disruption;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// The disruption controller on virtual time: the test writes the budgets, the workloads and the pods (with their
/// Ready condition, as kubelets would) and reads the status the controller computes.
/// </summary>
public sealed class DisruptionControllerTests : ClusterTestKit
{
    private static readonly ResourceType Budgets = DisruptionBudgets.Budgets;
    private static readonly JsonObject WebLabels = new() { ["app"] = "web" };

    public DisruptionControllerTests()
    {
        Sys.ActorOf(Props.Create(() => new DisruptionController(Store, Hub, Events, null)), "disruption-controller");
    }

    private static JsonObject Budget(string name, JsonNode? minAvailable = null, JsonNode? maxUnavailable = null, JsonObject? selector = null, string? unhealthyPodEvictionPolicy = null)
    {
        var spec = new JsonObject { ["selector"] = selector ?? new JsonObject { ["matchLabels"] = WebLabels.DeepClone() } };
        if (minAvailable is not null)
        {
            spec["minAvailable"] = minAvailable;
        }
        if (maxUnavailable is not null)
        {
            spec["maxUnavailable"] = maxUnavailable;
        }
        if (unhealthyPodEvictionPolicy is not null)
        {
            spec["unhealthyPodEvictionPolicy"] = unhealthyPodEvictionPolicy;
        }
        var budget = Object("PodDisruptionBudget", "default", name, spec);
        budget["apiVersion"] = "policy/v1";
        return budget;
    }

    /// <summary>A workload of <paramref name="kind"/> selecting <c>app=web</c>, optionally owned by another.</summary>
    private KubeObject Workload(string kind, string name, int replicas, KubeObject? owner = null)
    {
        var (group, resource) = kind switch
        {
            "ReplicationController" => ("", "replicationcontrollers"),
            "DaemonSet" => ("apps", "daemonsets"),
            _ => ("apps", kind.ToLowerInvariant() + "s"),
        };
        var spec = new JsonObject
        {
            ["selector"] = kind == "ReplicationController" ? WebLabels.DeepClone() : new JsonObject { ["matchLabels"] = WebLabels.DeepClone() },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = WebLabels.DeepClone() },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx" }) },
            },
        };
        if (kind != "DaemonSet")
        {
            spec["replicas"] = replicas;
        }
        var obj = Object(kind, "default", name, spec);
        obj["apiVersion"] = group.Length == 0 ? "v1" : $"{group}/v1";
        if (owner is not null)
        {
            obj["metadata"]!["ownerReferences"] = new JsonArray(OwnedBy(owner).ToJson());
        }
        var type = ResourceTypes.Of(group, resource);
        Ok(new CreateObject(type, obj));
        return Get(type, "default", name);
    }

    private static OwnerReference OwnedBy(KubeObject owner) => new(owner.ApiVersion, owner.Kind, owner.Name!, owner.Uid!, true, true);

    /// <summary>A pod labelled <c>app=web</c>, Running and Ready (or not) as its kubelet would report it.</summary>
    private void WebPod(string name, bool ready = true, KubeObject? owner = null, JsonObject? labels = null)
    {
        var pod = Pod(name, labels: labels ?? (JsonObject)WebLabels.DeepClone());
        if (owner is not null)
        {
            pod["metadata"]!["ownerReferences"] = new JsonArray(OwnedBy(owner).ToJson());
        }
        Ok(new CreateObject(ResourceTypes.Pods, pod));
        SetReady(name, ready);
    }

    private void SetReady(string name, bool ready)
    {
        var pod = GetPod(name).Document;
        var status = (JsonObject)pod["status"]!;
        status["phase"] = "Running";
        Conditions.Set(status, "Ready", ready ? "True" : "False", null, null, Now);
        Ok(new UpdateObject(ResourceTypes.Pods, pod, UpdateScope.Status));
    }

    private KubeObject BudgetNamed(string name) => Get(Budgets, "default", name);

    private (int Expected, int Desired, int Current, int Allowed) Counts(string budget)
    {
        Settle();
        var b = BudgetNamed(budget);
        int Of(string field) => (int)DisruptionBudgets.StatusInt(b, field);
        return (Of("expectedPods"), Of("desiredHealthy"), Of("currentHealthy"), Of("disruptionsAllowed"));
    }

    private JsonObject AllowedCondition(string budget) =>
        Conditions.Find(BudgetNamed(budget).Status!, DisruptionBudgets.DisruptionAllowedCondition)!;

    [Fact]
    public void An_integer_min_available_counts_the_selected_pods()
    {
        Ok(new CreateObject(Budgets, Budget("web", minAvailable: 2)));
        foreach (var name in new[] { "web-1", "web-2", "web-3" })
        {
            WebPod(name);
        }
        WebPod("other", labels: new JsonObject { ["app"] = "db" });
        Assert.Equal((3, 2, 3, 1), Counts("web"));
        var budget = BudgetNamed("web");
        Assert.Equal(1, DisruptionBudgets.StatusInt(budget, "observedGeneration"));
        var condition = AllowedCondition("web");
        Assert.Equal(("True", "SufficientPods", ""), (JsonTree.GetString(condition, "status"), JsonTree.GetString(condition, "reason"), JsonTree.GetString(condition, "message")));
        Assert.Equal(1, JsonTree.GetInt(condition, "observedGeneration"));

        // A pod not ready is not healthy: the budget is just met, nothing may go.
        Advance(TimeSpan.FromSeconds(30));
        SetReady("web-2", false);
        Assert.Equal((3, 2, 2, 0), Counts("web"));
        condition = AllowedCondition("web");
        Assert.Equal(("False", "InsufficientPods"), (JsonTree.GetString(condition, "status"), JsonTree.GetString(condition, "reason")));
        Assert.Equal(Rfc3339Time.Format(Now), JsonTree.GetString(condition, "lastTransitionTime"));

        // A terminating pod is not healthy either, whatever its Ready condition says.
        SetReady("web-2", true);
        Assert.Equal((3, 2, 3, 1), Counts("web"));
        Ok(new BindPod("default", "web-3", "n1"));
        Ok(new DeleteObject(ResourceTypes.Pods, "default", "web-3", new DeleteOptions(GracePeriodSeconds: 30)));
        Assert.Equal((3, 2, 2, 0), Counts("web"));
    }

    [Fact]
    public void A_percentage_takes_the_deployments_scale_and_rounds_up()
    {
        var deployment = Workload("Deployment", "web", 3);
        var replicaSet = Workload("ReplicaSet", "web-5d8b7c", 3, owner: deployment);
        WebPod("web-5d8b7c-a", owner: replicaSet);
        WebPod("web-5d8b7c-b", owner: replicaSet);
        Ok(new CreateObject(Budgets, Budget("web", minAvailable: "50%")));
        // 50% of the Deployment's 3 replicas is 1.5: 2 must stay healthy, and only 2 pods exist yet.
        Assert.Equal((3, 2, 2, 0), Counts("web"));

        var scaled = Get(ResourceTypes.Deployments, "default", "web").Document;
        scaled["spec"]!["replicas"] = 5;
        Ok(new UpdateObject(ResourceTypes.Deployments, scaled));
        Assert.Equal((5, 3, 2, 0), Counts("web"));
        WebPod("web-5d8b7c-c", owner: replicaSet);
        WebPod("web-5d8b7c-d", owner: replicaSet);
        Assert.Equal((5, 3, 4, 1), Counts("web"));
    }

    [Fact]
    public void Max_unavailable_is_taken_from_the_controllers_scale()
    {
        var statefulSet = Workload("StatefulSet", "web", 3);
        foreach (var name in new[] { "web-0", "web-1", "web-2" })
        {
            WebPod(name, owner: statefulSet);
        }
        // 34% of 3 rounds up to 2 unavailable: 1 must stay.
        Ok(new CreateObject(Budgets, Budget("web", maxUnavailable: "34%")));
        Assert.Equal((3, 1, 3, 2), Counts("web"));

        var budget = BudgetNamed("web").Document;
        budget["spec"]!["maxUnavailable"] = 0;
        Ok(new UpdateObject(Budgets, budget));
        Assert.Equal((3, 3, 3, 0), Counts("web"));
        Assert.Equal(2, DisruptionBudgets.StatusInt(BudgetNamed("web"), "observedGeneration"));
    }

    [Fact]
    public void A_replication_controller_and_a_bare_replica_set_give_their_own_scale()
    {
        var controller = Workload("ReplicationController", "legacy", 4);
        var replicaSet = Workload("ReplicaSet", "bare", 2);
        WebPod("legacy-1", owner: controller);
        WebPod("bare-1", owner: replicaSet);
        WebPod("stray");
        Ok(new CreateObject(Budgets, Budget("web", maxUnavailable: 1)));
        // The stray pod has no controller: left out of the scale (4 + 2), with a warning.
        Assert.Equal((6, 5, 3, 0), Counts("web"));
        var warning = Assert.Single(EventsFor("web", "UnmanagedPods"));
        Assert.Equal("Warning", JsonTree.GetString(warning.Document, "type"));
        Assert.Equal("Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{},}) were found "
            + "to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "
            + "To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.", JsonTree.GetString(warning.Document, "message"));
        Assert.Equal("controllermanager", JsonTree.GetString(warning.Document, "source", "component"));
    }

    [Fact]
    public void Pods_without_a_scalable_controller_fail_safe()
    {
        var daemonSet = Workload("DaemonSet", "agent", 0);
        WebPod("agent-1", owner: daemonSet);
        WebPod("agent-2", owner: daemonSet);
        Ok(new CreateObject(Budgets, Budget("web", minAvailable: "50%")));
        Settle();
        var status = BudgetNamed("web").Status!;
        Assert.Equal(0, JsonTree.GetInt(status, "disruptionsAllowed"));
        var condition = AllowedCondition("web");
        Assert.Equal(("False", "SyncFailed", "daemonsets.apps does not implement the scale subresource"),
            (JsonTree.GetString(condition, "status"), JsonTree.GetString(condition, "reason"), JsonTree.GetString(condition, "message")));
        AwaitAssert(() => Assert.Equal("Failed to calculate the number of expected pods: daemonsets.apps does not implement the scale subresource",
            JsonTree.GetString(Assert.Single(EventsFor("web", "CalculateExpectedPodCountFailed")).Document, "message")));

        // An integer minAvailable needs no controller: the budget recovers.
        var budget = BudgetNamed("web").Document;
        budget["spec"]!["minAvailable"] = 1;
        Ok(new UpdateObject(Budgets, budget));
        Assert.Equal((2, 1, 2, 1), Counts("web"));
        Assert.Equal("SufficientPods", JsonTree.GetString(AllowedCondition("web"), "reason"));
    }

    [Fact]
    public void A_pod_whose_controller_is_gone_fails_safe()
    {
        var replicaSet = Workload("ReplicaSet", "web-abc", 1);
        WebPod("web-abc-1", owner: replicaSet);
        // Deleted without a garbage collector to follow: the pod stays, owned by nothing that exists.
        Ok(new DeleteObject(ResourceTypes.ReplicaSets, "default", "web-abc", new DeleteOptions()));
        Ok(new CreateObject(Budgets, Budget("web", maxUnavailable: "10%")));
        Settle();
        Assert.Equal("found no controllers for pod \"web-abc-1\"", JsonTree.GetString(AllowedCondition("web"), "message"));
    }

    [Fact]
    public void A_budget_with_no_pods_allows_nothing_and_says_so()
    {
        Ok(new CreateObject(Budgets, Budget("web", minAvailable: 0)));
        Assert.Equal((0, 0, 0, 0), Counts("web"));
        Assert.Equal("InsufficientPods", JsonTree.GetString(AllowedCondition("web"), "reason"));
        AwaitAssert(() => Assert.Equal("No matching pods found", JsonTree.GetString(EventsFor("web", "NoPods")[0].Document, "message")));
    }

    [Fact]
    public void An_approved_eviction_is_not_healthy_until_the_pod_goes_or_the_deletion_timeout_passes()
    {
        Ok(new CreateObject(Budgets, Budget("web", minAvailable: 1)));
        WebPod("web-1");
        WebPod("web-2");
        WebPod("web-3");
        Assert.Equal((3, 1, 3, 2), Counts("web"));

        // What the eviction subresource writes when it approves evicting web-1 and web-2.
        var budget = BudgetNamed("web").Document;
        budget["status"]!["disruptionsAllowed"] = 0;
        budget["status"]!["disruptedPods"] = new JsonObject { ["web-1"] = Rfc3339Time.Format(Now), ["web-2"] = Rfc3339Time.Format(Now), ["gone"] = Rfc3339Time.Format(Now) };
        Ok(new UpdateObject(Budgets, budget, UpdateScope.Status));
        Assert.Equal((3, 1, 1, 0), Counts("web"));
        // An entry for a pod that does not exist is dropped.
        Assert.Equal(["web-1", "web-2"], ((JsonObject)BudgetNamed("web").Status!["disruptedPods"]!).Select(p => p.Key).Order());

        // web-1 goes: its entry is no longer needed.
        Ok(new DeleteObject(ResourceTypes.Pods, "default", "web-1", new DeleteOptions(GracePeriodSeconds: 0)));
        Assert.Equal((2, 1, 1, 0), Counts("web"));
        Assert.Equal(["web-2"], ((JsonObject)BudgetNamed("web").Status!["disruptedPods"]!).Select(p => p.Key));

        // web-2 is never deleted: after the deletion timeout it counts again, with a warning on the pod.
        Advance(DisruptionBudgets.DeletionTimeout - TimeSpan.FromSeconds(1));
        Assert.Equal((2, 1, 1, 0), Counts("web"));
        Advance(TimeSpan.FromSeconds(2));
        Assert.Equal((2, 1, 2, 1), Counts("web"));
        Assert.Null(BudgetNamed("web").Status!["disruptedPods"]);
        var warning = Assert.Single(EventsFor("web-2", "NotDeleted"));
        Assert.Equal("Pod was expected by PDB default/default to be deleted but it wasn't", JsonTree.GetString(warning.Document, "message"));
    }

    [Fact]
    public void A_pod_covered_by_two_budgets_gets_a_warning_and_both_are_computed()
    {
        Ok(new CreateObject(Budgets, Budget("a", minAvailable: 1)));
        Ok(new CreateObject(Budgets, Budget("b", maxUnavailable: 0, selector: new JsonObject())));
        var replicaSet = Workload("ReplicaSet", "web", 1);
        WebPod("web-1", owner: replicaSet);
        Assert.Equal((1, 1, 1, 0), Counts("a"));
        // An empty selector selects every pod of the namespace (policy/v1).
        Assert.Equal((1, 1, 1, 0), Counts("b"));
        AwaitAssert(() => Assert.Contains(EventsFor("web-1", "MultiplePodDisruptionBudgets"),
            e => JsonTree.GetString(e.Document, "message") == "Pod \"default\"/\"web-1\" matches multiple PodDisruptionBudgets.  Chose \"a\" arbitrarily."));
    }
}
