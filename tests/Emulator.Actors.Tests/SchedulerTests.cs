using Emulator.Actors.Scheduling;
using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>The scheduler and the clocks: virtual time fires in due order; real time can be scaled.</summary>
public sealed class SchedulerTests : TestKitBase
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
        scheduler.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(Enumerable.Range(0, 10), fired);
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
    public void An_entry_scheduled_while_firing_fires_in_the_same_advance_when_due_within_it()
    {
        using var scheduler = NewVirtual();
        var fired = new List<TimeSpan>();

        scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () =>
        {
            fired.Add(scheduler.Clock.Elapsed);
            scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => fired.Add(scheduler.Clock.Elapsed));
        });
        scheduler.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], fired);
    }

    [Fact]
    public void NextDue_and_PendingCount_describe_the_queue()
    {
        using var scheduler = NewVirtual();
        Assert.Null(scheduler.NextDue);

        scheduler.ScheduleOnce(TimeSpan.FromSeconds(4), () => { });
        var cancelled = scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => { });
        cancelled.Cancel();
        scheduler.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(3), scheduler.NextDue);
        Assert.Equal(1, scheduler.PendingCount);
    }

    [Fact]
    public void Virtual_time_does_not_move_backwards_and_repeat_intervals_must_be_positive()
    {
        using var scheduler = NewVirtual();

        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Advance(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.ScheduleRepeatedly(TimeSpan.Zero, TimeSpan.Zero, () => { }));
    }

    [Fact]
    public void The_virtual_clock_starts_at_the_configured_time_and_moves_only_when_advanced()
    {
        var start = new DateTimeOffset(2030, 5, 1, 12, 0, 0, TimeSpan.Zero);
        using var kit = new StartTimeKit(start);

        Assert.Equal(start, kit.Sys.Clock.UtcNow);
        Assert.True(kit.Sys.Clock.IsVirtual);
        kit.Advance(TimeSpan.FromHours(1));
        Assert.Equal(start.AddHours(1), kit.Sys.Clock.UtcNow);
        Assert.Equal(TimeSpan.FromHours(1), kit.Sys.Clock.Elapsed);
    }

    [Fact]
    public void ScheduleTellOnce_delivers_when_virtual_time_reaches_the_delay()
    {
        var probe = CreateTestProbe();

        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(30), TestActor, "wake up", probe.Ref);
        Advance(TimeSpan.FromSeconds(29));
        ExpectNoMsg();
        Advance(TimeSpan.FromSeconds(1));

        ExpectMsg("wake up");
        Assert.Equal(probe.Ref, LastSender);
    }

    [Fact]
    public void ScheduleTellRepeatedly_delivers_every_interval()
    {
        var task = Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TestActor, "tick", null);
        Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(new object[] { "tick", "tick", "tick" }, ReceiveN(3));

        task.Cancel();
        Advance(TimeSpan.FromSeconds(3));
        ExpectNoMsg();
    }

    [Fact]
    public void A_real_time_clock_with_time_scale_60_runs_sixty_times_faster()
    {
        var clock = new RealTimeClock(timeScale: 60);
        var before = clock.Elapsed;

        Thread.Sleep(50);

        var emulated = clock.Elapsed - before;
        Assert.True(emulated >= TimeSpan.FromSeconds(2), $"50 ms real time at scale 60 showed only {emulated}");
        Assert.Equal(60, clock.TimeScale);
        Assert.False(clock.IsVirtual);
        Assert.True(clock.RealDelayUntil(clock.Elapsed + TimeSpan.FromMinutes(1)) <= TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void An_invalid_time_scale_is_rejected(double scale)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RealTimeClock(scale));
        Assert.Throws<ArgumentOutOfRangeException>(() => ActorSystem.Create("scaled", ActorSystemSettings.Default with { TimeScale = scale, LogToStandardError = false }));
    }

    private sealed class StartTimeKit(DateTimeOffset start) : TestKitBase(ActorSystemSettings.DeterministicWithSeed(0) with { StartTime = start });
}
