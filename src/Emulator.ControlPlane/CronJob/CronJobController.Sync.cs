using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Job;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.CronJob;

public sealed partial class CronJobController
{
    /// <summary>One pass of Kubernetes' <c>sync</c>: history cleanup, then <c>syncCronJob</c>, then one status write.</summary>
    private void Sync(ObjectKey key, CachedObject cached)
    {
        var cronJob = cached.Object;
        var now = Now;
        var status = CronJobStatusModel.Parse(cronJob.Status);
        var jobs = Cache(Jobs).ByIndex(ByController, cronJob.Uid ?? "").Select(j => j.Object).ToList();
        var pending = TakeInCreatedJobs(key, status, jobs);

        var deleted = CleanupFinishedJobs(key, cronJob, jobs, status);
        jobs = jobs.Where(j => !deleted.Contains(j)).ToList();
        var requeue = SyncCronJob(key, cronJob, jobs, status, pending, now);

        var json = status.ToJson();
        if (!JsonTree.DeepEquals(json, cronJob.Status ?? []))
        {
            var updated = cronJob.DeepClone();
            updated.Document["status"] = json;
            UpdateStatus(key, CronJobs, updated.Document);
        }
        if (requeue is { } delay && delay != TimeSpan.MaxValue)
        {
            EnqueueAfter(key, delay);
        }
    }

