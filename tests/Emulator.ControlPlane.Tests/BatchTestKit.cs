using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Pattern;
using Emulator.ControlPlane.CronJob;
using Emulator.ControlPlane.GarbageCollection;
using Emulator.ControlPlane.Job;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.ControlPlane.TtlAfterFinished;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// A store with admission, an event recorder and the batch controllers, each under a back-off supervisor as the
/// cluster host runs them (so a test can kill one and see it come back). The test plays the kubelets: it binds pods,
/// runs them, ends them with exit codes, and confirms the kills of terminating pods (final status, then removal).
/// </summary>
public abstract class BatchTestKit : WorkloadTestKit
{
    protected static readonly ResourceType Jobs = JobController.Jobs;
    protected static readonly ResourceType CronJobs = CronJobController.CronJobs;

    protected IActorRef StartJobController() => Supervised("job-controller", Props.Create(() => new JobController(Store, Hub, Recorder, null)));

    protected IActorRef StartCronJobController(IActorRef? events = null)
    {
        var recorder = events ?? Recorder;
        return Supervised("cronjob-controller", Props.Create(() => new CronJobController(Store, Hub, recorder, null)));
    }

    protected IActorRef StartTtlController() => Supervised("ttl-after-finished-controller", Props.Create(() => new TtlAfterFinishedController(Store, Hub, null)));

    protected void StartGarbageCollector() =>
        Sys.ActorOf(Props.Create(() => new GarbageCollector(Store, Hub, new[] { Pods, Jobs, CronJobs }, TimeSpan.FromSeconds(10))), "garbage-collector");

    /// <summary>Kills a supervised controller (an actor crash): its supervisor starts a new incarnation, which relists.</summary>
    protected void KillController(string name)
    {
        var child = Sys.ActorSelection($"/user/{name}-supervisor/{name}").ResolveOne(TimeSpan.FromSeconds(5)).Result;
        Watch(child);
        child.Tell(Kill.Instance);
        ExpectTerminated(child);
        // The back-off supervisor restarts it after 200 ms of real time.
        AwaitCondition(() => Sys.ActorSelection($"/user/{name}-supervisor/{name}").ResolveOne(TimeSpan.FromSeconds(1)).ContinueWith(t => t.IsCompletedSuccessfully && !t.Result.Equals(child)).Result, TimeSpan.FromSeconds(10));
        Settle();
    }

    private IActorRef Supervised(string name, Props props) =>
        Sys.ActorOf(BackoffSupervisor.Props(Backoff.OnStop(props, name, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 0, maxNrOfRetries: -1)), name + "-supervisor");

    protected static JsonObject JobTemplateSpec(string restartPolicy = "Never", string? command = null, string image = "busybox:1.36")
    {
        var container = new JsonObject { ["name"] = "main", ["image"] = image };
        if (command is not null)
        {
            container["command"] = new JsonArray("sh", "-c", command);
        }
        return new JsonObject
        {
            ["spec"] = new JsonObject { ["restartPolicy"] = restartPolicy, ["containers"] = new JsonArray(container) },
        };
    }

    protected static JsonObject Job(string name, int? completions = null, int? parallelism = null, int? backoffLimit = null, string restartPolicy = "Never", Action<JsonObject>? edit = null)
    {
        var spec = new JsonObject { ["template"] = JobTemplateSpec(restartPolicy) };
        if (completions is { } c)
        {
            spec["completions"] = c;
        }
        if (parallelism is { } p)
        {
            spec["parallelism"] = p;
        }
        if (backoffLimit is { } b)
        {
            spec["backoffLimit"] = b;
        }
        edit?.Invoke(spec);
        return Object("Job", "default", name, spec);
    }

    protected KubeObject CreateJob(JsonObject job) => new(Ok(new CreateObject(Jobs, job)).ToJsonObject());

    protected KubeObject GetJob(string name) => Get(Jobs, name);

    protected JsonObject JobStatus(string name) => GetJob(name).Status ?? [];

    protected long Counter(string job, string field) => JsonTree.GetInt(JobStatus(job), field) ?? 0;

    protected static JsonObject? ConditionOf(KubeObject obj, string type) => obj.Status is { } status ? Conditions.Find(status, type) : null;

    protected (string? Status, string? Reason, string? Message) Condition(string job, string type) =>
        ConditionOf(GetJob(job), type) is { } c ? (JsonTree.GetString(c, "status"), JsonTree.GetString(c, "reason"), JsonTree.GetString(c, "message")) : (null, null, null);

