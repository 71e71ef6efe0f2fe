using Emulator.Runtime.Time;

namespace Emulator.Runtime.Tests.Time;

/// <summary>The virtual-time scheduler on its own: entries fire in due order, and only when time is advanced.</summary>
public sealed class VirtualSchedulerTests
{
    private static VirtualTimeScheduler NewVirtual() => new(new VirtualClock());

    [Fact]
    public void Virtual_time_fires_entries_in_due_order()
    {
        using var scheduler = NewVirtual();
        var fired = new List<string>();

        scheduler.ScheduleOnce(TimeSpan.FromSeconds(3), () => fired.Add("3s"));
        scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => fired.Add("1s"));
        scheduler.ScheduleOnce(TimeSpan.FromSeconds(2), () => fired.Add("2s"));
        Assert.Empty(fired);
        scheduler.Advance(TimeSpan.FromMilliseconds(1500));
        Assert.Equal(["1s"], fired);
        scheduler.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(["1s", "2s", "3s"], fired);
    }

    [Fact]
    public void Entries_due_at_the_same_time_fire_in_scheduling_order()
    {
        using var scheduler = NewVirtual();
        var fired = new List<int>();

        for (var i = 0; i < 10; i++)
        {
            var n = i;
            scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => fired.Add(n));
        }
        // A repeating entry that falls due at the same instant keeps its place in that order too.
        scheduler.ScheduleRepeatedly(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), () => fired.Add(100));
        scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => fired.Add(11));
        scheduler.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([.. Enumerable.Range(0, 10), 100, 11], fired);
    }

    [Fact]
    public void The_clock_reads_the_due_time_while_an_entry_fires()
    {
        using var scheduler = NewVirtual();
        var seen = new List<TimeSpan>();

        scheduler.ScheduleOnce(TimeSpan.FromSeconds(2), () => seen.Add(scheduler.Clock.Elapsed));
        scheduler.ScheduleOnce(TimeSpan.FromSeconds(5), () => seen.Add(scheduler.Clock.Elapsed));
        scheduler.Advance(TimeSpan.FromSeconds(7));

        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)], seen);
        Assert.Equal(TimeSpan.FromSeconds(7), scheduler.Clock.Elapsed);
        Assert.Equal(VirtualClock.DefaultStart + TimeSpan.FromSeconds(7), scheduler.Clock.UtcNow);
    }

    [Fact]
    public void A_cancelled_entry_does_not_fire()
    {
        using var scheduler = NewVirtual();
        var fired = new List<string>();

        var cancelled = scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => fired.Add("cancelled"));
        scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => fired.Add("kept"));
        cancelled.Cancel();
        scheduler.Advance(TimeSpan.FromSeconds(5));

        Assert.True(cancelled.IsCancellationRequested);
        Assert.Equal(["kept"], fired);
    }

    [Fact]
    public void An_entry_cancelled_by_an_earlier_entry_of_the_same_advance_does_not_fire()
    {
        using var scheduler = NewVirtual();
        var fired = new List<string>();

        var later = scheduler.ScheduleOnce(TimeSpan.FromSeconds(2), () => fired.Add("later"));
        scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () =>
        {
            fired.Add("first");
            later.Cancel();
        });
        scheduler.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["first"], fired);
    }

    [Fact]
    public void A_repeated_entry_fires_every_interval_until_cancelled()
    {
        using var scheduler = NewVirtual();
        var fired = new List<TimeSpan>();

        var repeated = scheduler.ScheduleRepeatedly(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), () => fired.Add(scheduler.Clock.Elapsed));
        scheduler.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5)], fired);

        repeated.Cancel();
        scheduler.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(3, fired.Count);
        Assert.Equal(0, scheduler.PendingCount);
    }

    [Fact]
    public void A_periodic_entry_fires_exactly_once_per_period_over_a_long_advance()
    {
        using var scheduler = NewVirtual();
        var fired = new List<TimeSpan>();
        var slow = new List<TimeSpan>();

        scheduler.ScheduleRepeatedly(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), () => fired.Add(scheduler.Clock.Elapsed));
        scheduler.ScheduleRepeatedly(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10), () => slow.Add(scheduler.Clock.Elapsed));
        scheduler.Advance(TimeSpan.FromHours(1));

        // One advance of an hour is 3,600 periods: no firing is skipped or merged, each at its own instant.
        Assert.Equal(Enumerable.Range(1, 3600).Select(s => TimeSpan.FromSeconds(s)), fired);
        Assert.Equal(Enumerable.Range(1, 6).Select(m => TimeSpan.FromMinutes(10 * m)), slow);
        Assert.Equal(TimeSpan.FromSeconds(1), scheduler.NextDue);
    }

    [Fact]
    public void An_entry_scheduled_while_firing_fires_in_the_same_advance_when_due_within_it()
    {
        using var scheduler = NewVirtual();
        var fired = new List<TimeSpan>();

        scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () =>
        {
            fired.Add(scheduler.Clock.Elapsed);
            scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => fired.Add(scheduler.Clock.Elapsed));
            scheduler.ScheduleOnce(TimeSpan.FromSeconds(5), () => fired.Add(scheduler.Clock.Elapsed));
        });
        scheduler.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], fired);
        Assert.Equal(TimeSpan.FromSeconds(3), scheduler.NextDue);
    }

    [Fact]
    public void NextDue_and_PendingCount_describe_the_queue()
    {
        using var scheduler = NewVirtual();
        Assert.Null(scheduler.NextDue);
        Assert.Equal(0, scheduler.PendingCount);

        scheduler.ScheduleOnce(TimeSpan.FromSeconds(4), () => { });
        var cancelled = scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => { });
        cancelled.Cancel();
        scheduler.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(3), scheduler.NextDue);
        Assert.Equal(1, scheduler.PendingCount);
    }

    [Fact]
    public void A_throwing_entry_is_reported_and_the_others_still_fire()
    {
        using var scheduler = NewVirtual();
        var failures = new List<Exception>();
        var fired = new List<string>();
        scheduler.ActionFailed += failures.Add;

        scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => throw new InvalidOperationException("boom"));
        scheduler.ScheduleOnce(TimeSpan.FromSeconds(2), () => fired.Add("after"));
        scheduler.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("boom", Assert.Single(failures).Message);
        Assert.Equal(["after"], fired);
    }

    [Fact]
    public void Virtual_time_does_not_move_backwards_and_repeat_intervals_must_be_positive()
    {
        using var scheduler = NewVirtual();

        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Advance(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.ScheduleRepeatedly(TimeSpan.Zero, TimeSpan.Zero, () => { }));
        scheduler.Advance(TimeSpan.FromSeconds(5));
        scheduler.AdvanceTo(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(5), scheduler.Clock.Elapsed);
    }
}
