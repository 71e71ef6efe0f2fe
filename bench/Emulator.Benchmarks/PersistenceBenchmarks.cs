using System.Diagnostics;
using Akka.Actor;
using Akka.Persistence;
using Emulator.Runtime.Serialization;

namespace Emulator.Benchmarks;

/// <summary>
/// The persistence benchmark on Akka.Persistence.Sql: durable events per second with 1, 100 and 10,000 persistent
/// actors, each persisting one small event at a time with PersistAsync (plus one actor keeping 1,000 in flight, as the
/// API store does), persist latency percentiles, and recovery time of one actor with many events, without and with a
/// snapshot. Every figure goes through the real path: persistent actor → journal plugin → database, acknowledged once
/// durable. The reference column gives the kernel's figures (README, before the move to Akka).
/// </summary>
public static class PersistenceBenchmarks
{
    private const int Runs = 3;

    public sealed record Persisted(int Value);

    public sealed record Total(long Sum, long Count);

    /// <summary>The kernel's medians (README), by store and row.</summary>
    private static readonly Dictionary<string, string> Kernel = new()
    {
        ["SQLite 1 rate"] = "4493",
        ["SQLite 1 p50"] = "0.189",
        ["SQLite 1 p99"] = "0.455",
        ["SQLite 100 rate"] = "62.2 k",
        ["SQLite 100 p50"] = "1.461",
        ["SQLite 100 p99"] = "6.984",
        ["SQLite 10000 rate"] = "98.9 k",
        ["SQLite 10000 p50"] = "100",
        ["SQLite 10000 p99"] = "151",
        ["SQLite recovery"] = "1.758 (1000k)",
        ["SQLite snapshot"] = "0 (1000k)",
        ["PostgreSQL 1 rate"] = "1330",
        ["PostgreSQL 1 p50"] = "0.718",
        ["PostgreSQL 1 p99"] = "1.228",
        ["PostgreSQL 100 rate"] = "30.8 k",
        ["PostgreSQL 100 p50"] = "2.968",
        ["PostgreSQL 100 p99"] = "8.275",
        ["PostgreSQL 10000 rate"] = "54.7 k",
        ["PostgreSQL 10000 p50"] = "174",
        ["PostgreSQL 10000 p99"] = "251",
        ["PostgreSQL recovery"] = "9.445 (1000k)",
        ["PostgreSQL snapshot"] = "0.001 (1000k)",
    };

    private static string Before(string store, string row, string target = "") =>
        string.Join("; ", new[] { Kernel.TryGetValue($"{store} {row}", out var kernel) ? $"kernel {kernel}" : "", target }.Where(s => s.Length > 0));

    public static void Run(IReadOnlyList<StoreKind> stores, bool quick, int recoveryEvents, bool recoveryOnly = false)
    {
        var window = quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(5);
        var rows = new List<Row>();
        foreach (var store in stores)
        {
            foreach (var (actors, inFlight) in recoveryOnly ? [] : new[] { (1, 1), (100, 1), (10_000, 1), (1, 1000) })
            {
                var rates = new double[Runs];
                var p50 = new double[Runs];
                var p99 = new double[Runs];
                var failed = new double[Runs];
                for (var i = 0; i < Runs; i++)
                {
                    int stopped;
                    (rates[i], p50[i], p99[i], stopped) = Throughput(store, actors, inFlight, window);
                    failed[i] = stopped;
                    Console.Error.WriteLine($"  {store.Name} {actors} actor(s) x {inFlight} in flight run {i + 1}: {Table.Format(rates[i])} events/s, p50 {p50[i]:0.00} ms, p99 {p99[i]:0.00} ms{(stopped > 0 ? $", {stopped} writer(s) stopped by failed writes" : "")}");
                }
                var label = inFlight == 1 ? $"{actors} actor(s)" : $"{actors} actor, {inFlight} in flight";
                var key = inFlight == 1 ? actors.ToString(System.Globalization.CultureInfo.InvariantCulture) : "pipelined";
                double? target = store.Name == "SQLite" && actors == 10_000 ? 100_000 : null;
                rows.Add(new Row($"{store.Name}: durable events/s, {label}", "events/s", rates, Before(store.Name, $"{key} rate", target is null ? "" : "target >= 100 k"), true, target));
                rows.Add(new Row($"{store.Name}: persist latency p50, {label}", "ms", p50, Before(store.Name, $"{key} p50"), false, null));
                rows.Add(new Row($"{store.Name}: persist latency p99, {label}", "ms", p99, Before(store.Name, $"{key} p99"), false, null));
                if (failed.Any(f => f > 0))
                {
                    rows.Add(new Row($"{store.Name}: writers stopped by failed writes, {label}", "actors", failed, "0", false, 0));
                }
            }
            var (populate, plain, snapshot) = Recovery(store, recoveryEvents);
            rows.Add(new Row($"{store.Name}: write {recoveryEvents / 1000}k events (PersistAllAsync, batches of 1000)", "events/s", [populate], "", true, null));
            rows.Add(new Row($"{store.Name}: recovery of {recoveryEvents / 1000}k events, no snapshot", "s", plain, Before(store.Name, "recovery", "target <= 5"), false, 5));
            rows.Add(new Row($"{store.Name}: recovery of {recoveryEvents / 1000}k events, snapshot at the end", "s", snapshot, Before(store.Name, "snapshot"), false, null));
        }
        Table.Print("Persistence (Akka.Persistence.Sql)", rows);
    }