    protected List<KubeObject> JobPods(string job)
    {
        var uid = GetJob(job).Uid;
        return List(Pods).Where(p => p.ControllerReference?.Uid == uid).OrderBy(p => p.CreationTimestamp).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    protected List<KubeObject> ActiveJobPods(string job) => JobPods(job).Where(PodState.IsActive).ToList();

    /// <summary>The kubelet starts a pod: binds it, reports it Running and Ready.</summary>
    protected void Run(KubeObject pod, int restarts = 0)
    {
        if (string.IsNullOrEmpty(new PodView(Get(Pods, pod.Name!)).NodeName))
        {
            Bind(pod);
        }
        MarkReady(pod, restarts);
    }

    /// <summary>The kubelet starts every pending active pod of the Job.</summary>
    protected void RunAll(string job)
    {
        foreach (var pod in ActiveJobPods(job).Where(p => !PodState.IsReady(p)))
        {
            Run(pod);
        }
        Settle();
    }

    /// <summary>The pod's container exits with <paramref name="exitCode"/> (restartPolicy Never): phase Succeeded or Failed.</summary>
    protected void Exit(KubeObject pod, int exitCode, params (string Type, string Reason)[] conditions)
    {
        var current = Get(Pods, pod.Name!);
        var status = current.EnsureStatus();
        var now = Clock.UtcNow;
        status["phase"] = exitCode == 0 ? "Succeeded" : "Failed";
        Conditions.Set(status, "ContainersReady", "False", "PodCompleted", null, now);
        Conditions.Set(status, "Ready", "False", "PodCompleted", null, now);
        foreach (var (type, reason) in conditions)
        {
            Conditions.Set(status, type, "True", reason, null, now);
        }
        status["containerStatuses"] = new JsonArray(new JsonObject
        {
            ["name"] = "main",
            ["ready"] = false,
            ["restartCount"] = 0,
            ["state"] = new JsonObject
            {
                ["terminated"] = new JsonObject
                {
                    ["exitCode"] = exitCode,
                    ["reason"] = exitCode == 0 ? "Completed" : "Error",
                    ["finishedAt"] = Rfc3339Time.Format(now),
                },
            },
        });
        Ok(new UpdateObject(Pods, current.Document, UpdateScope.Status));
    }

    /// <summary>The kubelet confirms the kills of terminating pods: final status Failed (exit 143), then the removal (grace 0).</summary>
    protected int ConfirmTerminations()
    {
        var confirmed = 0;
        foreach (var pod in List(Pods).Where(p => p.DeletionTimestamp is not null && !(p.DeletionGracePeriodSeconds == 0 && new PodView(p).IsTerminal)))
        {
            if (!new PodView(pod).IsTerminal)
            {
                Exit(pod, 143);
            }
            Send(new DeleteObject(Pods, pod.Namespace, pod.Name!, new DeleteOptions(GracePeriodSeconds: 0)));
            confirmed++;
        }
        Settle();
        return confirmed;
    }

    /// <summary>Starts recording every change of <paramref name="type"/> in the default namespace.</summary>
    protected ChangeLog Record(ResourceType type)
    {
        var listed = Request<ListReply>(new ListObjects(type, "default"));
        var probe = CreateTestProbe();
        Hub.Tell(new StartWatch(type.Key, "default", listed.ResourceVersion, null, probe.Ref));
        Settle();
        return new ChangeLog(probe, listed.Items);
    }

    /// <summary>How many times an event was recorded (repeats are one Event with a count).</summary>
    protected long EventCount(string name, string reason) =>
        List(Events).Where(e => JsonTree.GetString(e.Document, "reason") == reason && JsonTree.GetString(e.Document, "involvedObject", "name") == name)
            .Sum(e => JsonTree.GetInt(e.Document, "count") ?? 1);

    protected List<string> EventMessagesFor(string name, string reason) =>
        List(Events).Where(e => JsonTree.GetString(e.Document, "reason") == reason && JsonTree.GetString(e.Document, "involvedObject", "name") == name)
            .Select(e => JsonTree.GetString(e.Document, "message") ?? "").ToList();
}

/// <summary>Every change of a type in the default namespace, from now on, replayed in store order to check invariants at each one.</summary>
public sealed class ChangeLog
{
    private readonly Akka.TestKit.TestProbe _probe;
    private readonly Dictionary<string, KubeObject> _seen;

    public ChangeLog(Akka.TestKit.TestProbe probe, IEnumerable<StoredObject> current)
    {
        _probe = probe;
        _seen = current.ToDictionary(i => i.Name, i => new KubeObject(i.ToJsonObject()));
    }

    /// <summary>Replays the changes received so far, calling <paramref name="check"/> with the objects after each; returns how many.</summary>
    public int Replay(Action<IReadOnlyCollection<KubeObject>, KubeObject> check)
    {
        var count = 0;
        while (_probe.ReceiveOne(TimeSpan.Zero) is WatchEvent change)
        {
            count++;
            var obj = new KubeObject(change.Object.ToJsonObject());
            if (change.Type == WatchEventType.Deleted)
            {
                _seen.Remove(change.Object.Name);
            }
            else
            {
                _seen[change.Object.Name] = obj;
            }
            check(_seen.Values, obj);
        }
        return count;
    }
}
