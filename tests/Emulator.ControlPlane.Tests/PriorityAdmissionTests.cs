using System.Text.Json.Nodes;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class PriorityAdmissionTests : ClusterTestKit
{
    private static JsonObject PriorityClass(string name, int value, bool globalDefault = false, string? preemptionPolicy = null)
    {
        var priorityClass = new JsonObject
        {
            ["apiVersion"] = "scheduling.k8s.io/v1",
            ["kind"] = "PriorityClass",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["value"] = value,
        };
        if (globalDefault)
        {
            priorityClass["globalDefault"] = true;
        }
        if (preemptionPolicy is not null)
        {
            priorityClass["preemptionPolicy"] = preemptionPolicy;
        }
        return priorityClass;
    }

    private static JsonObject PodOfClass(string name, string priorityClass) =>
        PodWith(name, edit: spec => spec["priorityClassName"] = priorityClass);

    private ApiStatus Refused(object command)
    {
        var reply = Send(command);
        Assert.False(reply.IsSuccess);
        return reply.Error!;
    }

    [Fact]
    public void A_pod_gets_the_priority_and_preemption_policy_of_its_class()
    {
        Ok(new CreateObject(PriorityAdmission.PriorityClasses, PriorityClass("batch", 500, preemptionPolicy: "Never")));
        Ok(new CreateObject(ResourceTypes.Pods, PodOfClass("job", "batch")));
        var spec = GetPod("job").Spec!;
        Assert.Equal(500, JsonTree.GetInt(spec, "priority"));
        Assert.Equal("Never", JsonTree.GetString(spec, "preemptionPolicy"));

        // Without a class and without a global default: priority 0, PreemptLowerPriority, no class name.
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("plain")));
        var plain = GetPod("plain").Spec!;
        Assert.Equal(0, JsonTree.GetInt(plain, "priority"));
        Assert.Equal("PreemptLowerPriority", JsonTree.GetString(plain, "preemptionPolicy"));
        Assert.Null(plain["priorityClassName"]);
    }

    [Fact]
    public void The_system_classes_resolve_once_they_exist()
    {
        Ok(new CreateObject(PriorityAdmission.PriorityClasses, PriorityClass("system-node-critical", 2_000_001_000)));
        Ok(new CreateObject(ResourceTypes.Pods, PodOfClass("agent", "system-node-critical")));
        Assert.Equal(2_000_001_000, JsonTree.GetInt(GetPod("agent").Spec!, "priority"));
    }

    [Fact]
    public void An_unknown_class_is_forbidden_with_the_api_servers_words()
    {
        var error = Refused(new CreateObject(ResourceTypes.Pods, PodOfClass("web", "missing")));
        Assert.Equal(403, error.Code);
        Assert.Equal("Forbidden", error.Reason);
        Assert.Equal("pods \"web\" is forbidden: no PriorityClass with name missing was found", error.Message);
        Assert.Equal(("pods", "web"), (error.Kind, error.Name));

        // A pod named by generateName is refused under its prefix: the API server admits it before naming it.
        var generated = PodOfClass("ignored", "missing");
        var metadata = (JsonObject)generated["metadata"]!;
        metadata.Remove("name");
        metadata["generateName"] = "web-7c5ddbdf54-";
        Assert.Equal("pods \"web-7c5ddbdf54-\" is forbidden: no PriorityClass with name missing was found",
            Refused(new CreateObject(ResourceTypes.Pods, generated)).Message);
    }

    [Fact]
    public void A_stated_priority_or_policy_other_than_the_class_is_forbidden()
    {
        Ok(new CreateObject(PriorityAdmission.PriorityClasses, PriorityClass("high", 1000)));
        var pod = PodWith("web", edit: spec =>
        {
            spec["priorityClassName"] = "high";
            spec["priority"] = 7;
        });
        Assert.Equal("pods \"web\" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name",
            Refused(new CreateObject(ResourceTypes.Pods, pod)).Message);
        var policy = PodWith("web", edit: spec =>
        {
            spec["priorityClassName"] = "high";
            spec["preemptionPolicy"] = "Never";
        });
        Assert.Equal("pods \"web\" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name",
            Refused(new CreateObject(ResourceTypes.Pods, policy)).Message);
        // The same value as the class's is accepted (a pod re-created from its own dump).
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("same", edit: spec =>
        {
            spec["priorityClassName"] = "high";
            spec["priority"] = 1000;
        })));
    }

    [Fact]
    public void The_global_default_class_names_pods_without_one_and_only_one_class_may_be_default()
    {
        Ok(new CreateObject(PriorityAdmission.PriorityClasses, PriorityClass("standard", 100, globalDefault: true)));
        Ok(new CreateObject(ResourceTypes.Pods, PodWith("web")));
        var spec = GetPod("web").Spec!;
        Assert.Equal(("standard", 100L), (JsonTree.GetString(spec, "priorityClassName"), JsonTree.GetInt(spec, "priority")));

        var error = Refused(new CreateObject(PriorityAdmission.PriorityClasses, PriorityClass("other", 5, globalDefault: true)));
        Assert.Equal(403, error.Code);
        Assert.Equal("priorityclasses.scheduling.k8s.io \"other\" is forbidden: PriorityClass standard is already marked as default. Only one default can exist", error.Message);
        // Marking another existing class default is refused too; the default itself may be updated.
        Ok(new CreateObject(PriorityAdmission.PriorityClasses, PriorityClass("other", 5)));
        var other = Get(PriorityAdmission.PriorityClasses, null, "other").Document;
        other["globalDefault"] = true;
        Assert.Equal("Forbidden", Refused(new UpdateObject(PriorityAdmission.PriorityClasses, other)).Reason);
        var standard = Get(PriorityAdmission.PriorityClasses, null, "standard").Document;
        standard["description"] = "the default";
        Ok(new UpdateObject(PriorityAdmission.PriorityClasses, standard));
    }

    [Fact]
    public void An_update_keeps_the_priority_the_pod_was_created_with()
    {
        Ok(new CreateObject(PriorityAdmission.PriorityClasses, PriorityClass("high", 1000)));
        Ok(new CreateObject(ResourceTypes.Pods, PodOfClass("web", "high")));
        var pod = GetPod("web").Document;
        var spec = (JsonObject)pod["spec"]!;
        spec.Remove("priority");
        spec.Remove("preemptionPolicy");
        pod["metadata"]!["labels"] = new JsonObject { ["tier"] = "front" };
        Ok(new UpdateObject(ResourceTypes.Pods, pod));
        var updated = GetPod("web");
        Assert.Equal(1000, JsonTree.GetInt(updated.Spec!, "priority"));
        Assert.Equal("PreemptLowerPriority", JsonTree.GetString(updated.Spec!, "preemptionPolicy"));
        Assert.Equal("front", updated.Labels["tier"]);
    }
}
