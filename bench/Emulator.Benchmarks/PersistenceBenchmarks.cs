using System.Diagnostics;
using Emulator.Actors;
using Emulator.Actors.Persistence;
using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Serialization;
using Emulator.Actors.Persistence.Snapshot;

namespace Emulator.Benchmarks;

/// <summary>A journal and snapshot store to measure, created fresh for each run.</summary>
public sealed record StoreKind(string Name, Func<(IJournalStore Journal, ISnapshotStore Snapshots, Action Cleanup)> Create);

/// <summary>
/// The persistence benchmark: durable events per second with 1, 100 and 10,000 persistent actors each persisting one
/// small event at a time, persist latency percentiles, and recovery time of one actor with 1,000,000 events with and
/// without a snapshot. Every figure goes through the real path: persistent actor → journal writer → store.
/// </summary>
public static class PersistenceBenchmarks
{
    private const int Runs = 3;

    public sealed record Persisted(int Value);

    public sealed record Total(long Sum, long Count);

    public static EventSerializer NewSerializer() => new EventSerializer().Register<Persisted>("bench.persisted").Register<Total>("bench.total");

    public static void Run(IReadOnlyList<StoreKind> stores, bool quick)
    {
        var window = quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(5);
        var recoveryEvents = quick ? 200_000 : 1_000_000;
        var rows = new List<Row>();
        foreach (var store in stores)
        {
            foreach (var actors in new[] { 1, 100, 10_000 })
            {
                var rates = new double[Runs];
                var p50 = new double[Runs];
                var p99 = new double[Runs];
                for (var i = 0; i < Runs; i++)
                {
                    (rates[i], p50[i], p99[i]) = Throughput(store, actors, window);
                    Console.Error.WriteLine($"  {store.Name} {actors} actor(s) run {i + 1}: {Table.Format(rates[i])} events/s, p50 {p50[i]:0.00} ms, p99 {p99[i]:0.00} ms");
                }
                double? target = store.Name == "SQLite" && actors == 10_000 ? 100_000 : null;
                rows.Add(new Row($"{store.Name}: durable events/s, {actors} actor(s)", "events/s", rates, target is null ? "" : ">= 100 k", true, target));
                rows.Add(new Row($"{store.Name}: persist latency p50, {actors} actor(s)", "ms", p50, "", false, null));
                rows.Add(new Row($"{store.Name}: persist latency p99, {actors} actor(s)", "ms", p99, "", false, null));
            }
            var plain = new double[Runs];
            var snapshot = new double[Runs];
            for (var i = 0; i < Runs; i++)
            {
                (plain[i], snapshot[i]) = Recovery(store, recoveryEvents);
                Console.Error.WriteLine($"  {store.Name} recovery of {recoveryEvents} events run {i + 1}: {plain[i]:0.00} s, with snapshot {snapshot[i]:0.000} s");
            }
            rows.Add(new Row($"{store.Name}: recovery of {recoveryEvents / 1000}k events, no snapshot", "s", plain, "<= 5", false, 5));
            rows.Add(new Row($"{store.Name}: recovery of {recoveryEvents / 1000}k events, snapshot at the end", "s", snapshot, "", false, null));
        }
        Table.Print("Persistence", rows);
    }

    private sealed record Go(DateTime Until);

    private sealed record Ready;

    private sealed record Done(long Events, double[] LatenciesMs);

    /// <summary>Persists one event at a time until the deadline, recording each persist's latency.</summary>
    private sealed class Writer : PersistentActor
    {
        private readonly List<double> _latencies = new(1024);
        private DateTime _until;
        private IActorRef? _report;
        private long _persisted;

        public Writer(string id) => PersistenceId = id;

        public override string PersistenceId { get; }

        protected override bool ReceiveRecover(object message) => true;

        protected override bool ReceiveCommand(object message)
        {
            if (message is Ready)
            {
                // Commands wait for recovery: answering this one means the actor has recovered.
                Sender.Tell(message, Self);
                return true;
            }
            if (message is Go go)
            {
                _until = go.Until;
                _report = Sender;
                Next();
                return true;
            }
            return false;
        }

