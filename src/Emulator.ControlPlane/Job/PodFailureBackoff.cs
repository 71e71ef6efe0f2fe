using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Job;

/// <summary>
/// Kubernetes' Job <c>backoffRecord</c>: failures since the last success and when the last one happened. A new pod
/// waits <see cref="JobController.DefaultPodFailureBackoff"/> × 2^(failures − 1), capped at
/// <see cref="JobController.MaxPodFailureBackoff"/>, after the last failure. Each pod is taken in once (by uid), so a
/// pass that sees the same finished pod again does not count it twice.
/// </summary>
internal sealed class PodFailureBackoff
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public int FailuresAfterLastSuccess { get; private set; }

    public DateTimeOffset? LastFailureTime { get; private set; }

    /// <summary>Takes in newly finished pods (Kubernetes' <c>newBackoffRecord</c>).</summary>
    public void Record(IEnumerable<KubeObject> newSucceeded, IEnumerable<KubeObject> newFailed)
    {
        var succeeded = newSucceeded.Where(p => _seen.Add(p.Uid ?? "")).Select(JobPodFacts.FinishedTime).Order().ToList();
        var failed = newFailed.Where(p => _seen.Add(p.Uid ?? "")).Select(JobPodFacts.FinishedTime).Order().ToList();
        if (succeeded.Count == 0)
        {
            if (failed.Count == 0)
            {
                return;
            }
            FailuresAfterLastSuccess += failed.Count;
            LastFailureTime = failed[^1];
            return;
        }
        // A success resets the count; only failures after the last success count.
        FailuresAfterLastSuccess = 0;
        LastFailureTime = null;
        var lastSuccess = succeeded[^1];
        for (var i = failed.Count - 1; i >= 0 && failed[i] > lastSuccess; i--)
        {
            LastFailureTime ??= failed[i];
            FailuresAfterLastSuccess++;
        }
    }

    /// <summary>How long new pods must still wait (zero when they may be created now).</summary>
    public TimeSpan RemainingTime(DateTimeOffset now)
    {
        if (FailuresAfterLastSuccess == 0 || LastFailureTime is not { } last)
        {
            return TimeSpan.Zero;
        }
        var backoff = JobController.DefaultPodFailureBackoff;
        for (var i = 1; i < FailuresAfterLastSuccess; i++)
        {
            backoff *= 2;
            if (backoff >= JobController.MaxPodFailureBackoff)
            {
                backoff = JobController.MaxPodFailureBackoff;
                break;
            }
        }
        var elapsed = now - last;
        return backoff < elapsed ? TimeSpan.Zero : backoff - elapsed;
    }
}
