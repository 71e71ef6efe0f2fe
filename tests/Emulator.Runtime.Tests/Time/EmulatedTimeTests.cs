using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Emulator.Runtime.Time;
using Emulator.TestKit;

namespace Emulator.Runtime.Tests.Time;

/// <summary>The emulated-time extension of an actor system: virtual in tests, scaled in a running emulator.</summary>
public sealed class EmulatedTimeTests : EmulatorTestKit
{
    [Fact]
    public void The_test_kit_runs_on_virtual_time_that_moves_only_when_advanced()
    {
        Assert.True(Clock.IsVirtual);
        Assert.NotNull(Time.Virtual);
        Assert.Same(Time.Clock, Sys.EmulatedClock());
        Assert.Equal(VirtualClock.DefaultStart, Clock.UtcNow);
        Assert.Equal(TimeSpan.Zero, Clock.Elapsed);

        Advance(TimeSpan.FromHours(1));

        Assert.Equal(VirtualClock.DefaultStart.AddHours(1), Clock.UtcNow);
        Assert.Equal(TimeSpan.FromHours(1), Clock.Elapsed);
    }

    [Fact]
    public async Task Virtual_time_starts_at_the_configured_instant()
    {
        var start = new DateTimeOffset(2030, 5, 1, 12, 0, 0, TimeSpan.Zero);
        using var system = ActorSystem.Create("start", TestConfig(EmulatedTime.VirtualConfig(start), seed: null));
        var time = EmulatedTime.Get(system);

        Assert.Equal(start, time.Clock.UtcNow);
        time.Advance(TimeSpan.FromMinutes(90));
        Assert.Equal(start.AddMinutes(90), time.Clock.UtcNow);
        await system.Terminate();
    }

    [Fact]
    public void ScheduleTellOnce_delivers_when_virtual_time_reaches_the_delay()
    {
        var probe = CreateTestProbe();

        Time.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(30), TestActor, "wake up", probe.Ref);
        Advance(TimeSpan.FromSeconds(29));
        ExpectNoMsg();
        Advance(TimeSpan.FromSeconds(1));