    /// <summary>
    /// Jobs this controller created for a slot go into <c>status.active</c> and set <c>lastScheduleTime</c>, until the
    /// stored status shows them. Returns their names (they are expected, not "unexpected").
    /// </summary>
    private HashSet<string> TakeInCreatedJobs(ObjectKey key, CronJobStatusModel status, List<KubeObject> jobs)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!_created.TryGetValue(key, out var created))
        {
            return names;
        }
        created.RemoveAll(c => status.LastScheduleTime >= c.Scheduled);
        foreach (var (name, scheduled) in created)
        {
            names.Add(name);
            if (jobs.FirstOrDefault(j => j.Name == name) is { } job && !JobConditions.IsFinished(job) && !status.IsActive(job.Uid))
            {
                status.Active.Add(CronJobStatusModel.ReferenceTo(job));
            }
            if (status.LastScheduleTime is null || scheduled > status.LastScheduleTime)
            {
                status.LastScheduleTime = scheduled;
            }
        }
        if (created.Count == 0)
        {
            _created.Remove(key);
        }
        return names;
    }

    /// <summary>Kubernetes' <c>syncCronJob</c>; returns when to look again.</summary>
    private TimeSpan? SyncCronJob(ObjectKey key, KubeObject cronJob, List<KubeObject> jobs, CronJobStatusModel status, HashSet<string> pending, DateTimeOffset now)
    {
        var children = new HashSet<string>(StringComparer.Ordinal);
        var unexpectedActive = false;
        foreach (var job in jobs)
        {
            children.Add(job.Uid ?? "");
            var found = status.IsActive(job.Uid);
            var finished = JobConditions.FinishedCondition(job);
            if (!found && finished is null)
            {
                if (!pending.Contains(job.Name ?? ""))
                {
                    // Not created by this controller for a slot it recorded (a crash before the status write, or a Job
                    // made by hand): Kubernetes reports it and leaves it out of the active list.
                    Event(cronJob, "Warning", "UnexpectedJob", $"Saw a job that the controller did not create or forgot: {job.Name}");
                    unexpectedActive = job.DeletionTimestamp is null;
                }
            }
            else if (found && finished is not null)
            {
                status.RemoveActive(job.Uid);
                Event(cronJob, "Normal", "SawCompletedJob", $"Saw completed job: {job.Name}, condition: {JsonTree.GetString(finished, "type")}");
            }
            else if (JobConditions.IsSucceeded(job) && Rfc3339Time.TryParse(JsonTree.GetString(job.Status, "completionTime"), out var completed)
                && (status.LastSuccessfulTime is null || completed > status.LastSuccessfulTime))
            {
                status.LastSuccessfulTime = completed;
            }
        }
        foreach (var reference in status.Active.ToList())
        {
            var uid = JsonTree.GetString(reference, "uid");
            if (!children.Contains(uid ?? ""))
            {
                Event(cronJob, "Normal", "MissingJob", $"Active job went missing: {JsonTree.GetString(reference, "name")}");
                status.RemoveActive(uid);
            }
        }
        if (cronJob.DeletionTimestamp is not null)
        {
            return null;
        }
        if (ZoneOf(cronJob, out var zoneError) is not { } zone)
        {
            Event(cronJob, "Warning", "UnknownTimeZone", $"invalid timeZone: \"{JsonTree.GetString(cronJob.Spec, "timeZone")}\": {zoneError}");
            return null;
        }
        if (JsonTree.GetBool(cronJob.Spec, "suspend") == true)
        {
            return null;
        }
        var text = JsonTree.GetString(cronJob.Spec, "schedule") ?? "";
        CronSchedule schedule;
        try
        {
            schedule = CronSchedule.Parse(text, zone);
        }
        catch (FormatException e)
        {
            Event(cronJob, "Warning", "UnparseableSchedule", $"unparseable schedule: \"{text}\" : {e.Message}");
            return null;
        }
        var lookup = MostRecentScheduleTime(cronJob, status.LastScheduleTime, now, schedule, withDeadline: true);
        if (lookup.Error is { } invalid)
        {
            Event(cronJob, "Warning", "InvalidSchedule", $"invalid schedule: {text} : {invalid}");
            return null;
        }
        if (lookup.MostRecent is not { } scheduled || scheduled > now)
        {
            return NextScheduleDelay(cronJob, status.LastScheduleTime, now, schedule);
        }
        if (lookup.Missed > TooManyMissed)
        {
            Event(cronJob, "Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
        }
        if (JsonTree.GetInt(cronJob.Spec, "startingDeadlineSeconds") is { } deadline && scheduled.AddSeconds(deadline) < now)
        {
            Event(cronJob, "Warning", "MissSchedule", $"Missed scheduled time to start a job: {FormatRfc1123Z(scheduled)}");
            return NextScheduleDelay(cronJob, status.LastScheduleTime, now, schedule);
        }
        var name = JobName(cronJob.Name ?? "", scheduled);
        if (status.IsActiveByName(name) || pending.Contains(name) || status.LastScheduleTime == scheduled)
        {
            return NextScheduleDelay(cronJob, status.LastScheduleTime, now, schedule);
        }
        if (jobs.FirstOrDefault(j => j.Name == name) is { } existing)
        {
            // The slot's Job exists already (its creator died before the status write): it is this slot's run, as
            // Kubernetes finds when its create returns AlreadyExists.
            if (!JobConditions.IsFinished(existing) && !status.IsActive(existing.Uid))
            {
                status.Active.Add(CronJobStatusModel.ReferenceTo(existing));
            }
            status.LastScheduleTime = scheduled;
            return NextScheduleDelay(cronJob, scheduled, now, schedule);
        }
        var policy = JsonTree.GetString(cronJob.Spec, "concurrencyPolicy") ?? "Allow";
        // A Job running outside the active list (its creator died before the status write) still runs: Forbid waits
        // for it too, so a restart never lets two Jobs run at once.
        if (policy == "Forbid" && (status.Active.Count > 0 || unexpectedActive))
        {
            Event(cronJob, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
            return NextScheduleDelay(cronJob, status.LastScheduleTime, now, schedule);
        }
        if (policy == "Replace")
        {
            foreach (var reference in status.Active.ToList())
            {
                if (jobs.FirstOrDefault(j => j.Uid == JsonTree.GetString(reference, "uid")) is { } running)
                {
                    DeleteJob(key, cronJob, running);
                }
                status.RemoveActive(JsonTree.GetString(reference, "uid"));
            }
        }
        CreateJob(key, cronJob, scheduled, zone);
        // The Job joins status.active when its creation is confirmed (next pass); the next slot is due after this one.
        return NextScheduleDelay(cronJob, scheduled, now, schedule);
    }

    /// <summary>Go's <c>time.RFC1123Z</c> in UTC: <c>Mon, 02 Jan 2006 15:04:05 +0000</c>.</summary>
    private static string FormatRfc1123Z(DateTimeOffset time) =>
        time.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", System.Globalization.CultureInfo.InvariantCulture);
}
