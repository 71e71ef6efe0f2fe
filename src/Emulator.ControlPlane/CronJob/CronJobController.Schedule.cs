using Emulator.Kubernetes;

namespace Emulator.ControlPlane.CronJob;

public sealed partial class CronJobController
{
    /// <summary>Kubernetes' <c>nextScheduleDelta</c>: the controller wakes this long after a slot.</summary>
    public static readonly TimeSpan NextScheduleDelta = TimeSpan.FromMilliseconds(100);

    /// <summary>More missed slots than this raise the <c>TooManyMissedTimes</c> warning.</summary>
    public const int TooManyMissed = 100;

    // Walking the slots one by one is exact; beyond this many, the walk starts near the end (a controller whose clock
    // was off by years must not spin through every slot).
    private const int MaxSlotWalk = 10_000;

    /// <summary>The result of <see cref="MostRecentScheduleTime"/>.</summary>
    private sealed record ScheduleLookup(DateTimeOffset Earliest, DateTimeOffset? MostRecent, long Missed, string? Error);

    /// <summary>
    /// Kubernetes' <c>mostRecentScheduleTime</c>: the latest slot not after <paramref name="now"/>, after the last
    /// scheduled time (or the creation), and, when <paramref name="withDeadline"/>, not before now −
    /// startingDeadlineSeconds; with the number of slots missed (estimated from the first two, as Kubernetes does).
    /// </summary>
    private static ScheduleLookup MostRecentScheduleTime(KubeObject cronJob, DateTimeOffset? lastScheduleTime, DateTimeOffset now, CronSchedule schedule, bool withDeadline)
    {
        var earliest = lastScheduleTime ?? cronJob.CreationTimestamp ?? now;
        if (withDeadline && JsonTree.GetInt(cronJob.Spec, "startingDeadlineSeconds") is { } deadlineSeconds)
        {
            var deadline = now.AddSeconds(-deadlineSeconds);
            if (deadline > earliest)
            {
                earliest = deadline;
            }
        }
        if (schedule.Next(earliest) is not { } t1 || now < t1)
        {
            return new ScheduleLookup(earliest, null, 0, null);
        }
        if (schedule.Next(t1) is not { } t2 || now < t2)
        {
            return new ScheduleLookup(earliest, t1, 1, null);
        }
        var between = (long)Math.Round((t2 - t1).TotalSeconds);
        if (between < 1)
        {
            return new ScheduleLookup(earliest, null, 0, "time difference between two schedules is less than 1 second");
        }
        var missed = ((long)(now - t1).TotalSeconds / between) + 1;
        var mostRecent = t2;
        if (missed > MaxSlotWalk)
        {
            var estimate = t1.AddSeconds((missed - 2) * between);
            mostRecent = estimate <= now ? estimate : t2;
        }
        for (var t = schedule.Next(mostRecent); t is { } slot && slot <= now; t = schedule.Next(slot))
        {
            mostRecent = slot;
        }
        return new ScheduleLookup(earliest, mostRecent, missed, null);
    }

    /// <summary>Kubernetes' <c>nextScheduleTimeDuration</c>: how long until the slot after the most recent one (+100 ms).</summary>
    private static TimeSpan NextScheduleDelay(KubeObject cronJob, DateTimeOffset? lastScheduleTime, DateTimeOffset now, CronSchedule schedule)
    {
        var lookup = MostRecentScheduleTime(cronJob, lastScheduleTime, now, schedule, withDeadline: false);
        var from = lookup.Error is not null ? now : lookup.MostRecent ?? lookup.Earliest;
        return schedule.Next(from) is { } next ? next + NextScheduleDelta - now : TimeSpan.MaxValue;
    }

    /// <summary>The schedule's time zone: <c>spec.timeZone</c>, else the controller's (UTC, as kube-controller-manager runs).</summary>
    private static TimeZoneInfo? ZoneOf(KubeObject cronJob, out string? error)
    {
        error = null;
        if (JsonTree.GetString(cronJob.Spec, "timeZone") is not { Length: > 0 } id)
        {
            return TimeZoneInfo.Utc;
        }
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            error = $"unknown time zone {id}";
            return null;
        }
    }

    /// <summary>Go's RFC 3339 in a zone: <c>Z</c> for a zero offset, else <c>±hh:mm</c>.</summary>
    internal static string FormatInZone(DateTimeOffset time, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(time, zone);
        var text = local.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        return local.Offset == TimeSpan.Zero ? text + "Z" : text + local.ToString("zzz", System.Globalization.CultureInfo.InvariantCulture);
    }
}
