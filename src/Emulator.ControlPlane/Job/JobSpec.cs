using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Job;

/// <summary>What the Job controller reads from a Job's spec (defaults applied by the API server are assumed, with the same fallbacks).</summary>
/// <param name="Parallelism">Most pods running at once.</param>
/// <param name="Completions">Successes needed (null: a work queue, done at the first success).</param>
/// <param name="BackoffLimit">Failures tolerated.</param>
/// <param name="ActiveDeadlineSeconds">How long the Job may be active.</param>
/// <param name="Suspend">Whether the Job is suspended.</param>
/// <param name="Indexed">completionMode Indexed.</param>
/// <param name="RestartPolicy">The pod template's restartPolicy (OnFailure or Never).</param>
/// <param name="PodFailurePolicy">spec.podFailurePolicy, or null.</param>
/// <param name="OnlyReplaceFailedPods">podReplacementPolicy Failed (or a podFailurePolicy): terminating pods are not replaced until they end.</param>
public sealed record JobSpec(
    int Parallelism,
    int? Completions,
    int BackoffLimit,
    long? ActiveDeadlineSeconds,
    bool Suspend,
    bool Indexed,
    string RestartPolicy,
    JsonObject? PodFailurePolicy,
    bool OnlyReplaceFailedPods)
{
    /// <summary>Reads the spec of <paramref name="job"/>.</summary>
    public static JobSpec Of(KubeObject job)
    {
        var spec = job.Spec ?? [];
        var policy = spec["podFailurePolicy"] as JsonObject;
        return new JobSpec(
            (int)(JsonTree.GetInt(spec, "parallelism") ?? 1),
            JsonTree.GetInt(spec, "completions") is { } completions ? (int)completions : null,
            (int)(JsonTree.GetInt(spec, "backoffLimit") ?? 6),
            JsonTree.GetInt(spec, "activeDeadlineSeconds"),
            JsonTree.GetBool(spec, "suspend") ?? false,
            JsonTree.GetString(spec, "completionMode") == "Indexed",
            JsonTree.GetString(spec, "template", "spec", "restartPolicy") ?? "Never",
            policy,
            policy is not null || JsonTree.GetString(spec, "podReplacementPolicy") == "Failed");
    }

    /// <summary><c>spec.ttlSecondsAfterFinished</c>, or null.</summary>
    public static long? TtlSecondsAfterFinished(KubeObject job) => JsonTree.GetInt(job.Spec, "ttlSecondsAfterFinished");
}