        ExpectMsg("wake up");
        Assert.Equal(probe.Ref, LastSender);
    }

    [Fact]
    public void ScheduleTellRepeatedly_delivers_every_interval_until_cancelled()
    {
        var task = Time.Scheduler.ScheduleTellRepeatedly(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TestActor, "tick", null);
        Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(new object[] { "tick", "tick", "tick" }, ReceiveN(3));

        task.Cancel();
        Advance(TimeSpan.FromSeconds(3));
        ExpectNoMsg();
    }

    [Fact]
    public void Timers_of_one_instant_reach_an_actor_in_scheduling_order()
    {
        for (var i = 0; i < 20; i++)
        {
            Time.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(5), TestActor, i, null);
        }
        Time.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(4), TestActor, -1, null);
        Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(Enumerable.Range(-1, 21).Cast<object>(), ReceiveN(21));
    }

    [Fact]
    public async Task Scaled_time_runs_the_configured_times_faster_than_real_time()
    {
        using var system = ActorSystem.Create("scaled", EmulatedTime.ScaledConfig(60).WithFallback(RuntimeConfig.Defaults));
        var time = EmulatedTime.Get(system);
        Assert.False(time.Clock.IsVirtual);
        Assert.Null(time.Virtual);
        Assert.Equal(60, time.Clock.TimeScale);
        Assert.Throws<InvalidOperationException>(() => time.Advance(TimeSpan.FromSeconds(1)));

        // Three emulated seconds at 60x are 50 ms of real time.
        var fired = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var scheduledAt = time.Clock.Elapsed;
        var real = Stopwatch.StartNew();
        time.Scheduler.ScheduleOnce(TimeSpan.FromSeconds(3), () => fired.TrySetResult(time.Clock.Elapsed));
        var firedAt = await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var realElapsed = real.Elapsed;

        Assert.True(firedAt - scheduledAt >= TimeSpan.FromSeconds(3), $"fired early, after {firedAt - scheduledAt} emulated");
        Assert.True(realElapsed >= TimeSpan.FromMilliseconds(40), $"3 emulated seconds at 60x took only {realElapsed.TotalMilliseconds} ms real");
        // Generous for a loaded machine, and still far below the 3 s real time would take.
        Assert.True(realElapsed < TimeSpan.FromSeconds(1.5), $"3 emulated seconds at 60x took {realElapsed.TotalMilliseconds} ms real");
        await system.Terminate();
    }

    [Fact]
    public void A_scaled_clock_at_60x_shows_a_minute_per_real_second()
    {
        var clock = new ScaledClock(timeScale: 60);
        var before = clock.Elapsed;

        Thread.Sleep(50);

        var emulated = clock.Elapsed - before;
        Assert.True(emulated >= TimeSpan.FromSeconds(2.9), $"50 ms real time at scale 60 showed only {emulated}");
        Assert.False(clock.IsVirtual);
        Assert.True(clock.RealDelayUntil(clock.Elapsed + TimeSpan.FromMinutes(1)) <= TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, clock.RealDelayUntil(clock.Elapsed - TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void An_unknown_time_mode_is_a_clear_configuration_error()
    {
        var error = Misconfigured("emulator.time.mode = bogus");

        var cause = Assert.IsType<ConfigurationException>(error);
        Assert.Contains("emulator.time.mode", cause.Message);
        Assert.Contains("'bogus'", cause.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    public void A_time_scale_that_is_not_positive_is_a_clear_error(string scale)
    {
        var error = Misconfigured($"emulator.time {{ mode = scaled, scale = {scale} }}");

        var cause = Assert.IsType<ArgumentOutOfRangeException>(error);
        Assert.Contains("time scale must be a positive finite number", cause.Message);
    }

    /// <summary>
    /// Starts a system with <paramref name="settings"/> and uses its emulated time; returns the error, unwrapped from
    /// whatever Akka wrapped it in. The error may come as the system starts (the extension is loaded with it) or at the
    /// first use, but it must come, and say what is wrong.
    /// </summary>
    private static Exception Misconfigured(string settings)
    {
        var error = Record.Exception(() =>
        {
            using var system = ActorSystem.Create("misconfigured", ConfigurationFactory.ParseString(settings).WithFallback(RuntimeConfig.Defaults));
            try
            {
                EmulatedTime.Get(system);
            }
            finally
            {
                system.Terminate().Wait(TimeSpan.FromSeconds(10));
            }
        });
        Assert.NotNull(error);
        while (error is not (ConfigurationException or ArgumentOutOfRangeException) && error.InnerException is { } inner)
        {
            error = inner;
        }
        return error;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void An_invalid_scale_is_rejected_by_the_clock(double scale)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScaledClock(scale));
    }

    [Fact]
    public void A_paused_scaled_clock_stands_still_jumps_when_advanced_and_never_goes_back_when_its_scale_changes()
    {
        var clock = new ScaledClock(timeScale: 1000);
        clock.Pause();
        var paused = clock.Elapsed;
        Assert.True(clock.IsPaused);
        Assert.Equal(paused, clock.Elapsed);
        Assert.Equal(TimeSpan.MaxValue, clock.RealDelayUntil(paused + TimeSpan.FromSeconds(1)));

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(paused + TimeSpan.FromMinutes(5), clock.Elapsed);
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(TimeSpan.FromSeconds(-1)));

        clock.Resume();
        var resumed = clock.Elapsed;
        Assert.True(resumed >= paused + TimeSpan.FromMinutes(5));
        clock.SetScale(0.001);
        Assert.Equal(0.001, clock.TimeScale);
        Assert.True(clock.Elapsed >= resumed);
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.SetScale(0));
    }

    [Fact]
    public async Task A_timer_on_a_paused_scaled_scheduler_waits_for_the_clock_and_fires_when_time_jumps_past_it()
    {
        var clock = new ScaledClock(timeScale: 1);
        using var scheduler = new ScaledTimeScheduler(clock);
        clock.Pause();
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        scheduler.ScheduleOnce(TimeSpan.FromHours(1), () => fired.SetResult());

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.False(fired.Task.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(1));

        // The jump wakes the timer thread at once: the timer fires within the wait, not after the hour.
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
