using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Job;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.TtlAfterFinished;

/// <summary>
/// Kubernetes' TTL-after-finished controller: a finished Job (Complete or Failed) with
/// <c>spec.ttlSecondsAfterFinished</c> is deleted that long after it finished (its completionTime, or its Failed
/// condition's time), its pods with it: background propagation, the Job goes at once and the garbage collector
/// deletes its pods after it (the upstream controller uses foreground, where the Job waits for its pods). It wakes at
/// the expiry on the emulated clock; a Job whose TTL is changed or that is not finished is looked at again when it changes.
/// </summary>
public sealed class TtlAfterFinishedController : Controller
{
    /// <summary>The propagation the controller deletes Jobs with.</summary>
    public const string PropagationPolicy = "Background";

    private static readonly ResourceType Jobs = JobController.Jobs;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public TtlAfterFinishedController(IActorRef store, IActorRef watchHub, TimeSpan? resync = null)
        : base(store, watchHub, [Jobs], resync)
    {
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(Jobs).Get(key.Namespace, key.Name)?.Object is not { } job || job.DeletionTimestamp is not null)
        {
            return;
        }
        if (JobSpec.TtlSecondsAfterFinished(job) is not { } ttl || JobConditions.FinishedAt(job) is not { } finishedAt)
        {
            return;
        }
        var expireAt = finishedAt.AddSeconds(ttl);
        if (Now < expireAt)
        {
            EnqueueAfter(key, expireAt - Now);
            return;
        }
        // Only this incarnation of the Job: one recreated under the same name keeps its own TTL.
        DeleteObject(key, Jobs, job.Namespace, job.Name ?? "", job.Uid, propagationPolicy: PropagationPolicy);
    }
}