    private static Akka.Actor.ActorSystem Start(StoreInstance store)
    {
        var system = BenchSystems.Create("bench", store.Journal);
        EventSerialization.Get(system).Manifests.Register<Persisted>("bench.persisted").Register<Total>("bench.total");
        return system;
    }

    private sealed record Go(DateTime Until, int InFlight);

    private sealed record Ready;

    /// <param name="Events">Events acknowledged.</param>
    /// <param name="LatenciesMs">Latency of each.</param>
    /// <param name="Failed">True when a journal failure stopped the writer (Akka stops a persistent actor whose write failed).</param>
    private sealed record Done(long Events, double[] LatenciesMs, bool Failed);

    /// <summary>Persists with PersistAsync until the deadline, <c>InFlight</c> at a time, recording each persist's latency.</summary>
    private sealed class Writer(string id) : PersistentActor
    {
        private readonly List<double> _latencies = new(1024);
        private DateTime _until;
        private IActorRef _report = ActorRefs.Nobody;
        private long _persisted;
        private int _outstanding;
        private bool _stopping;
        private bool _reported;

        public override string PersistenceId { get; } = id;

        protected override void PostStop()
        {
            // Stopped by a failed write before the window ended: the benchmark counts it instead of waiting for it.
            if (!_reported && !_report.IsNobody())
            {
                _reported = true;
                _report.Tell(new Done(_persisted, [.. _latencies], true), Self);
            }
            base.PostStop();
        }

        protected override bool ReceiveRecover(object message) => true;

        protected override bool ReceiveCommand(object message)
        {
            switch (message)
            {
                case Ready:
                    // Commands wait for recovery: answering this one means the actor has recovered.
                    Sender.Tell(message, Self);
                    return true;
                case Go go:
                    _until = go.Until;
                    _report = Sender;
                    for (var i = 0; i < go.InFlight; i++)
                    {
                        Next();
                    }
                    return true;
            }
            return false;
        }

        private void Next()
        {
            if (_stopping || DateTime.UtcNow >= _until)
            {
                _stopping = true;
                if (_outstanding == 0 && !_reported)
                {
                    _reported = true;
                    _report.Tell(new Done(_persisted, [.. _latencies], false), Self);
                }
                return;
            }
            var started = Stopwatch.GetTimestamp();
            _outstanding++;
            PersistAsync(new Persisted((int)_persisted), _ =>
            {
                _outstanding--;
                _persisted++;
                _latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Next();
            });
        }
    }

    private static (double Rate, double P50, double P99, int Failed) Throughput(StoreKind kind, int actors, int inFlight, TimeSpan window)
    {
        var store = kind.Create();
        var system = Start(store);
        try
        {
            var writers = Enumerable.Range(0, actors).Select(i => system.ActorOf(Props.Create(() => new Writer($"writer-{i}")))).ToArray();
            // The window starts once every actor has recovered.
            Task.WhenAll(writers.Select(w => w.Ask<Ready>(new Ready(), TimeSpan.FromMinutes(5)))).GetAwaiter().GetResult();
            var until = DateTime.UtcNow + window;
            var sw = Stopwatch.StartNew();
            var results = Task.WhenAll(writers.Select(w => w.Ask<Done>(new Go(until, inFlight), window + TimeSpan.FromMinutes(2)))).GetAwaiter().GetResult();
            var elapsed = sw.Elapsed;
            var events = results.Sum(r => r.Events);
            var latencies = results.SelectMany(r => r.LatenciesMs).Order().ToArray();
            return (events / elapsed.TotalSeconds, Stats.Percentile(latencies, 0.50), Stats.Percentile(latencies, 0.99), results.Count(r => r.Failed));
        }
        finally
        {
            BenchSystems.Stop(system);
            store.Cleanup();
        }
    }

    private sealed record Populate(int Events);

    /// <summary>Writes 1..n as events in atomic batches of 1,000, a few batches in flight.</summary>
    private sealed class Populator(string id) : PersistentActor
    {
        private IActorRef _report = ActorRefs.Nobody;
        private int _next = 1;
        private int _last;

