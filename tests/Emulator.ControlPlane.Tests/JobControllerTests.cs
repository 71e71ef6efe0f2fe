using System.Text.Json.Nodes;
using Emulator.ControlPlane.Job;
using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Tests;

public sealed class JobControllerTests : BatchTestKit
{
    private static JsonObject Spec(KubeObject obj) => obj.Spec!;

    private void AssertNeverAbove(ChangeLog pods, int parallelism)
    {
        var changes = pods.Replay((all, _) =>
        {
            var active = all.Count(PodState.IsActive);
            Assert.True(active <= parallelism, $"{active} active pods > parallelism {parallelism}");
        });
        Assert.True(changes > 0);
    }

    [Fact]
    public void Runs_five_completions_three_at_a_time_and_completes()
    {
        StartJobController();
        var pods = Record(Pods);
        var job = CreateJob(Job("pi", completions: 5, parallelism: 3, backoffLimit: 5));
        AwaitAssert(() => Assert.Equal(3, ActiveJobPods("pi").Count));
        var first = JobPods("pi")[0];
        Assert.Matches("^pi-[bcdfghjklmnpqrstvwxz2456789]{5}$", first.Name);
        Assert.Contains(JobController.TrackingFinalizer, first.Finalizers);
        Assert.Equal(("Job", "pi", true, true), (first.ControllerReference!.Kind, first.ControllerReference.Name, first.ControllerReference.Controller == true, first.ControllerReference.BlockOwnerDeletion == true));
        Assert.Equal("pi", first.Labels["batch.kubernetes.io/job-name"]);
        Assert.Equal(job.Uid, first.ControllerReference.Uid);
        var status = JobStatus("pi");
        Assert.Equal(3, JsonTree.GetInt(status, "active"));
        Assert.Equal(0, JsonTree.GetInt(status, "ready"));
        Assert.Equal(0, JsonTree.GetInt(status, "terminating"));
        Assert.NotNull(JsonTree.GetString(status, "startTime"));
        Assert.Empty(JsonTree.GetObject(status, "uncountedTerminatedPods")!);

        RunAll("pi");
        AwaitAssert(() => Assert.Equal(3, Counter("pi", "ready")));
        var succeededPods = new HashSet<string>();
        while (succeededPods.Count < 5)
        {
            var pod = ActiveJobPods("pi").First(p => PodState.IsReady(p));
            Exit(pod, 0);
            succeededPods.Add(pod.Name!);
            Settle();
            RunAll("pi");
            Assert.True(ActiveJobPods("pi").Count <= Math.Min(3, 5 - succeededPods.Count));
        }
        AwaitAssert(() => Assert.Equal(("True", "CompletionsReached", "Reached expected number of succeeded pods"), Condition("pi", "Complete")));
        Assert.Equal(("True", "CompletionsReached", "Reached expected number of succeeded pods"), Condition("pi", "SuccessCriteriaMet"));
        status = JobStatus("pi");
        Assert.Equal((5L, 0L, 0L), (JsonTree.GetInt(status, "succeeded")!.Value, JsonTree.GetInt(status, "active") ?? 0, JsonTree.GetInt(status, "failed") ?? 0));
        Assert.Equal(JsonTree.GetString(ConditionOf(GetJob("pi"), "Complete"), "lastTransitionTime"), JsonTree.GetString(status, "completionTime"));
        Assert.Equal(5, JobPods("pi").Count);
        Assert.All(JobPods("pi"), p => Assert.DoesNotContain(JobController.TrackingFinalizer, p.Finalizers));
        Assert.Equal(JobPods("pi").Select(p => $"Created pod: {p.Name}").Order(), EventMessagesFor("pi", "SuccessfulCreate").Order());
        Assert.Equal(["Job completed"], EventMessagesFor("pi", "Completed"));
        AssertNeverAbove(pods, 3);
    }

