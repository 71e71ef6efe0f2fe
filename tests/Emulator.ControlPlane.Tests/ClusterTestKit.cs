using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// An API store with Kubernetes admission (defaults such as the pods' not-ready/unreachable tolerations), an event
/// recorder, and helpers that play a node's kubelet: write the Node with its status, renew its Lease.
/// </summary>
public abstract class ClusterTestKit : ApiStoreTestKit
{
    protected ClusterTestKit()
        : base(admission: KubernetesAdmission.Default)
    {
        Events = Sys.ActorOf(Props.Create(() => new EventRecorder(Store)), "events");
    }

    protected IActorRef Events { get; }

    /// <summary>The emulated (virtual) time; hides Akka's TestKit <c>Now</c>, which is the system scheduler's real time.</summary>
    protected new DateTimeOffset Now => Clock.UtcNow;

    /// <summary>Creates a node and posts its status as a kubelet does (Ready True, capacity = allocatable).</summary>
    protected void AddNode(string name, string cpu = "4", string memory = "8Gi", string pods = "110", JsonObject? labels = null, JsonArray? taints = null, bool unschedulable = false, bool ready = true)
    {
        var spec = new JsonObject();
        if (taints is not null)
        {
            spec["taints"] = taints;
        }
        if (unschedulable)
        {
            spec["unschedulable"] = true;
        }
        var nodeLabels = labels ?? [];
        nodeLabels["kubernetes.io/hostname"] = name;
        Ok(new CreateObject(ResourceTypes.Nodes, Object("Node", null, name, spec, nodeLabels)));
        var node = Ok(new GetObject(ResourceTypes.Nodes, null, name)).ToJsonObject();
        var resources = new JsonObject { ["cpu"] = cpu, ["memory"] = memory, ["pods"] = pods };
        node["status"] = new JsonObject { ["capacity"] = resources.DeepClone(), ["allocatable"] = resources };
        SetConditions(node, ready ? "True" : "False");
        Ok(new UpdateObject(ResourceTypes.Nodes, node, UpdateScope.Status));
    }

    /// <summary>The kubelet posts its node status (Ready and the pressure conditions, heartbeat now).</summary>
    protected void PostNodeStatus(string name, string ready = "True")
    {
        var node = Ok(new GetObject(ResourceTypes.Nodes, null, name)).ToJsonObject();
        SetConditions(node, ready);
        Ok(new UpdateObject(ResourceTypes.Nodes, node, UpdateScope.Status));
    }

    /// <summary>The kubelet renews its lease (creating it the first time).</summary>
    protected void RenewLease(string node)
    {
        var renew = Rfc3339Time.FormatMicro(Now);
        var reply = Send(new GetObject(ResourceTypes.Leases, "kube-node-lease", node));
        if (!reply.IsSuccess)
        {
            Ok(new CreateObject(ResourceTypes.Leases, Object("Lease", "kube-node-lease", node,
                new JsonObject { ["holderIdentity"] = node, ["leaseDurationSeconds"] = 40, ["renewTime"] = renew })));
            return;
        }
        var lease = reply.Object!.ToJsonObject();
        lease["spec"]!["renewTime"] = renew;
        Ok(new UpdateObject(ResourceTypes.Leases, lease));
    }

    protected KubeObject Get(ResourceType type, string? ns, string name) => new(Ok(new GetObject(type, ns, name)).ToJsonObject());

    protected KubeObject GetPod(string name) => Get(ResourceTypes.Pods, "default", name);

    protected KubeObject GetNode(string name) => Get(ResourceTypes.Nodes, null, name);

    protected static string? NodeOf(KubeObject pod) => JsonTree.GetString(pod.Document, "spec", "nodeName");

    protected static string? Condition(KubeObject obj, string type, string field = "status") =>
        obj.Status is { } status && Kubernetes.Views.Conditions.Find(status, type) is { } c ? JsonTree.GetString(c, field) : null;

    /// <summary>The Event objects about <paramref name="name"/> with <paramref name="reason"/>.</summary>
    protected List<KubeObject> EventsFor(string name, string reason)
    {
        return Request<ListReply>(new ListObjects(ResourceTypes.Events, null)).Items.Select(i => new KubeObject(i.ToJsonObject()))
            .Where(e => JsonTree.GetString(e.Document, "involvedObject", "name") == name && JsonTree.GetString(e.Document, "reason") == reason)
            .ToList();
    }

    protected static JsonObject PodWith(string name, string? cpu = null, string? memory = null, Action<JsonObject>? edit = null)
    {
        var pod = Pod(name);
        var requests = new JsonObject();
        if (cpu is not null)
        {
            requests["cpu"] = cpu;
        }
        if (memory is not null)
        {
            requests["memory"] = memory;
        }
        if (requests.Count > 0)
        {
            pod["spec"]!["containers"]![0]!["resources"] = new JsonObject { ["requests"] = requests };
        }
        edit?.Invoke((JsonObject)pod["spec"]!);
        return pod;
    }

    protected static JsonObject Taint(string key, string effect, string? value = null)
    {
        var taint = new JsonObject { ["key"] = key, ["effect"] = effect };
        if (value is not null)
        {
            taint["value"] = value;
        }
        return taint;
    }

    private void SetConditions(JsonObject node, string ready)
    {
        var status = node["status"] as JsonObject ?? [];
        node["status"] = status;
        var beat = Rfc3339Time.Format(Now);
        var conditions = new JsonArray();
        foreach (var (type, value, reason) in new[]
        {
            ("MemoryPressure", "False", "KubeletHasSufficientMemory"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID"),
            ("Ready", ready, ready == "True" ? "KubeletReady" : "KubeletNotReady"),
        })
        {
            conditions.Add(new JsonObject
            {
                ["type"] = type,
                ["status"] = value,
                ["reason"] = reason,
                ["message"] = reason,
                ["lastHeartbeatTime"] = beat,
                ["lastTransitionTime"] = beat,
            });
        }
        status["conditions"] = conditions;
    }
}
