using System.Text.Json.Nodes;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// Writes through a pod's <c>ephemeralcontainers</c> subresource, as the API server's strategy and validation take
/// them: only <c>spec.ephemeralContainers</c> changes, existing ones stay as they are, names are unique across all of
/// the pod's containers, and Kubernetes' allow-list of fields holds.
/// </summary>
public sealed class EphemeralContainersAdmissionTests() : ApiStoreTestKit(admission: KubernetesAdmission.Default)
{
    private static JsonObject Debugger(string name, string? target = null)
    {
        var container = new JsonObject { ["name"] = name, ["image"] = "busybox", ["stdin"] = true, ["tty"] = true, ["resources"] = new JsonObject() };
        if (target is not null)
        {
            container["targetContainerName"] = target;
        }
        return container;
    }

    private JsonObject Created(string name)
    {
        var pod = Pod(name);
        pod["apiVersion"] = "v1";
        return Ok(new CreateObject(Pods, pod)).ToJsonObject();
    }

    private StoreReply AddEphemeral(JsonObject pod, params JsonObject[] containers)
    {
        var next = pod.DeepClone().AsObject();
        var list = next["spec"]!["ephemeralContainers"] as JsonArray ?? [];
        foreach (var container in containers)
        {
            list.Add(container);
        }
        next["spec"]!["ephemeralContainers"] = list.DeepClone();
        return Send(new UpdateObject(Pods, next, UpdateScope.EphemeralContainers));
    }

    [Fact]
    public void An_ephemeral_container_is_added_and_defaulted_and_other_spec_changes_are_dropped()
    {
        var pod = Created("target");
        pod["spec"]!["activeDeadlineSeconds"] = 30;
        var reply = AddEphemeral(pod, Debugger("debugger-1", target: "app"));
        Assert.True(reply.IsSuccess, reply.Error?.Message);
        var stored = reply.Object!.ToJsonObject();
        var added = JsonTree.GetArray(stored, "spec", "ephemeralContainers")!.Single()!.AsObject();
        Assert.Equal("debugger-1", added["name"]!.GetValue<string>());
        Assert.Equal("Always", added["imagePullPolicy"]!.GetValue<string>());
        Assert.Equal("File", added["terminationMessagePolicy"]!.GetValue<string>());
        Assert.Null(JsonTree.Get(stored, "spec", "activeDeadlineSeconds"));
        Assert.NotNull(JsonTree.Get(stored, "spec", "securityContext"));
    }

    [Fact]
    public void An_existing_ephemeral_container_may_be_neither_changed_nor_removed()
    {
        var pod = AddEphemeral(Created("immutable"), Debugger("debugger-1")).Object!.ToJsonObject();
        var changed = pod.DeepClone().AsObject();
        changed["spec"]!["ephemeralContainers"]![0]!["image"] = "alpine";
        var reply = Send(new UpdateObject(Pods, changed, UpdateScope.EphemeralContainers));
        Assert.Equal(422, reply.Error!.Code);
        Assert.StartsWith("Pod \"immutable\" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers \"debugger-1\" may not be changed", reply.Error.Message);

        var removed = pod.DeepClone().AsObject();
        removed["spec"]!.AsObject().Remove("ephemeralContainers");
        reply = Send(new UpdateObject(Pods, removed, UpdateScope.EphemeralContainers));
        Assert.StartsWith("Pod \"immutable\" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers \"debugger-1\" may not be removed", reply.Error!.Message);
    }

    [Fact]
    public void Names_are_unique_across_containers_and_the_allow_list_and_target_are_checked()
    {
        var pod = Created("checked");
        var duplicate = AddEphemeral(pod, Debugger("app"));
        Assert.Equal("Pod \"checked\" is invalid: spec.ephemeralContainers[0].name: Duplicate value: \"app\"", duplicate.Error!.Message);

        var withPorts = Debugger("debugger-2", target: "nobody");
        withPorts["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 80 });
        var refused = AddEphemeral(pod, withPorts);
        Assert.Contains("spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container", refused.Error!.Message);
        Assert.Contains("spec.ephemeralContainers[0].targetContainerName: Not found: \"nobody\"", refused.Error.Message);
        Assert.Null(JsonTree.Get(Ok(new GetObject(Pods, "default", "checked")).ToJsonObject(), "spec", "ephemeralContainers"));
    }

    [Fact]
    public void A_pod_update_may_not_add_ephemeral_containers_nor_a_create_carry_them()
    {
        var pod = Created("plain");
        pod["spec"]!["ephemeralContainers"] = new JsonArray(Debugger("debugger-1"));
        var update = Send(new UpdateObject(Pods, pod, UpdateScope.Main));
        Assert.Contains("pod updates may not change fields other than", update.Error!.Message);

        var create = Pod("born-with-one");
        create["apiVersion"] = "v1";
        create["spec"]!["ephemeralContainers"] = new JsonArray(Debugger("debugger-1"));
        var created = Send(new CreateObject(Pods, create));
        Assert.Contains("spec.ephemeralContainers: Forbidden: cannot be set on create", created.Error!.Message);
    }
}