    [Fact]
    public void Failed_pods_are_replaced_after_a_doubling_back_off_until_the_limit()
    {
        StartJobController();
        CreateJob(Job("flaky", completions: 5, parallelism: 3, backoffLimit: 5));
        AwaitAssert(() => Assert.Equal(3, ActiveJobPods("flaky").Count));
        var pods = Record(Pods);
        RunAll("flaky");

        // First failure: the replacement waits 10 s.
        Exit(ActiveJobPods("flaky")[0], 1);
        AwaitAssert(() => Assert.Equal(1, Counter("flaky", "failed")));
        Assert.Equal(2, ActiveJobPods("flaky").Count);
        Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(2, ActiveJobPods("flaky").Count);
        Advance(TimeSpan.FromSeconds(1.2));
        AwaitAssert(() => Assert.Equal(3, ActiveJobPods("flaky").Count));
        RunAll("flaky");

        // Second failure: 20 s.
        Exit(ActiveJobPods("flaky")[0], 1);
        Settle();
        Advance(TimeSpan.FromSeconds(19));
        Assert.Equal(2, ActiveJobPods("flaky").Count);
        Advance(TimeSpan.FromSeconds(1.2));
        AwaitAssert(() => Assert.Equal(3, ActiveJobPods("flaky").Count));
        RunAll("flaky");

        // A success resets the back-off: the next failure waits 10 s again.
        Exit(ActiveJobPods("flaky")[0], 0);
        Settle();
        AwaitAssert(() => Assert.Equal(3, ActiveJobPods("flaky").Count));
        RunAll("flaky");
        Exit(ActiveJobPods("flaky")[0], 1);
        Settle();
        Advance(TimeSpan.FromSeconds(10.2));
        AwaitAssert(() => Assert.Equal(3, ActiveJobPods("flaky").Count));
        RunAll("flaky");

        // Failures 4, 5 and 6 (at once): 6 > backoffLimit 5, the Job fails and its running pods are killed.
        foreach (var pod in ActiveJobPods("flaky"))
        {
            Exit(pod, 1);
        }
        Settle();
        AwaitAssert(() => Assert.Equal(("True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"), Condition("flaky", "Failed")));
        Assert.Equal(("True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"), Condition("flaky", "FailureTarget"));
        Assert.Equal((6L, 1L), (Counter("flaky", "failed"), Counter("flaky", "succeeded")));
        Assert.Null(JsonTree.GetString(JobStatus("flaky"), "completionTime"));
        Assert.Equal(["Job has reached the specified backoff limit"], EventMessagesFor("flaky", "BackoffLimitExceeded"));
        Assert.Equal(7, JobPods("flaky").Count);
        AssertNeverAbove(pods, 3);
    }

    [Fact]
    public void Replacement_back_off_doubles_to_its_cap()
    {
        StartJobController();
        CreateJob(Job("retry", backoffLimit: 20));
        var delays = new List<double>();
        for (var failure = 1; failure <= 8; failure++)
        {
            AwaitAssert(() => Assert.Single(ActiveJobPods("retry")));
            Run(ActiveJobPods("retry")[0]);
            Exit(ActiveJobPods("retry")[0], 1);
            var failedAt = Clock.UtcNow;
            Settle();
            Assert.Empty(ActiveJobPods("retry"));
            while (ActiveJobPods("retry").Count == 0)
            {
                Advance(TimeSpan.FromSeconds(5));
            }
            delays.Add(Math.Ceiling((Clock.UtcNow - failedAt).TotalSeconds / 5) * 5);
        }
        Assert.Equal([10, 20, 40, 80, 160, 320, 360, 360], delays);
    }

