using System.Diagnostics;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.CronJob;
using Emulator.ControlPlane.Job;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class CronJobControllerTests : BatchTestKit
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static JsonObject CronJob(string name, string schedule, string policy = "Allow", Action<JsonObject>? edit = null)
    {
        var spec = new JsonObject
        {
            ["schedule"] = schedule,
            ["concurrencyPolicy"] = policy,
            ["jobTemplate"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["template"] = JobTemplateSpec() },
            },
        };
        edit?.Invoke(spec);
        return Object("CronJob", "default", name, spec);
    }

    private KubeObject CreateCronJob(JsonObject cronJob) => new(Ok(new CreateObject(CronJobs, cronJob)).ToJsonObject());

    private static string SlotName(string cronJob, DateTimeOffset slot) => $"{cronJob}-{slot.ToUnixTimeSeconds() / 60}";

    private List<KubeObject> JobsOf(string cronJob)
    {
        var uid = Get(CronJobs, cronJob).Uid;
        return List(Jobs).Where(j => j.ControllerReference?.Uid == uid).OrderBy(j => j.Name, StringComparer.Ordinal).ToList();
    }

    private List<KubeObject> UnfinishedJobsOf(string cronJob) => JobsOf(cronJob).Where(j => !JobConditions.IsFinished(j)).ToList();

    private JsonObject CronStatus(string name) => Get(CronJobs, name).Status ?? [];

    /// <summary>Plays the Job controller: the Job starts and finishes now with <paramref name="type"/> (Complete or Failed).</summary>
    private void Finish(KubeObject job, string type = "Complete")
    {
        var current = Get(Jobs, job.Name!);
        var status = current.EnsureStatus();
        var now = Rfc3339Time.Format(Clock.UtcNow);
        status["startTime"] ??= Rfc3339Time.Format(current.CreationTimestamp!.Value);
        status["conditions"] = new JsonArray(new JsonObject { ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = now });
        if (type == "Complete")
        {
            status["completionTime"] = now;
        }
        Ok(new UpdateObject(Jobs, current.Document, UpdateScope.Status));
        Settle();
    }

    [Fact]
    public void Creates_a_job_at_each_slot_named_after_its_scheduled_minute()
    {
        StartCronJobController();
        var cron = CreateCronJob(CronJob("every5", "*/5 * * * *"));
        Advance(TimeSpan.FromSeconds(4 * 60 + 59));
        Assert.Empty(JobsOf("every5"));
        Advance(TimeSpan.FromSeconds(2));
        var slot = Start.AddMinutes(5);
        var job = Assert.Single(JobsOf("every5"));
        Assert.Equal(SlotName("every5", slot), job.Name);
        Assert.Equal("every5-29453765", job.Name);
        Assert.Equal("2026-01-01T00:05:00Z", job.Annotations[CronJobController.ScheduledTimestampAnnotation]);
        Assert.Equal("every5", job.Labels["app"]);
        Assert.Equal(("CronJob", "every5", cron.Uid, true, true), (job.ControllerReference!.Kind, job.ControllerReference.Name, job.ControllerReference.Uid, job.ControllerReference.Controller == true, job.ControllerReference.BlockOwnerDeletion == true));
        AwaitAssert(() => Assert.Equal("2026-01-01T00:05:00Z", JsonTree.GetString(CronStatus("every5"), "lastScheduleTime")));
        var active = Assert.Single(JsonTree.Objects(JsonTree.GetArray(CronStatus("every5"), "active")));
        Assert.Equal(("Job", "default", job.Name, job.Uid, "batch/v1"), (JsonTree.GetString(active, "kind"), JsonTree.GetString(active, "namespace"), JsonTree.GetString(active, "name"), JsonTree.GetString(active, "uid"), JsonTree.GetString(active, "apiVersion")));
        Assert.Equal([$"Created job {job.Name}"], EventMessagesFor("every5", "SuccessfulCreate"));

        Advance(TimeSpan.FromMinutes(2));
        Finish(job);
        AwaitAssert(() => Assert.Null(JsonTree.GetArray(CronStatus("every5"), "active")));
        Assert.Equal([$"Saw completed job: {job.Name}, condition: Complete"], EventMessagesFor("every5", "SawCompletedJob"));
        AwaitAssert(() => Assert.Equal("2026-01-01T00:07:01Z", JsonTree.GetString(CronStatus("every5"), "lastSuccessfulTime")));

        Advance(TimeSpan.FromMinutes(3));
        Assert.Equal([SlotName("every5", slot), SlotName("every5", slot.AddMinutes(5))], JobsOf("every5").Select(j => j.Name));
    }

    [Fact]
    public void A_week_of_five_minute_slots_runs_on_virtual_time_in_seconds()
    {
        // No event recorder: its one-minute expiry timer would fire 10,080 times in a week; the store's own work is measured.
        Sys.Stop(Recorder);
        StartCronJobController(Akka.Actor.ActorRefs.Nobody);
        CreateCronJob(CronJob("weekly", "*/5 * * * *", "Replace", s => s["jobTemplate"]!["spec"]!["suspend"] = true));
        var jobs = Record(Jobs);
        var watch = Stopwatch.StartNew();
        Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        watch.Stop();
        var created = new HashSet<string>();
        var maxRunning = 0;
        jobs.Replay((all, changed) =>
        {
            created.Add(changed.Name!);
            maxRunning = Math.Max(maxRunning, all.Count);
        });
        Assert.Equal(7 * 24 * 12, created.Count);
        Assert.Equal(1, maxRunning);
        var last = Start.AddDays(7);
        Assert.Equal([SlotName("weekly", last)], JobsOf("weekly").Select(j => j.Name));
        Assert.Equal(Rfc3339Time.Format(last), JsonTree.GetString(CronStatus("weekly"), "lastScheduleTime"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"a week took {watch.Elapsed}");
        Console.WriteLine($"A week of */5 slots on virtual time: {watch.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void Forbid_never_runs_two_jobs_and_starts_a_held_slot_when_the_running_one_ends()
    {
        StartCronJobController();
        CreateCronJob(CronJob("single", "*/5 * * * *", "Forbid"));
        var jobs = Record(Jobs);
        Advance(TimeSpan.FromMinutes(5.1));
        var first = Assert.Single(JobsOf("single"));
        Advance(TimeSpan.FromMinutes(5));
        Assert.Single(JobsOf("single"));
        Assert.Equal(["Not starting job because prior execution is running and concurrency policy is Forbid"], EventMessagesFor("single", "JobAlreadyActive"));
        Advance(TimeSpan.FromMinutes(2));
        // The running Job ends at 00:12: the held 00:10 slot starts late.
        Finish(first);
        AwaitAssert(() => Assert.Equal(2, JobsOf("single").Count));
        Assert.Equal(SlotName("single", Start.AddMinutes(10)), UnfinishedJobsOf("single").Single().Name);
        Assert.Equal("2026-01-01T00:10:00Z", JsonTree.GetString(CronStatus("single"), "lastScheduleTime"));
        for (var i = 0; i < 12; i++)
        {
            Advance(TimeSpan.FromMinutes(7));
            if (i % 3 == 0)
            {
                foreach (var job in UnfinishedJobsOf("single"))
                {
                    Finish(job, i % 2 == 0 ? "Complete" : "Failed");
                }
            }
        }
        var changes = jobs.Replay((all, _) =>
            Assert.True(all.Count(j => !JobConditions.IsFinished(j)) <= 1, "two unfinished jobs of a Forbid CronJob"));
        Assert.True(changes > 5);
        Assert.True(EventCount("single", "JobAlreadyActive") > 5);
    }

    [Fact]
    public void Replace_deletes_the_running_job_first_and_Allow_runs_them_side_by_side()
    {
        StartCronJobController();
        CreateCronJob(CronJob("replace", "*/5 * * * *", "Replace"));
        CreateCronJob(CronJob("allow", "*/5 * * * *", "Allow"));
        Advance(TimeSpan.FromMinutes(5.1));
        var first = Assert.Single(JobsOf("replace"));
        Advance(TimeSpan.FromMinutes(5));
        var second = Assert.Single(JobsOf("replace"));
        Assert.NotEqual(first.Name, second.Name);
        Assert.Equal([$"Deleted job {first.Name}"], EventMessagesFor("replace", "SuccessfulDelete"));
        AwaitAssert(() => Assert.Equal(second.Uid, JsonTree.GetString(JsonTree.GetArray(CronStatus("replace"), "active")!.Single() as JsonObject, "uid")));

        Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(3, UnfinishedJobsOf("allow").Count);
        Assert.Equal(3, JsonTree.GetArray(CronStatus("allow"), "active")!.Count);
    }

    [Fact]
    public void History_limits_keep_the_newest_finished_jobs()
    {
        StartCronJobController();
        CreateCronJob(CronJob("history", "*/5 * * * *", edit: s =>
        {
            s["successfulJobsHistoryLimit"] = 2;
            s["failedJobsHistoryLimit"] = 1;
        }));
        Advance(TimeSpan.FromSeconds(1));
        var outcomes = new[] { "Complete", "Failed", "Complete", "Complete", "Failed", "Complete" };
        var names = new List<string>();
        foreach (var outcome in outcomes)
        {
            Advance(TimeSpan.FromMinutes(5));
            var job = UnfinishedJobsOf("history").Single();
            names.Add(job.Name!);
            Finish(job, outcome);
        }
        Settle();
        // Kept: the two newest successful (slots 4 and 6) and the newest failed (slot 5).
        AwaitAssert(() => Assert.Equal(new[] { names[3], names[4], names[5] }.Order(StringComparer.Ordinal), JobsOf("history").Select(j => j.Name)));
        Assert.Equal(3, EventMessagesFor("history", "SuccessfulDelete").Count);
    }

    [Fact]
    public void Time_zones_and_the_day_of_month_or_day_of_week_rule()
    {
        StartCronJobController();
        CreateCronJob(CronJob("tokyo", "0 9 * * *", edit: s => s["timeZone"] = "Asia/Tokyo"));
        Advance(TimeSpan.FromHours(24.1));
        var job = Assert.Single(JobsOf("tokyo"));
        Assert.Equal(SlotName("tokyo", Start.AddDays(1)), job.Name);
        Assert.Equal("2026-01-02T09:00:00+09:00", job.Annotations[CronJobController.ScheduledTimestampAnnotation]);

        var either = CronSchedule.Parse("0 0 13 * 5", TimeZoneInfo.Utc);
        var times = new List<DateTimeOffset>();
        for (var t = either.Next(Start); times.Count < 5; t = either.Next(t!.Value))
        {
            times.Add(t!.Value);
        }
        // Fridays (2, 9, 16, 23 January 2026) and the 13th (a Tuesday).
        Assert.Equal([2, 9, 13, 16, 23], times.Select(t => t.Day));
        Assert.Equal(Start.AddHours(1), CronSchedule.Parse("@hourly", TimeZoneInfo.Utc).Next(Start));
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero), CronSchedule.Parse("0 0 * JAN-MAR MON", TimeZoneInfo.Utc).Next(Start));
        Assert.Equal(Start.AddMinutes(90), CronSchedule.Parse("@every 1h30m", TimeZoneInfo.Utc).Next(Start));
        // A day field with a step (*/2) is restricted: either matches, so the 3rd (odd) comes before Monday the 5th.
        Assert.Equal(new DateTimeOffset(2026, 1, 3, 0, 0, 0, TimeSpan.Zero), CronSchedule.Parse("0 0 */2 * 1", TimeZoneInfo.Utc).Next(Start));
        Assert.Throws<FormatException>(() => CronSchedule.Parse("0 0 * *", TimeZoneInfo.Utc));
    }

    [Fact]
    public void Suspended_slots_are_missed_and_more_than_a_hundred_warn_on_resume()
    {
        StartCronJobController();
        CreateCronJob(CronJob("paused", "*/5 * * * *", edit: s => s["suspend"] = true));
        Advance(TimeSpan.FromHours(10));
        Assert.Empty(JobsOf("paused"));
        var cron = Get(CronJobs, "paused");
        cron.EnsureSpec()["suspend"] = false;
        Ok(new UpdateObject(CronJobs, cron.Document));
        Settle();
        Assert.Equal(["too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"], EventMessagesFor("paused", "TooManyMissedTimes"));
        // Only the most recent slot runs.
        Assert.Equal([SlotName("paused", Start.AddHours(10))], JobsOf("paused").Select(j => j.Name));
    }

    [Fact]
    public void A_starting_deadline_skips_slots_missed_by_more_than_it()
    {
        CreateCronJob(CronJob("strict", "*/5 * * * *", edit: s => s["startingDeadlineSeconds"] = 60));
        CreateCronJob(CronJob("lenient", "*/5 * * * *"));
        Advance(TimeSpan.FromMinutes(7.5));
        StartCronJobController();
        Settle();
        Assert.Empty(JobsOf("strict"));
        Assert.Equal([SlotName("lenient", Start.AddMinutes(5))], JobsOf("lenient").Select(j => j.Name));
        Advance(TimeSpan.FromMinutes(2.6));
        Assert.Equal([SlotName("strict", Start.AddMinutes(10))], JobsOf("strict").Select(j => j.Name));
    }

    [Fact]
    public void A_job_created_before_a_crash_is_taken_in_not_created_twice()
    {
        var cron = CreateCronJob(CronJob("crashed", "*/5 * * * *", "Forbid"));
        Advance(TimeSpan.FromMinutes(5.5));
        // What a controller that died between creating the Job and writing the status leaves.
        var zone = TimeZoneInfo.Utc;
        Ok(new CreateObject(Jobs, CronJobController.JobFromTemplate(cron, Start.AddMinutes(5), zone)));
        StartCronJobController();
        Settle();
        var job = Assert.Single(JobsOf("crashed"));
        Assert.Equal(SlotName("crashed", Start.AddMinutes(5)), job.Name);
        AwaitAssert(() => Assert.Equal(job.Uid, JsonTree.GetString(JsonTree.GetArray(CronStatus("crashed"), "active")!.Single() as JsonObject, "uid")));
        Assert.Equal("2026-01-01T00:05:00Z", JsonTree.GetString(CronStatus("crashed"), "lastScheduleTime"));
        Assert.Equal([$"Saw a job that the controller did not create or forgot: {job.Name}"], EventMessagesFor("crashed", "UnexpectedJob"));
        Assert.Empty(EventMessagesFor("crashed", "SuccessfulCreate"));
    }

    [Fact]
    public void A_controller_killed_again_and_again_runs_every_slot_once()
    {
        StartCronJobController();
        CreateCronJob(CronJob("robust", "*/5 * * * *", "Forbid", s => s["successfulJobsHistoryLimit"] = 1));
        var jobs = Record(Jobs);
        // Steps end a second after each slot, never on one.
        Advance(TimeSpan.FromSeconds(1));
        for (var step = 1; step <= 36; step++)
        {
            Advance(TimeSpan.FromMinutes(5));
            foreach (var job in UnfinishedJobsOf("robust"))
            {
                Finish(job);
            }
            if (step % 4 == 0)
            {
                KillController("cronjob-controller");
            }
        }
        var created = new List<string>();
        jobs.Replay((all, changed) =>
        {
            if (!created.Contains(changed.Name!))
            {
                created.Add(changed.Name!);
            }
            Assert.True(all.Count(j => !JobConditions.IsFinished(j)) <= 1);
        });
        Assert.Equal(Enumerable.Range(1, 36).Select(i => SlotName("robust", Start.AddMinutes(5 * i))), created);
        Assert.Single(JobsOf("robust"));
    }

    [Fact]
    public void A_job_made_by_hand_from_the_cronjob_runs_and_is_reported_unexpected()
    {
        StartCronJobController();
        StartJobController();
        var cron = CreateCronJob(CronJob("manual", "0 0 1 1 *"));
        // What `kubectl create job run-now --from=cronjob/manual` posts.
        var job = CronJobController.JobFromTemplate(cron, Clock.UtcNow, TimeZoneInfo.Utc);
        job["metadata"]!["name"] = "run-now";
        job["metadata"]!["annotations"] = new JsonObject { [CronJobController.InstantiateAnnotation] = "manual" };
        Ok(new CreateObject(Jobs, job));
        AwaitAssert(() => Assert.Single(ActiveJobPods("run-now")));
        Assert.Equal(["Saw a job that the controller did not create or forgot: run-now"], EventMessagesFor("manual", "UnexpectedJob"));
        Assert.Null(JsonTree.GetArray(CronStatus("manual"), "active"));
    }
}
