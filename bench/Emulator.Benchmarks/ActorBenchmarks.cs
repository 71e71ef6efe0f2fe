using System.Diagnostics;
using Emulator.Actors;

namespace Emulator.Benchmarks;

/// <summary>
/// The kernel benchmark: ping-pong throughput and allocation, spawn rate, retained memory per actor and shutdown
/// time, each run three times on a fresh system. Scenarios and reference figures are those of Akka.NET 1.5.30
/// core on the same machine kind (2 cores, .NET 10).
/// </summary>
public static class ActorBenchmarks
{
    private const int Runs = 3;

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var warmup = quick ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(1);
        var measure = quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);
        var bigFlat = quick ? 200_000 : 1_000_000;
        Console.WriteLine($"Actor kernel benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}, {Runs} runs each{(quick ? " (quick mode: shorter windows, smaller flat spawn)" : "")}");

        var rows = new List<Row>();
        double[] allocations = new double[Runs];
        foreach (var (pairs, inFlight, reference) in new[] { (1, 1, 3.09e6), (4, 1, 5.99e6), (1, 1000, 8.48e6), (4, 1000, 18.2e6) })
        {
            var results = new double[Runs];
            for (var i = 0; i < Runs; i++)
            {
                var (rate, bytesPerMessage) = PingPong.Measure(pairs, inFlight, warmup, measure);
                results[i] = rate;
                Console.Error.WriteLine($"  ping-pong {pairs}x{inFlight} run {i + 1}: {Table.Format(rate)} msg/s, {bytesPerMessage:0.###} B/msg");
                if (pairs == 4 && inFlight == 1000)
                {
                    allocations[i] = bytesPerMessage;
                }
            }
            rows.Add(new Row($"ping-pong {pairs} pair(s) x {inFlight} in flight", "msg/s", results, Table.Format(reference), true, reference));
        }
        rows.Add(new Row("bytes allocated per message (4 x 1000)", "B/msg", allocations, "0", false, 0.01));

        var flat = new double[Runs];
        var tree = new double[Runs];
        var big = new double[Runs];
        var bigPause = new double[Runs];
        var retained = new double[Runs];
        var shutdown = new double[Runs];
        for (var i = 0; i < Runs; i++)
        {
            flat[i] = Spawn.Flat(100_000).ActorsPerSecond;
            tree[i] = Spawn.Tree(1000, 100).ActorsPerSecond;
            var result = Spawn.Flat(bigFlat, measureRetainedAndShutdown: true);
            big[i] = result.ActorsPerSecond;
            bigPause[i] = result.GcPause.TotalSeconds;
            retained[i] = result.RetainedBytesPerActor;
            shutdown[i] = result.Shutdown.TotalSeconds;
            Console.Error.WriteLine($"  spawn run {i + 1}: flat {Table.Format(flat[i])}/s, tree {Table.Format(tree[i])}/s, big {Table.Format(big[i])}/s, pause {bigPause[i]:0.00} s, retained {retained[i]:0} B, shutdown {shutdown[i]:0.00} s");
        }
        rows.Add(new Row("spawn flat 100k from main thread", "actors/s", flat, "36.9 k", true, 36_900));
        rows.Add(new Row("spawn tree 1000 x 100", "actors/s", tree, "70.4 k", true, 70_400));
        rows.Add(new Row($"spawn flat {bigFlat / 1000}k", "actors/s", big, "38.7 k", true, 38_700));
        rows.Add(new Row($"GC pause during flat {bigFlat / 1000}k spawn", "s", bigPause, "10.2", false, 10.2));
        rows.Add(new Row("retained bytes per actor", "B", retained, "1,732 (target <= 1,000)", false, 1000));
        rows.Add(new Row($"system shutdown with {bigFlat / 1000}k actors", "s", shutdown, ">= 10", false, 10));
        Table.Print("Actor kernel", rows);
        return 0;
    }
}

/// <summary>Pairs of actors bouncing messages; every received message counts.</summary>
internal static class PingPong
{
    private sealed class Ball
    {
        public static readonly Ball Instance = new();
    }

    private sealed record Start(IActorRef Partner, int InFlight);

    private sealed class Player : UntypedActor
    {
        private IActorRef _partner = Nobody.Instance;
        public long Received;

        public static volatile bool Running;

