using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.ReplicaSet;

public partial class ReplicaSetController
{
    private static readonly TimeSpan CreateRetry = TimeSpan.FromSeconds(5);

    // Slow start per ReplicaSet: the next batch size, how many pods this burst created so far, and, once a burst is
    // complete, until when the next one waits.
    private readonly Dictionary<ObjectKey, (int Batch, int Created, DateTimeOffset? PausedUntil)> _slowStart = [];

    // The last pod creation failure of a ReplicaSet (its ReplicaFailure condition) and when creating may resume.
    private readonly Dictionary<ObjectKey, (string Message, DateTimeOffset RetryAt)> _failures = [];

    private sealed record PodCreate(KubeObject ReplicaSet);

    private sealed record PodDelete(KubeObject ReplicaSet, string Pod);

    /// <summary>Creates or deletes pods so that the active ones match <c>spec.replicas</c>; returns when creating may resume after a failure.</summary>
    private DateTimeOffset? ManageReplicas(ObjectKey key, KubeObject rs, List<Informers.CachedObject> active)
    {
        var diff = active.Count - new WorkloadView(rs).Replicas;
        if (diff < 0)
        {
            if (_failures.TryGetValue(key, out var failure) && failure.RetryAt > Now)
            {
                return failure.RetryAt;
            }
            // Batches of 1, 2, 4… one per pass (the next pass runs once the batch's replies are in), at most 500 per
            // burst; a complete burst waits the burst pause (if any) before the next one, so a ReplicaSet asking for
            // millions of pods can grow at the controller manager's pace instead of the store's.
            var (batch, created, pausedUntil) = _slowStart.GetValueOrDefault(key, (1, 0, null));
            if (created >= BurstReplicas)
            {
                if (pausedUntil is { } until && until > Now)
                {
                    EnqueueAfter(key, until - Now);
                    return null;
                }
                (batch, created) = (1, 0);
            }
            var count = Math.Min(Math.Min(-diff, batch), BurstReplicas - created);
            for (var i = 0; i < count; i++)
            {
                CreateObject(key, Pods, PodFromTemplate(_kind, rs), new PodCreate(rs));
            }
            created += count;
            _slowStart[key] = (batch * 2, created, created >= BurstReplicas && _burstPause > TimeSpan.Zero ? Now + _burstPause : null);
            return null;
        }
        _slowStart.Remove(key);
        if (diff > 0)
        {
            // Only a scale-down reads the pods themselves (a count decides everything else).
            var pods = active.Select(p => p.Object).ToList();
            var victims = new ScaleDownRanking(pods, Now).Order(pods).Take(Math.Min(diff, BurstReplicas));
            foreach (var pod in victims)
            {
                DeleteObject(key, Pods, pod.Namespace, pod.Name ?? "", pod.Uid, state: new PodDelete(rs, pod.Name ?? ""));
            }
        }
        return null;
    }

    private void PodCreated(ObjectKey key, StoreReply reply)
    {
        if (Cache(_kind.Type).Get(key.Namespace, key.Name)?.Object is not { } rs)
        {
            return;
        }
        if (reply is { IsSuccess: true, Object: { } pod })
        {
            _failures.Remove(key);
            Event(rs, "Normal", "SuccessfulCreate", $"Created pod: {pod.Name}");
            return;
        }
        var message = reply.Error?.Message ?? "unknown error";
        // A failed batch ends the slow start: the next attempt starts again at one pod, after a pause.
        _slowStart.Remove(key);
        _failures[key] = (message, Now + CreateRetry);
        Event(rs, "Warning", "FailedCreate", $"Error creating: {message}");
    }

    private void Forget(ObjectKey key)
    {
        _slowStart.Remove(key);
        _failures.Remove(key);
    }
}