    [Fact]
    public void Indexed_job_runs_each_index_once_with_its_label_annotation_env_and_hostname()
    {
        StartJobController();
        var pods = Record(Pods);
        CreateJob(Job("idx", completions: 4, parallelism: 2, edit: s => s["completionMode"] = "Indexed"));
        AwaitAssert(() => Assert.Equal(2, ActiveJobPods("idx").Count));
        var active = ActiveJobPods("idx").OrderBy(p => p.Annotations[JobController.CompletionIndexKey]).ToList();
        for (var i = 0; i < 2; i++)
        {
            var pod = active[i];
            Assert.Matches($"^idx-{i}-[bcdfghjklmnpqrstvwxz2456789]{{5}}$", pod.Name);
            Assert.Equal(i.ToString(), pod.Annotations[JobController.CompletionIndexKey]);
            Assert.Equal(i.ToString(), pod.Labels[JobController.CompletionIndexKey]);
            Assert.Equal($"idx-{i}", JsonTree.GetString(pod.Document, "spec", "hostname"));
            var env = JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "containers")![0]!["env"] as JsonArray).Single();
            Assert.Equal("JOB_COMPLETION_INDEX", JsonTree.GetString(env, "name"));
            Assert.Equal("metadata.labels['batch.kubernetes.io/job-completion-index']", JsonTree.GetString(env, "valueFrom", "fieldRef", "fieldPath"));
        }
        RunAll("idx");
        // Index 0 succeeds: index 2 starts. Then index 1 fails: it is retried with the same index after the back-off.
        Exit(active[0], 0);
        Advance(TimeSpan.FromSeconds(1));
        Exit(active[1], 1);
        Settle();
        AwaitAssert(() => Assert.Equal("0", JsonTree.GetString(JobStatus("idx"), "completedIndexes")));
        Assert.Equal(["2"], ActiveJobPods("idx").Select(p => p.Annotations[JobController.CompletionIndexKey]));
        Advance(TimeSpan.FromSeconds(11));
        AwaitAssert(() => Assert.Equal(["1", "2"], ActiveJobPods("idx").Select(p => p.Annotations[JobController.CompletionIndexKey]).Order()));
        RunAll("idx");
        foreach (var pod in ActiveJobPods("idx"))
        {
            Exit(pod, 0);
        }
        Settle();
        AwaitAssert(() => Assert.Equal("0-2", JsonTree.GetString(JobStatus("idx"), "completedIndexes")));
        Assert.Equal(["3"], ActiveJobPods("idx").Select(p => p.Annotations[JobController.CompletionIndexKey]));
        Run(ActiveJobPods("idx")[0]);
        Exit(ActiveJobPods("idx")[0], 0);
        AwaitAssert(() => Assert.Equal("True", Condition("idx", "Complete").Status));
        var status = JobStatus("idx");
        Assert.Equal(("0-3", 4L, 1L), (JsonTree.GetString(status, "completedIndexes"), JsonTree.GetInt(status, "succeeded")!.Value, JsonTree.GetInt(status, "failed")!.Value));
        AssertNeverAbove(pods, 2);
    }

    [Fact]
    public void Completed_indexes_are_written_compressed_as_Kubernetes_does()
    {
        Assert.Equal("0,1,3-5,7", CompletedIndexes.Format([7, 0, 1, 3, 4, 5]));
        Assert.Equal([0, 1, 3, 4, 5, 7], CompletedIndexes.Parse("0,1,3-5,7,12", 10));
    }

    [Fact]
    public void Active_deadline_fails_the_job_and_kills_its_pods()
    {
        StartJobController();
        CreateJob(Job("slow", parallelism: 2, completions: 4, edit: s => s["activeDeadlineSeconds"] = 30));
        AwaitAssert(() => Assert.Equal(2, ActiveJobPods("slow").Count));
        RunAll("slow");
        Advance(TimeSpan.FromSeconds(29));
        Assert.Null(Condition("slow", "FailureTarget").Status);
        Advance(TimeSpan.FromSeconds(1.5));
        AwaitAssert(() => Assert.Equal(("True", "DeadlineExceeded", "Job was active longer than specified deadline"), Condition("slow", "FailureTarget")));
        AwaitAssert(() => Assert.Equal(2, JobPods("slow").Count(p => p.DeletionTimestamp is not null)));
        // Failed only once the killed pods are gone.
        Assert.Null(Condition("slow", "Failed").Status);
        Assert.Equal(2, Counter("slow", "terminating"));
        ConfirmTerminations();
        AwaitAssert(() => Assert.Equal(("True", "DeadlineExceeded", "Job was active longer than specified deadline"), Condition("slow", "Failed")));
        Assert.Equal((2L, 0L, 0L), (Counter("slow", "failed"), Counter("slow", "active"), Counter("slow", "terminating")));
        Assert.Equal(["Job was active longer than specified deadline"], EventMessagesFor("slow", "DeadlineExceeded"));
        Assert.Empty(JobPods("slow"));
    }

    [Fact]
    public void Suspend_deletes_the_active_pods_without_counting_them_and_resume_restarts_the_clock()
    {
        StartJobController();
        // A manual selector: a generated one holds an empty uid (the store assigns uids after admission), which makes
        // every later update of the Job invalid.
        CreateJob(Job("batch", completions: 3, parallelism: 3, edit: s =>
        {
            s["suspend"] = true;
            s["activeDeadlineSeconds"] = 100;
            s["manualSelector"] = true;
            s["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "batch" } };
            s["template"]!["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "batch" } };
        }));
        Settle();
        Assert.Empty(JobPods("batch"));
        AwaitAssert(() => Assert.Equal(("True", "JobSuspended", "Job suspended"), Condition("batch", "Suspended")));
        Assert.Null(JsonTree.GetString(JobStatus("batch"), "startTime"));
        Advance(TimeSpan.FromSeconds(500));
        Assert.Null(Condition("batch", "Failed").Status);

        Change("batch", s => s["suspend"] = false);
        AwaitAssert(() => Assert.Equal(3, ActiveJobPods("batch").Count));
        Assert.Equal(("False", "JobResumed", "Job resumed"), Condition("batch", "Suspended"));
        var started = Rfc3339Time.Parse(JsonTree.GetString(JobStatus("batch"), "startTime")!);
        Assert.Equal(Rfc3339Time.TruncateToSeconds(Clock.UtcNow), started);
        RunAll("batch");
        Advance(TimeSpan.FromSeconds(50));

        Change("batch", s => s["suspend"] = true);
        AwaitAssert(() => Assert.Empty(ActiveJobPods("batch")));
        AwaitAssert(() => Assert.Equal(("True", "JobSuspended", "Job suspended"), Condition("batch", "Suspended")));
        Assert.Equal(3, EventMessagesFor("batch", "SuccessfulDelete").Count);
        ConfirmTerminations();
        Settle();
        Assert.Equal((0L, 0L), (Counter("batch", "failed"), Counter("batch", "terminating")));
        Assert.Empty(JobPods("batch"));
        // Suspended, the deadline does not run: 50 s active before, 50 s after the resume.
        Advance(TimeSpan.FromSeconds(200));
        Change("batch", s => s["suspend"] = false);
        AwaitAssert(() => Assert.Equal(3, ActiveJobPods("batch").Count));
        Advance(TimeSpan.FromSeconds(99));
        Assert.Null(Condition("batch", "FailureTarget").Status);
        Advance(TimeSpan.FromSeconds(2));
        AwaitAssert(() => Assert.Equal("DeadlineExceeded", Condition("batch", "FailureTarget").Reason));
        Assert.Equal(2, EventCount("batch", "Suspended"));
        Assert.Equal(2, EventCount("batch", "Resumed"));
    }

    [Fact]
    public void Pod_failure_policy_fails_the_job_on_a_matching_exit_code()
    {
        StartJobController();
        CreateJob(Job("pfp", completions: 4, parallelism: 2, backoffLimit: 6, edit: s => s["podFailurePolicy"] = JsonNode.Parse("""
            {"rules":[
              {"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]},
              {"action":"FailJob","onExitCodes":{"containerName":"main","operator":"In","values":[42]}},
              {"action":"Count","onExitCodes":{"operator":"NotIn","values":[42]}}]}
            """)));
        AwaitAssert(() => Assert.Equal(2, ActiveJobPods("pfp").Count));
        RunAll("pfp");
        var pods = ActiveJobPods("pfp");
        Exit(pods[0], 3);
        AwaitAssert(() => Assert.Equal(1, Counter("pfp", "failed")));
        Exit(pods[1], 42);
        var message = $"Container main for pod default/{pods[1].Name} failed with exit code 42 matching FailJob rule at index 1";
        AwaitAssert(() => Assert.Equal(("True", "PodFailurePolicy", message), Condition("pfp", "Failed")));
        Assert.Equal(("True", "PodFailurePolicy", message), Condition("pfp", "FailureTarget"));
        Assert.Equal(2, Counter("pfp", "failed"));
        Assert.Equal([message], EventMessagesFor("pfp", "PodFailurePolicy"));
    }

    [Fact]
    public void Pod_failure_policy_ignores_disruptions()
    {
        StartJobController();
        CreateJob(Job("disrupted", backoffLimit: 0, edit: s => s["podFailurePolicy"] = JsonNode.Parse("""
            {"rules":[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]}]}
            """)));
        AwaitAssert(() => Assert.Single(ActiveJobPods("disrupted")));
        var first = ActiveJobPods("disrupted")[0];
        Run(first);
        Exit(first, 137, ("DisruptionTarget", "DeletionByTaintManager"));
        Settle();
        AwaitAssert(() => Assert.DoesNotContain(JobController.TrackingFinalizer, Get(Pods, first.Name!).Finalizers));
        Assert.Equal(0, Counter("disrupted", "failed"));
        Assert.Null(Condition("disrupted", "FailureTarget").Status);
        // Replaced after the back-off (the ignored failure still delays, as Kubernetes' back-off record counts it).
        Advance(TimeSpan.FromSeconds(11));
        AwaitAssert(() => Assert.Single(ActiveJobPods("disrupted")));
        Exit(ActiveJobPods("disrupted")[0], 1);
        AwaitAssert(() => Assert.Equal("BackoffLimitExceeded", Condition("disrupted", "Failed").Reason));
        Assert.Equal(1, Counter("disrupted", "failed"));
    }

    [Fact]
    public void OnFailure_restarts_in_place_count_towards_the_backoff_limit()
    {
        StartJobController();
        CreateJob(Job("crashy", backoffLimit: 3, restartPolicy: "OnFailure"));
        AwaitAssert(() => Assert.Single(ActiveJobPods("crashy")));
        var pod = ActiveJobPods("crashy")[0];
        Run(pod, restarts: 2);
        Settle();
        Assert.Null(Condition("crashy", "FailureTarget").Status);
        Assert.Single(JobPods("crashy"));
        Run(pod, restarts: 3);
        AwaitAssert(() => Assert.Equal("BackoffLimitExceeded", Condition("crashy", "FailureTarget").Reason));
        AwaitAssert(() => Assert.NotNull(Get(Pods, pod.Name!).DeletionTimestamp));
        ConfirmTerminations();
        AwaitAssert(() => Assert.Equal("BackoffLimitExceeded", Condition("crashy", "Failed").Reason));
        Assert.Equal(1, Counter("crashy", "failed"));
    }

    [Fact]
    public void Work_queue_job_stops_creating_after_the_first_success_and_completes_when_all_end()
    {
        StartJobController();
        CreateJob(Job("queue", parallelism: 3, edit: s => s.Remove("completions")));
        AwaitAssert(() => Assert.Equal(3, ActiveJobPods("queue").Count));
        Assert.Null(JsonTree.GetInt(GetJob("queue").Spec, "completions"));
        RunAll("queue");
        var pods = ActiveJobPods("queue");
        Exit(pods[0], 0);
        Settle();
        Assert.Equal(2, ActiveJobPods("queue").Count);
        Assert.Null(Condition("queue", "Complete").Status);
        Exit(pods[1], 0);
        Exit(pods[2], 1);
        AwaitAssert(() => Assert.Equal("True", Condition("queue", "Complete").Status));
        Assert.Equal((2L, 1L), (Counter("queue", "succeeded"), Counter("queue", "failed")));
        Assert.Equal(3, JobPods("queue").Count);
    }

    [Fact]
    public void A_pod_deleted_by_someone_else_counts_as_failed_and_is_replaced()
    {
        StartJobController();
        CreateJob(Job("victim", completions: 2, parallelism: 2));
        AwaitAssert(() => Assert.Equal(2, ActiveJobPods("victim").Count));
        RunAll("victim");
        var victim = ActiveJobPods("victim")[0];
        Ok(new DeleteObject(Pods, "default", victim.Name!, new DeleteOptions()));
        AwaitAssert(() => Assert.Equal(1, Counter("victim", "failed")));
        // The pod goes once the kubelet confirms its kill: the finalizer is already gone.
        Assert.DoesNotContain(JobController.TrackingFinalizer, Get(Pods, victim.Name!).Finalizers);
        ConfirmTerminations();
        Assert.DoesNotContain(JobPods("victim"), p => p.Name == victim.Name);
        Advance(TimeSpan.FromSeconds(11));
        AwaitAssert(() => Assert.Equal(2, ActiveJobPods("victim").Count));
        Assert.Equal(1, Counter("victim", "failed"));
    }

    [Fact]
    public void A_restarted_controller_counts_every_pod_exactly_once()
    {
        StartJobController();
        var jobs = Record(Jobs);
        CreateJob(Job("steady", completions: 12, parallelism: 3, backoffLimit: 100));
        AwaitAssert(() => Assert.Equal(3, ActiveJobPods("steady").Count));
        var succeeded = new HashSet<string>();
        var failed = new HashSet<string>();
        var round = 0;
        while (Condition("steady", "Complete").Status is null && round < 40)
        {
            round++;
            RunAll("steady");
            var pod = ActiveJobPods("steady").FirstOrDefault();
            if (pod is not null)
            {
                var fail = round % 3 == 0;
                // The pod ends and the controller is killed while it reacts (before, during or after its writes).
                Store.Tell(new UpdateObject(Pods, Ended(Get(Pods, pod.Name!), fail ? 1 : 0), UpdateScope.Status), Akka.Actor.ActorRefs.NoSender);
                (fail ? failed : succeeded).Add(pod.Name!);
                if (round % 2 == 1)
                {
                    KillController("job-controller");
                }
            }
            Settle();
            Advance(TimeSpan.FromSeconds(15));
        }
        AwaitAssert(() => Assert.Equal("True", Condition("steady", "Complete").Status));
        Assert.Equal((12L, (long)failed.Count), (Counter("steady", "succeeded"), Counter("steady", "failed")));
        Assert.Equal(12, succeeded.Count);
        // At every status the Job ever had, nothing was counted that had not happened.
        jobs.Replay((_, job) =>
        {
            var status = job.Status ?? [];
            var counted = (JsonTree.GetInt(status, "succeeded") ?? 0) + (JsonTree.GetArray(status, "uncountedTerminatedPods", "succeeded")?.Count ?? 0);
            Assert.True(counted <= 12, $"{counted} successes counted");
            var counts = (JsonTree.GetInt(status, "failed") ?? 0) + (JsonTree.GetArray(status, "uncountedTerminatedPods", "failed")?.Count ?? 0);
            Assert.True(counts <= failed.Count, $"{counts} failures counted");
        });
    }

    [Fact]
    public void A_controller_that_died_between_recording_and_counting_finishes_the_count()
    {
        // The state a controller leaves when it dies after storing uncountedTerminatedPods and removing one finalizer.
        CreateJob(Job("crash", completions: 3, parallelism: 3));
        var uid = GetJob("crash").Uid!;
        var pods = new List<KubeObject>();
        for (var i = 0; i < 3; i++)
        {
            var pod = JobController.PodFromTemplate(GetJob("crash"), JobSpec.Of(GetJob("crash")), null);
            pods.Add(new KubeObject(Ok(new CreateObject(Pods, pod)).ToJsonObject()));
        }
        foreach (var pod in pods)
        {
            Run(pod);
            Exit(pod, 0);
        }
        var job = GetJob("crash");
        var status = job.EnsureStatus();
        status["startTime"] = Rfc3339Time.Format(Clock.UtcNow);
        status["succeeded"] = 0;
        status["uncountedTerminatedPods"] = new JsonObject { ["succeeded"] = new JsonArray(pods[0].Uid, pods[1].Uid) };
        Ok(new UpdateObject(Jobs, job.Document, UpdateScope.Status));
        var released = Get(Pods, pods[0].Name!);
        released.SetFinalizers([]);
        Ok(new UpdateObject(Pods, released.Document));

        StartJobController();
        AwaitAssert(() => Assert.Equal("True", Condition("crash", "Complete").Status));
        Assert.Equal(3, Counter("crash", "succeeded"));
        Assert.Empty(EventMessagesFor("crash", "SuccessfulCreate"));
        Assert.All(JobPods("crash"), p => Assert.Empty(p.Finalizers));
        Assert.Equal(uid, JobPods("crash")[0].ControllerReference!.Uid);
    }

    [Fact]
    public void Pods_of_a_deleted_job_lose_their_finalizer_and_go()
    {
        StartJobController();
        StartGarbageCollector();
        CreateJob(Job("gone", completions: 2, parallelism: 2));
        AwaitAssert(() => Assert.Equal(2, ActiveJobPods("gone").Count));
        RunAll("gone");
        var names = ActiveJobPods("gone").Select(p => p.Name!).ToList();
        Ok(new DeleteObject(Jobs, "default", "gone", new DeleteOptions(PropagationPolicy: "Background")));
        Advance(TimeSpan.FromSeconds(11));
        AwaitAssert(() => Assert.All(names, n => Assert.NotNull(Get(Pods, n).DeletionTimestamp)));
        AwaitAssert(() => Assert.All(names, n => Assert.Empty(Get(Pods, n).Finalizers)));
        ConfirmTerminations();
        Assert.Empty(List(Pods));
    }

    private void Change(string job, Action<JsonObject> edit)
    {
        var current = GetJob(job);
        edit(current.EnsureSpec());
        Ok(new UpdateObject(Jobs, current.Document));
        Settle();
    }

    private JsonObject Ended(KubeObject pod, int exitCode)
    {
        var now = Clock.UtcNow;
        var status = pod.EnsureStatus();
        status["phase"] = exitCode == 0 ? "Succeeded" : "Failed";
        Conditions.Set(status, "Ready", "False", "PodCompleted", null, now);
        status["containerStatuses"] = new JsonArray(new JsonObject
        {
            ["name"] = "main",
            ["restartCount"] = 0,
            ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = exitCode, ["finishedAt"] = Rfc3339Time.Format(now) } },
        });
        return pod.Document;
    }
}
