using System.Diagnostics;
using Akka.Actor;
using Emulator.Runtime.Actors;
using Emulator.Runtime.Time;

namespace Emulator.Benchmarks;

/// <summary>
/// What emulated time costs on top of Akka: the timer queue itself (schedule and fire, virtual time), keyed timers in an
/// actor (against Akka's own <see cref="ITimerScheduler"/>), periodic timers of many actors delivered in one advance,
/// and how late scaled-time timers fire (against Akka's system scheduler, which the emulated world no longer uses).
/// </summary>
internal static class EmulatedTimeBenchmarks
{
    public static List<Row> Run(int runs, bool quick)
    {
        var timers = quick ? 200_000 : 1_000_000;
        var churn = quick ? 200_000 : 1_000_000;
        const int PeriodicActors = 10_000;
        const int Periods = 10;
        const int LatenessTimers = 100_000;

        var schedule = new double[runs];
        var fire = new double[runs];
        var emulatedChurn = new double[runs];
        var akkaChurn = new double[runs];
        var periodic = new double[runs];
        var scaledP50 = new double[runs];
        var scaledP99 = new double[runs];
        var akkaP50 = new double[runs];
        var akkaP99 = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            (schedule[i], fire[i]) = VirtualQueue(timers);
            (emulatedChurn[i], akkaChurn[i]) = KeyedTimerChurn(churn);
            periodic[i] = PeriodicDelivery(PeriodicActors, Periods);
            (scaledP50[i], scaledP99[i]) = Lateness(LatenessTimers, emulated: true);
            (akkaP50[i], akkaP99[i]) = Lateness(LatenessTimers, emulated: false);
            Console.Error.WriteLine($"  emulated time run {i + 1}: schedule {Table.Format(schedule[i])}/s, fire {Table.Format(fire[i])}/s, keyed start {emulatedChurn[i]:0} ns (Akka {akkaChurn[i]:0} ns), periodic {Table.Format(periodic[i])} msg/s, lateness scaled p50 {scaledP50[i]:0.00} p99 {scaledP99[i]:0.00} ms, Akka p50 {akkaP50[i]:0.00} p99 {akkaP99[i]:0.00} ms");
        }
        return
        [
            new Row($"virtual time: schedule {timers / 1000}k one-shot timers", "timers/s", schedule, "", true, null),
            new Row($"virtual time: fire {timers / 1000}k timers in one Advance", "timers/s", fire, "", true, null),
            new Row($"EmulatedTimers.StartSingleTimer, same key ({churn / 1000}k in one actor)", "ns/start", emulatedChurn, "", false, null),
            new Row($"Akka ITimerScheduler.StartSingleTimer, same key ({churn / 1000}k in one actor)", "ns/start", akkaChurn, "", false, null),
            new Row($"{PeriodicActors / 1000}k EmulatedActors x periodic timer, {Periods} periods in one Advance", "timer msg/s", periodic, "", true, null),
            new Row($"scaled time (1x): timer lateness p50, {LatenessTimers / 1000}k timers due within 1 s", "ms", scaledP50, "", false, null),
            new Row($"scaled time (1x): timer lateness p99, {LatenessTimers / 1000}k timers due within 1 s", "ms", scaledP99, "", false, null),
            new Row($"Akka system scheduler: timer lateness p50, {LatenessTimers / 1000}k timers due within 1 s", "ms", akkaP50, "", false, null),
            new Row($"Akka system scheduler: timer lateness p99, {LatenessTimers / 1000}k timers due within 1 s", "ms", akkaP99, "", false, null),
        ];
    }

    /// <summary>The bare queue: schedules timers spread over an hour, then fires them all with one advance.</summary>
    private static (double SchedulePerSecond, double FirePerSecond) VirtualQueue(int count)
    {
        using var scheduler = new VirtualTimeScheduler(new VirtualClock());
        var random = new Random(1);
        var fired = 0L;
        Action action = () => fired++;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            scheduler.ScheduleOnce(TimeSpan.FromMilliseconds(random.Next(0, 3_600_000)), action);
        }
        var scheduling = sw.Elapsed;
        sw.Restart();
        scheduler.Advance(TimeSpan.FromHours(1));
        var firing = sw.Elapsed;
        if (fired != count)
        {
            throw new InvalidOperationException($"{fired} of {count} timers fired");
        }
        return (count / scheduling.TotalSeconds, count / firing.TotalSeconds);
    }

    private sealed record Churn(int Count);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    /// <summary>Restarts one keyed emulated timer again and again (each start replaces the last), as back-off and probes do.</summary>
    private sealed class EmulatedChurner : EmulatedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is Churn churn)
            {
                var sw = Stopwatch.StartNew();
                for (var i = 0; i < churn.Count; i++)
                {
                    Timers.StartSingleTimer("k", Tick.Instance, TimeSpan.FromMinutes(1));
                }
                Timers.CancelAll();
                Sender.Tell(sw.Elapsed.TotalNanoseconds / churn.Count);
            }
        }
    }

    /// <summary>The same with Akka's own timers (wall clock).</summary>
    private sealed class AkkaChurner : UntypedActor, IWithTimers
    {
        public ITimerScheduler Timers { get; set; } = null!;

        protected override void OnReceive(object message)
        {
            if (message is Churn churn)
            {
                var sw = Stopwatch.StartNew();
                for (var i = 0; i < churn.Count; i++)
                {
                    Timers.StartSingleTimer("k", Tick.Instance, TimeSpan.FromMinutes(1));
                }
                Timers.CancelAll();
                Sender.Tell(sw.Elapsed.TotalNanoseconds / churn.Count);
            }
        }
    }

    private static (double Emulated, double Akka) KeyedTimerChurn(int count)
    {
        var system = BenchSystems.Create("timers");
        try
        {
            var emulated = system.ActorOf(Props.Create<EmulatedChurner>());
            var akka = system.ActorOf(Props.Create<AkkaChurner>());
            var e = emulated.Ask<double>(new Churn(count), TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
            var a = akka.Ask<double>(new Churn(count), TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
            return (e, a);
        }
        finally
        {
            BenchSystems.Stop(system);
        }
    }

    /// <summary>An actor with one periodic emulated timer; counts what its timer delivered.</summary>
    private sealed class Periodic(CountdownEvent started, CountdownEvent delivered) : EmulatedActor
    {
        protected override void PreStart()
        {
            Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromSeconds(1));
            started.Signal();
        }

        protected override void OnReceive(object message)
        {
            if (message is Tick)
            {
                delivered.Signal();
            }
        }
    }

    /// <summary>Many actors with a periodic timer each; one virtual advance of several periods, until every tick arrived.</summary>
    private static double PeriodicDelivery(int actors, int periods)
    {
        var system = BenchSystems.Create("periodic", time: EmulatedTime.VirtualConfig());
        try
        {
            using var started = new CountdownEvent(actors);
            using var delivered = new CountdownEvent(actors * periods);
            for (var i = 0; i < actors; i++)
            {
                system.ActorOf(Props.Create(() => new Periodic(started, delivered)));
            }
            if (!started.Wait(TimeSpan.FromMinutes(2)))
            {
                throw new TimeoutException("the periodic actors did not start");
            }
            var sw = Stopwatch.StartNew();
            EmulatedTime.Get(system).Advance(TimeSpan.FromSeconds(periods));
            if (!delivered.Wait(TimeSpan.FromMinutes(2)))
            {
                throw new TimeoutException($"{delivered.CurrentCount} timer messages were not delivered");
            }
            return actors * periods / sw.Elapsed.TotalSeconds;
        }
        finally
        {
            BenchSystems.Stop(system);
        }
    }

    private sealed record Due(int Index, long Timestamp);

    /// <summary>Records how late (real time) each timer message arrived.</summary>
    private sealed class LatenessRecorder(double[] lateness, CountdownEvent arrived) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is Due due)
            {
                lateness[due.Index] = Stopwatch.GetElapsedTime(due.Timestamp).TotalMilliseconds;
                arrived.Signal();
            }
        }
    }

    /// <summary>Timers due evenly over one second, on scaled emulated time (1x) or on Akka's system scheduler.</summary>
    private static (double P50, double P99) Lateness(int count, bool emulated)
    {
        var system = BenchSystems.Create("lateness");
        try
        {
            var lateness = new double[count];
            using var arrived = new CountdownEvent(count);
            var recorder = system.ActorOf(Props.Create(() => new LatenessRecorder(lateness, arrived)));
            var scheduler = EmulatedTime.Get(system).Scheduler;
            for (var i = 0; i < count; i++)
            {
                var delay = TimeSpan.FromTicks(TimeSpan.TicksPerSecond * i / count);
                // Due = now + delay on the stopwatch; lateness is measured from there to the actor's handler.
                var due = new Due(i, Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency));
                if (emulated)
                {
                    scheduler.ScheduleTellOnce(delay, recorder, due, ActorRefs.NoSender);
                }
                else
                {
                    system.Scheduler.ScheduleTellOnce(delay, recorder, due, ActorRefs.NoSender);
                }
            }
            if (!arrived.Wait(TimeSpan.FromMinutes(1)))
            {
                throw new TimeoutException($"{arrived.CurrentCount} timers did not fire");
            }
            Array.Sort(lateness);
            return (Stats.Percentile(lateness, 0.50), Stats.Percentile(lateness, 0.99));
        }
        finally
        {
            BenchSystems.Stop(system);
        }
    }
}