        protected override void OnReceive(object message)
        {
            if (message is Ball)
            {
                Received++;
                if (Running)
                {
                    _partner.Tell(message, Self);
                }
                return;
            }
            if (message is Start start)
            {
                _partner = start.Partner;
                for (var i = 0; i < start.InFlight; i++)
                {
                    _partner.Tell(Ball.Instance, Self);
                }
            }
        }
    }

    public static (double Rate, double BytesPerMessage) Measure(int pairs, int inFlight, TimeSpan warmup, TimeSpan window)
    {
        var system = ActorSystem.Create("pingpong", ActorSystemSettings.Default with { LogDeadLetters = 0 });
        var players = new List<Player>();
        var collector = new List<Player>();
        Player.Running = true;
        for (var p = 0; p < pairs; p++)
        {
            var a = system.ActorOf(Props.Create(() => Track(new Player(), collector)));
            var b = system.ActorOf(Props.Create(() => Track(new Player(), collector)));
            a.Tell(new Start(b, inFlight), null);
            b.Tell(new Start(a, 0), null);
        }
        Thread.Sleep(warmup);
        lock (collector)
        {
            players.AddRange(collector);
        }
        var c0 = players.Sum(p => Volatile.Read(ref p.Received));
        var a0 = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        Thread.Sleep(window);
        var c1 = players.Sum(p => Volatile.Read(ref p.Received));
        var a1 = GC.GetTotalAllocatedBytes(precise: true);
        var elapsed = sw.Elapsed;
        Player.Running = false;
        system.Terminate().Wait();
        var messages = c1 - c0;
        return (messages / elapsed.TotalSeconds, messages == 0 ? double.NaN : (double)(a1 - a0) / messages);
    }

    private static Player Track(Player player, List<Player> collector)
    {
        lock (collector)
        {
            collector.Add(player);
        }
        return player;
    }
}

/// <summary>Spawning trivial actors until every PreStart ran.</summary>
internal static class Spawn
{
    private static int _started;
    private static int _target;
    private static ManualResetEventSlim _done = new();

    private static void Started()
    {
        if (Interlocked.Increment(ref _started) == _target)
        {
            _done.Set();
        }
    }

    private sealed class Trivial : UntypedActor
    {
        protected override void PreStart() => Started();

        protected override void OnReceive(object message) => Unhandled(message);
    }

    private sealed class Parent(int children) : UntypedActor
    {
        private static readonly Props ChildProps = Props.Create<Trivial>();

        protected override void PreStart()
        {
            for (var i = 0; i < children; i++)
            {
                Context.ActorOf(ChildProps);
            }
            Started();
        }

        protected override void OnReceive(object message) => Unhandled(message);
    }

    public sealed record Result(double ActorsPerSecond, TimeSpan GcPause, double RetainedBytesPerActor, TimeSpan Shutdown);

    private static void Reset(int target)
    {
        _started = 0;
        _target = target;
        _done = new ManualResetEventSlim();
    }

    public static Result Flat(int count, bool measureRetainedAndShutdown = false)
    {
        var system = ActorSystem.Create("spawn", ActorSystemSettings.Default with { LogDeadLetters = 0 });
        var props = Props.Create<Trivial>();
        Reset(count);
        var before = measureRetainedAndShutdown ? GC.GetTotalMemory(forceFullCollection: true) : 0;
        var pause0 = GC.GetTotalPauseDuration();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            system.ActorOf(props);
        }
        _done.Wait();
        var elapsed = sw.Elapsed;
        var pause = GC.GetTotalPauseDuration() - pause0;
        double retained = 0;
        var shutdown = TimeSpan.Zero;
        if (measureRetainedAndShutdown)
        {
            var after = GC.GetTotalMemory(forceFullCollection: true);
            retained = (double)(after - before) / count;
            var stop = Stopwatch.StartNew();
            system.Terminate().Wait();
            shutdown = stop.Elapsed;
        }
        else
        {
            system.Terminate().Wait();
        }
        return new Result(count / elapsed.TotalSeconds, pause, retained, shutdown);
    }

    public static Result Tree(int parents, int children)
    {
        var system = ActorSystem.Create("spawn", ActorSystemSettings.Default with { LogDeadLetters = 0 });
        var props = Props.Create(() => new Parent(children));
        Reset(parents * (children + 1));
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < parents; i++)
        {
            system.ActorOf(props);
        }
        _done.Wait();
        var elapsed = sw.Elapsed;
        system.Terminate().Wait();
        return new Result(parents * (children + 1) / elapsed.TotalSeconds, TimeSpan.Zero, 0, TimeSpan.Zero);
    }
}
