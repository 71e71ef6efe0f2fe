using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.CronJob;

/// <summary>
/// Kubernetes' CronJob controller (v2): at each unmet slot of a CronJob's schedule (in its time zone, within
/// <c>startingDeadlineSeconds</c>) it creates the Job <c>&lt;cronjob&gt;-&lt;scheduled minutes since the epoch&gt;</c>
/// under the concurrencyPolicy (Allow, Forbid: skip while one runs, Replace: delete the running ones first), keeps
/// <c>status.active</c>, <c>lastScheduleTime</c> and <c>lastSuccessfulTime</c>, and deletes finished Jobs beyond the
/// history limits, oldest first. It wakes at the next slot on the emulated clock. Level-triggered over CronJobs and
/// Jobs (Jobs indexed by their controlling CronJob's uid).
/// </summary>
public sealed partial class CronJobController : Controller
{
    /// <summary>The event source component.</summary>
    public const string Component = "cronjob-controller";

    /// <summary>The annotation with the slot a Job was created for (RFC 3339, in the CronJob's time zone).</summary>
    public const string ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";

    /// <summary>The annotation <c>kubectl create job --from=cronjob/…</c> puts on the Jobs it makes.</summary>
    public const string InstantiateAnnotation = "cronjob.kubernetes.io/instantiate";

    /// <summary>The batch/v1 CronJobs type.</summary>
    public static readonly ResourceType CronJobs = ResourceTypes.Of("batch", "cronjobs");

    private const string ByController = "controller";
    private const string ByUid = "uid";

    private static readonly ResourceType Jobs = ResourceTypes.Of("batch", "jobs");

    private readonly IActorRef _events;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public CronJobController(IActorRef store, IActorRef watchHub, IActorRef events, TimeSpan? resync = null)
        : base(store, watchHub, [CronJobs, Jobs], resync)
    {
        _events = events;
        Cache(Jobs).AddControllerIndex(ByController, "CronJob");
        Cache(CronJobs).AddIndex(ByUid, o => o.Uid is { } uid ? [uid] : []);
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == CronJobs.Key)
        {
            base.OnChange(type, before, after);
            return;
        }
        foreach (var job in new[] { before, after })
        {
            if (job?.Object.ControllerReference is { Kind: "CronJob" } owner)
            {
                foreach (var cronJob in Cache(CronJobs).ByIndex(ByUid, owner.Uid))
                {
                    Enqueue(KeyOf(CronJobs, cronJob));
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(CronJobs).Get(key.Namespace, key.Name) is not { } cached)
        {
            _created.Remove(key);
            return;
        }
        Sync(key, cached);
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        base.OnWriteReply(reply, tag);
        switch (tag.State)
        {
            case JobCreate create:
                JobCreated(tag.Key, create, reply);
                break;
            case JobDelete delete when reply.IsSuccess:
                Event(delete.CronJob, "Normal", "SuccessfulDelete", $"Deleted job {delete.Job}");
                break;
            case JobDelete delete:
                Event(delete.CronJob, "Warning", "FailedDelete", $"Deleted job: {reply.Error?.Message}");
                break;
        }
        EnqueueWhenWritten(tag.Key);
    }

    private void Event(KubeObject cronJob, string type, string reason, string message) =>
        _events.Tell(new Events.RecordEvent(Events.InvolvedObject.Of(cronJob), type, reason, message, Component), Self);
}
