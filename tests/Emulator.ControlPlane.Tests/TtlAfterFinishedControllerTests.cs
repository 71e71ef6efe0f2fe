using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class TtlAfterFinishedControllerTests : BatchTestKit
{
    private bool Exists(ResourceType type, string name) => Send(new GetObject(type, "default", name)).IsSuccess;

    private void CompleteJob(string name)
    {
        AwaitAssert(() => Assert.Single(ActiveJobPods(name)));
        Run(ActiveJobPods(name)[0]);
        Exit(ActiveJobPods(name)[0], 0);
        AwaitAssert(() => Assert.Equal("True", Condition(name, "Complete").Status));
    }

    [Fact]
    public void Deletes_a_finished_job_with_its_pods_ttl_seconds_after_it_finished()
    {
        StartJobController();
        StartTtlController();
        StartGarbageCollector();
        CreateJob(Job("short", edit: s => s["ttlSecondsAfterFinished"] = 100));
        CreateJob(Job("kept"));
        Advance(TimeSpan.FromSeconds(30));
        CompleteJob("short");
        CompleteJob("kept");
        var pod = JobPods("short").Single().Name!;
        Advance(TimeSpan.FromSeconds(99));
        Assert.True(Exists(Jobs, "short"));
        Advance(TimeSpan.FromSeconds(2));
        // Background: the Job goes at once; the garbage collector deletes its pods, the kubelet confirms.
        AwaitAssert(() => Assert.False(Exists(Jobs, "short")));
        Advance(TimeSpan.FromSeconds(11));
        AwaitAssert(() => Assert.NotNull(Get(Pods, pod).DeletionTimestamp));
        ConfirmTerminations();
        Assert.False(Exists(Pods, pod));
        Assert.True(Exists(Jobs, "kept"));
        Assert.Single(JobPods("kept"));
    }

    [Fact]
    public void A_failed_job_expires_from_its_failure_and_zero_means_at_once()
    {
        StartJobController();
        StartTtlController();
        StartGarbageCollector();
        CreateJob(Job("broken", backoffLimit: 0, edit: s => s["ttlSecondsAfterFinished"] = 0));
        AwaitAssert(() => Assert.Single(ActiveJobPods("broken")));
        Run(ActiveJobPods("broken")[0]);
        Exit(ActiveJobPods("broken")[0], 1);
        Advance(TimeSpan.FromSeconds(11));
        ConfirmTerminations();
        Advance(TimeSpan.FromSeconds(11));
        AwaitAssert(() => Assert.False(Exists(Jobs, "broken")));
        // The garbage collector deletes the pods after the Job is gone, asynchronously; the kubelet confirms each.
        AwaitAssert(() =>
        {
            ConfirmTerminations();
            Assert.Empty(List(Pods));
        });
    }

    [Fact]
    public void A_restarted_controller_still_deletes_at_the_expiry()
    {
        StartJobController();
        StartTtlController();
        StartGarbageCollector();
        CreateJob(Job("later", edit: s => s["ttlSecondsAfterFinished"] = 3600));
        CompleteJob("later");
        Advance(TimeSpan.FromMinutes(30));
        KillController("ttl-after-finished-controller");
        Advance(TimeSpan.FromMinutes(29));
        Assert.True(Exists(Jobs, "later"));
        Advance(TimeSpan.FromMinutes(1.1));
        Advance(TimeSpan.FromSeconds(11));
        ConfirmTerminations();
        Advance(TimeSpan.FromSeconds(11));
        AwaitAssert(() => Assert.False(Exists(Jobs, "later")));
    }

    [Fact]
    public void Unfinished_jobs_and_jobs_without_ttl_stay()
    {
        StartJobController();
        StartTtlController();
        CreateJob(Job("running", edit: s => s["ttlSecondsAfterFinished"] = 10));
        CreateJob(Job("forever"));
        CompleteJob("forever");
        Advance(TimeSpan.FromHours(2));
        Assert.True(Exists(Jobs, "running"));
        Assert.True(Exists(Jobs, "forever"));
        Assert.Equal(System.Text.Json.JsonValueKind.Number, JsonValueKindOf(GetJob("running").Spec!, "ttlSecondsAfterFinished"));
    }

    private static System.Text.Json.JsonValueKind JsonValueKindOf(JsonObject obj, string field) => obj[field]!.GetValueKind();
}
