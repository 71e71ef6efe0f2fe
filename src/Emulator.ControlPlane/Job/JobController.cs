using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Job;

/// <summary>
/// Kubernetes' Job controller: runs a Job's pods until enough succeed (<c>completions</c>, at most
/// <c>parallelism</c> at once, NonIndexed or Indexed), replaces failed pods after a back-off, fails the Job past its
/// <c>backoffLimit</c>, <c>activeDeadlineSeconds</c> or a <c>podFailurePolicy</c> FailJob rule, deletes the pods of a
/// suspended Job, and reports counters and the FailureTarget/SuccessCriteriaMet → Failed/Complete conditions.
/// Pods are tracked with the <c>batch.kubernetes.io/job-tracking</c> finalizer: a finished pod's uid is first written
/// to <c>status.uncountedTerminatedPods</c>, then its finalizer is removed, then it moves to the counters — so a
/// controller killed at any point counts every pod exactly once. Level-triggered over Jobs and Pods.
/// </summary>
public sealed partial class JobController : Controller
{
    /// <summary>The event source component.</summary>
    public const string Component = "job-controller";

    /// <summary>The finalizer that keeps a Job's finished pod until the Job has counted it.</summary>
    public const string TrackingFinalizer = "batch.kubernetes.io/job-tracking";

    /// <summary>The annotation and label with an Indexed Job pod's completion index.</summary>
    public const string CompletionIndexKey = "batch.kubernetes.io/job-completion-index";

    /// <summary>The environment variable with the completion index.</summary>
    public const string CompletionIndexEnv = "JOB_COMPLETION_INDEX";

    /// <summary>Most pods created or deleted per sync (Kubernetes' <c>MaxPodCreateDeletePerSync</c>).</summary>
    public const int MaxPodCreateDeletePerSync = 500;

    /// <summary>The first delay before a failed pod is replaced.</summary>
    public static readonly TimeSpan DefaultPodFailureBackoff = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The cap of the replacement delay: six minutes, as the Kubernetes documentation states (the 1.33 controller's
    /// <c>MaxJobPodFailureBackOff</c> constant is 10 minutes).
    /// </summary>
    public static readonly TimeSpan MaxPodFailureBackoff = TimeSpan.FromMinutes(6);

    /// <summary>The batch/v1 Jobs type.</summary>
    public static readonly ResourceType Jobs = ResourceTypes.Of("batch", "jobs");

    internal const string ByController = "controller";
    private const string ByUid = "uid";
    private const string OrphansByNamespace = "orphans";

    private static readonly ResourceType Pods = ResourceTypes.Pods;

    private readonly IActorRef _events;
    private readonly Dictionary<ObjectKey, PodFailureBackoff> _backoff = [];

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public JobController(IActorRef store, IActorRef watchHub, IActorRef events, TimeSpan? resync = null)
        : base(store, watchHub, [Jobs, Pods], resync)
    {
        _events = events;
        Cache(Pods).AddControllerIndex(ByController, "Job");
        Cache(Pods).AddOrphanIndex(OrphansByNamespace);
        Cache(Jobs).AddIndex(ByUid, o => o.Uid is { } uid ? [uid] : []);
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == Jobs.Key)
        {
            base.OnChange(type, before, after);
            if (after is null && before?.Object.Uid is { } gone)
            {
                // The Job is gone: nobody will count its pods any more, their finalizers must go.
                foreach (var pod in Cache(Pods).ByIndex(ByController, gone))
                {
                    Enqueue(KeyOf(Pods, pod));
                }
            }
            return;
        }
        foreach (var pod in new[] { before, after })
        {
            if (pod is null)
            {
                continue;
            }
            if (pod.Stored.ControllerReference is { Kind: "Job" } owner && OwnerOf(owner.Uid) is { } job)
            {
                Enqueue(KeyOf(Jobs, job));
            }
            else if (pod.Stored.ControllerReference is null && !pod.Stored.IsDeleting)
            {
                foreach (var job2 in Cache(Jobs).InNamespace(pod.Namespace ?? ""))
                {
                    if (Selects(job2.Object, pod.Object))
                    {
                        Enqueue(KeyOf(Jobs, job2));
                    }
                }
            }
            if (pod == after && pod.Stored.Finalizers.Contains(TrackingFinalizer))
            {
                Enqueue(KeyOf(Pods, pod));
            }
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (key.Resource == Pods.Key)
        {
            ReleaseOrphanPod(key);
            return;
        }
        if (Cache(Jobs).Get(key.Namespace, key.Name) is not { } cached)
        {
            _backoff.Remove(key);
            return;
        }
        SyncJob(key, cached);
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        base.OnWriteReply(reply, tag);
        switch (tag.State)
        {
            case PodCreate create:
                PodCreated(create, reply);
                break;
            case FinalizerRemoval { DeleteAfter: true, Job: { } owner } removal when reply.IsSuccess:
                // Only a pod whose finalizer is gone is deleted: deleted with it, it would count as a failure.
                DeleteObject(tag.Key, Pods, removal.Pod.Namespace, removal.Pod.Name ?? "", removal.Pod.Uid, state: new PodDelete(owner, removal.Pod.Name ?? ""));
                break;
            case PodDelete delete when reply.IsSuccess:
                Event(delete.Job, "Normal", "SuccessfulDelete", $"Deleted pod: {delete.Pod}");
                break;
            case StatusWrite write when reply.IsSuccess:
                foreach (var (type, reason, message) in write.Events)
                {
                    Event(write.Job, type, reason, message);
                }
                break;
        }
        EnqueueWhenWritten(tag.Key);
    }

    private CachedObject? OwnerOf(string uid) => Cache(Jobs).ByIndex(ByUid, uid).FirstOrDefault();

    private static bool Selects(KubeObject job, KubeObject pod) => new WorkloadView(job).Selects(pod);

    private void Event(KubeObject job, string type, string reason, string message) =>
        _events.Tell(new Events.RecordEvent(Events.InvolvedObject.Of(job), type, reason, message, Component), Self);

    private void LogInvalidSelector(ObjectKey key, string message) => Log.Warning("Job {0} has an invalid selector: {1}", key, message);
}