        public override string PersistenceId { get; } = id;

        protected override bool ReceiveRecover(object message) => true;

        protected override bool ReceiveCommand(object message)
        {
            if (message is not Populate populate)
            {
                return false;
            }
            _report = Sender;
            _last = populate.Events;
            for (var i = 0; i < 4; i++)
            {
                NextBatch();
            }
            return true;
        }

        private void NextBatch()
        {
            if (_next > _last)
            {
                return;
            }
            var from = _next;
            var to = Math.Min(_last, from + 999);
            _next = to + 1;
            PersistAllAsync(Enumerable.Range(from, to - from + 1).Select(v => new Persisted(v)), e =>
            {
                if (e.Value == _last)
                {
                    _report.Tell(_last, Self);
                }
                else if (e.Value == to)
                {
                    NextBatch();
                }
            });
        }
    }

    private sealed record GetTotal;

    /// <summary>Sums its events; snapshots are its total.</summary>
    private sealed class Summer(string id, IActorRef report) : PersistentActor
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _sum;
        private long _count;

        public override string PersistenceId { get; } = id;

        protected override bool ReceiveRecover(object message)
        {
            switch (message)
            {
                case Persisted p:
                    _sum += p.Value;
                    _count++;
                    return true;
                case SnapshotOffer { Snapshot: Total t }:
                    (_sum, _count) = (t.Sum, t.Count);
                    return true;
                case RecoveryCompleted:
                    report.Tell(Stopwatch.GetElapsedTime(_started), Self);
                    return true;
            }
            return true;
        }

        protected override bool ReceiveCommand(object message)
        {
            switch (message)
            {
                case GetTotal:
                    Sender.Tell(new Total(_sum, _count), Self);
                    return true;
                case "snapshot":
                    SaveSnapshot(new Total(_sum, _count));
                    return true;
                case SaveSnapshotSuccess:
                    report.Tell("saved", Self);
                    return true;
                case SaveSnapshotFailure failure:
                    report.Tell(failure.Cause, Self);
                    return true;
            }
            return false;
        }
    }

    /// <summary>
    /// Writes the events once, then recovers them three times without a snapshot, saves a snapshot at the end, and
    /// recovers three times more; each recovery is a fresh actor system, as after a restart.
    /// </summary>
    private static (double PopulatePerSecond, double[] Plain, double[] WithSnapshot) Recovery(StoreKind kind, int events)
    {
        var store = kind.Create();
        try
        {
            var system = Start(store);
            var sw = Stopwatch.StartNew();
            try
            {
                var populator = system.ActorOf(Props.Create(() => new Populator("recovering")));
                populator.Ask<int>(new Populate(events), TimeSpan.FromMinutes(30)).GetAwaiter().GetResult();
            }
            finally
            {
                BenchSystems.Stop(system);
            }
            var populate = events / sw.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"  {kind.Name} wrote {events} events in {sw.Elapsed.TotalSeconds:0.0} s");
            var plain = new double[Runs];
            var snapshot = new double[Runs];
            for (var i = 0; i < Runs; i++)
            {
                plain[i] = RecoverOnce(store, events, takeSnapshot: i == Runs - 1);
                Console.Error.WriteLine($"  {kind.Name} recovery of {events} events run {i + 1}: {plain[i]:0.00} s");
            }
            for (var i = 0; i < Runs; i++)
            {
                snapshot[i] = RecoverOnce(store, events, takeSnapshot: false);
                Console.Error.WriteLine($"  {kind.Name} recovery of {events} events from a snapshot run {i + 1}: {snapshot[i]:0.000} s");
            }
            return (populate, plain, snapshot);
        }
        finally
        {
            store.Cleanup();
        }
    }

    private static double RecoverOnce(StoreInstance store, int events, bool takeSnapshot)
    {
        var system = Start(store);
        try
        {
            var inbox = new BlockingInbox(system);
            var summer = system.ActorOf(Props.Create(() => new Summer("recovering", inbox.Ref)));
            var elapsed = (TimeSpan)inbox.Receive();
            var total = summer.Ask<Total>(new GetTotal(), TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
            if (total.Count != events || total.Sum != (long)events * (events + 1) / 2)
            {
                throw new InvalidOperationException($"Recovery produced {total.Count} events summing to {total.Sum}; expected {events}");
            }
            if (takeSnapshot)
            {
                summer.Tell("snapshot", ActorRefs.NoSender);
                if (inbox.Receive() is Exception failure)
                {
                    throw new InvalidOperationException("saving the snapshot failed", failure);
                }
            }
            return elapsed.TotalSeconds;
        }
        finally
        {
            BenchSystems.Stop(system);
        }
    }
}
