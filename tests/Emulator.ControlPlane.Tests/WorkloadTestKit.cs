using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// A store with Kubernetes admission (defaulting, validation), an event recorder and the ReplicaSet controller; the
/// test plays the kubelets: it binds pods, reports them Running and Ready, and removes terminating pods.
/// </summary>
public abstract class WorkloadTestKit : ApiStoreTestKit
{
    protected static readonly ResourceType ReplicaSets = ResourceTypes.ReplicaSets;
    protected static readonly ResourceType Events = ResourceTypes.Events;

    protected WorkloadTestKit()
        : base(admission: KubernetesAdmission.Default)
    {
        Recorder = Sys.ActorOf(Props.Create(() => new EventRecorder(Store)), "events");
    }

    protected IActorRef Recorder { get; }

    protected IActorRef StartReplicaSetController(string name = "replicaset-controller", IActorRef? events = null, TimeSpan burstPause = default)
    {
        var recorder = events ?? Recorder;
        return Sys.ActorOf(Props.Create(() => new ReplicaSetController(Store, Hub, recorder, null, burstPause)), name);
    }

    protected List<KubeObject> List(ResourceType type, string ns = "default")
    {
        return Request<ListReply>(new ListObjects(type, ns)).Items.Select(i => new KubeObject(i.ToJsonObject())).ToList();
    }

    protected KubeObject Get(ResourceType type, string name, string ns = "default") => new(Ok(new GetObject(type, ns, name)).ToJsonObject());

    protected List<KubeObject> PodsOf(KubeObject owner) =>
        List(Pods).Where(p => p.ControllerReference?.Uid == owner.Uid).ToList();

    protected List<string> EventMessages(string reason) =>
        List(Events).Where(e => JsonTree.GetString(e.Document, "reason") == reason).Select(e => JsonTree.GetString(e.Document, "message") ?? "").ToList();

    protected static JsonObject Labels(params (string Key, string Value)[] labels) =>
        new(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));

    protected static JsonObject Template(JsonObject labels, string image = "nginx:1.25") => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = image }) },
    };

    protected static JsonObject ReplicaSet(string name, int replicas, JsonObject labels, int minReadySeconds = 0) =>
        Object("ReplicaSet", "default", name, new JsonObject
        {
            ["replicas"] = replicas,
            ["minReadySeconds"] = minReadySeconds,
            ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
            ["template"] = Template(labels),
        });

    /// <summary>Binds an unscheduled pod to a node.</summary>
    protected void Bind(KubeObject pod, string node = "node-1") => Ok(new BindPod(pod.Namespace ?? "default", pod.Name!, node));

    /// <summary>Reports a pod Running and Ready (as its kubelet would).</summary>
    protected void MarkReady(KubeObject pod, int restarts = 0)
    {
        var current = Get(Pods, pod.Name!);
        var status = current.EnsureStatus();
        status["phase"] = "Running";
        var now = Clock.UtcNow;
        Conditions.Set(status, "ContainersReady", "True", null, null, now);
        Conditions.Set(status, "Ready", "True", null, null, now);
        status["containerStatuses"] = new JsonArray(new JsonObject
        {
            ["name"] = "app",
            ["ready"] = true,
            ["restartCount"] = restarts,
            ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Rfc3339Time.Format(now) } },
        });
        Ok(new UpdateObject(Pods, current.Document, UpdateScope.Status));
    }

    /// <summary>Removes a terminating pod (its kubelet confirms the kill).</summary>
    protected void Finish(KubeObject pod) =>
        Ok(new DeleteObject(Pods, pod.Namespace, pod.Name!, new DeleteOptions(GracePeriodSeconds: 0)));

    /// <summary>
    /// One kubelet step: removes terminating pods, binds unscheduled ones, and makes at most <paramref name="readyBudget"/>
    /// pods Ready (oldest first). Returns how many pods it changed.
    /// </summary>
    protected int KubeletStep(int readyBudget = int.MaxValue, string node = "node-1")
    {
        var changed = 0;
        foreach (var pod in List(Pods).OrderBy(p => p.CreationTimestamp).ThenBy(p => p.Name, StringComparer.Ordinal))
        {
            if (pod.DeletionTimestamp is not null)
            {
                Finish(pod);
                changed++;
                continue;
            }
            if (new PodView(pod).IsTerminal)
            {
                continue;
            }
            if (string.IsNullOrEmpty(new PodView(pod).NodeName))
            {
                Bind(pod, node);
                changed++;
            }
            if (!PodState.IsReady(pod) && readyBudget > 0)
            {
                MarkReady(pod);
                readyBudget--;
                changed++;
            }
        }
        RunUntilIdleIfDeterministic();
        return changed;
    }
}