        private void Next()
        {
            if (DateTime.UtcNow >= _until)
            {
                _report!.Tell(new Done(_persisted, [.. _latencies]), Self);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            Persist(new Persisted((int)_persisted), _ =>
            {
                _persisted++;
                _latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Next();
            });
        }
    }

    private static (double Rate, double P50, double P99) Throughput(StoreKind kind, int actors, TimeSpan window)
    {
        var (journal, snapshots, cleanup) = kind.Create();
        var system = ActorSystem.Create("bench", ActorSystemSettings.Default with { LogDeadLetters = 0 });
        try
        {
            var persistence = Persistence.StartAsync(system, new PersistenceSettings(journal, snapshots, NewSerializer())).GetAwaiter().GetResult();
            var writers = Enumerable.Range(0, actors).Select(i => system.ActorOf(Props.Create(() => new Writer($"writer-{i}")))).ToArray();
            // The window starts once every actor has recovered.
            Task.WhenAll(writers.Select(w => w.Ask<Ready>(new Ready(), TimeSpan.FromMinutes(5)))).GetAwaiter().GetResult();
            var until = DateTime.UtcNow + window;
            var sw = Stopwatch.StartNew();
            var results = Task.WhenAll(writers.Select(w => w.Ask<Done>(new Go(until), window + TimeSpan.FromMinutes(2)))).GetAwaiter().GetResult();
            var elapsed = sw.Elapsed;
            var events = results.Sum(r => r.Events);
            var latencies = results.SelectMany(r => r.LatenciesMs).Order().ToArray();
            return (events / elapsed.TotalSeconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
        }
        finally
        {
            system.Terminate().Wait();
            cleanup();
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private sealed record GetTotal;

    /// <summary>Sums its events; snapshots are its total.</summary>
    private sealed class Summer : PersistentActor
    {
        private readonly IActorRef _report;
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _sum;
        private long _count;

        public Summer(string id, IActorRef report)
        {
            PersistenceId = id;
            _report = report;
        }

        public override string PersistenceId { get; }

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
                    _report.Tell(Stopwatch.GetElapsedTime(_started), Self);
                    return true;
            }
            return false;
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
                    _report.Tell("saved", Self);
                    return true;
            }
            return false;
        }
    }

    private static (double Plain, double WithSnapshot) Recovery(StoreKind kind, int events)
    {
        var (journal, snapshots, cleanup) = kind.Create();
        var serializer = NewSerializer();
        try
        {
            journal.InitializeAsync().GetAwaiter().GetResult();
            const int batch = 10_000;
            for (var start = 1; start <= events; start += batch)
            {
                var rows = Enumerable.Range(start, Math.Min(batch, events - start + 1)).Select(seq =>
                {
                    var (manifest, payload) = serializer.Serialize(new Persisted(seq));
                    return new JournalRow(0, "recovering", seq, DateTimeOffset.UtcNow, [], manifest, payload, "bench");
                }).ToArray();
                journal.WriteAsync([new AtomicWrite("recovering", rows)]).GetAwaiter().GetResult();
            }
            var plain = RecoverOnce(journal, snapshots, serializer, events, takeSnapshot: true);
            var withSnapshot = RecoverOnce(journal, snapshots, serializer, events, takeSnapshot: false);
            return (plain, withSnapshot);
        }
        finally
        {
            cleanup();
        }
    }

    private static double RecoverOnce(IJournalStore journal, ISnapshotStore snapshots, EventSerializer serializer, int events, bool takeSnapshot)
    {
        var system = ActorSystem.Create("bench", ActorSystemSettings.Default with { LogDeadLetters = 0 });
        try
        {
            Persistence.StartAsync(system, new PersistenceSettings(new NonDisposing(journal), new NonDisposingSnapshots(snapshots), serializer)).GetAwaiter().GetResult();
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
                summer.Tell("snapshot", null);
                inbox.Receive();
            }
            return elapsed.TotalSeconds;
        }
        finally
        {
            system.Terminate().Wait();
        }
    }
}
