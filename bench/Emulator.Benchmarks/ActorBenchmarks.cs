using System.Diagnostics;
using Akka.Actor;

namespace Emulator.Benchmarks;

/// <summary>
/// The actor benchmark: Akka.NET as the product runs it (the host's configuration: default dispatcher, scaled emulated
/// time, runtime defaults) — ping-pong throughput and allocation, spawn rate, retained memory per actor and shutdown
/// time, each run three times on a fresh system — and the emulated-time scheduler's overhead
/// (<see cref="EmulatedTimeBenchmarks"/>). The reference column gives the kernel's figures this replaces (README,
/// before the move to Akka) and Akka.NET 1.5.30's published on the same machine kind.
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
        Console.WriteLine($"Actor benchmark (Akka.NET {typeof(ActorSystem).Assembly.GetName().Version}): {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}, {Runs} runs each{(quick ? " (quick mode: shorter windows, smaller flat spawn)" : "")}");

        var rows = new List<Row>();
        var allocations = new double[Runs];
        foreach (var (pairs, inFlight, kernel, akka130) in new[] { (1, 1, "13.21 M", "3.09 M"), (4, 1, "21.06 M", "5.99 M"), (1, 1000, "20.63 M", "8.48 M"), (4, 1000, "31.94 M", "18.2 M") })
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
            rows.Add(new Row($"ping-pong {pairs} pair(s) x {inFlight} in flight", "msg/s", results, $"kernel {kernel}; Akka 1.5.30 {akka130}", true, null));
        }
        rows.Add(new Row("bytes allocated per message (4 x 1000)", "B/msg", allocations, "kernel 0", false, null));

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
        rows.Add(new Row("spawn flat 100k from main thread", "actors/s", flat, "kernel 572.8 k; Akka 1.5.30 36.9 k", true, null));
        rows.Add(new Row("spawn tree 1000 x 100", "actors/s", tree, "kernel 616.3 k; Akka 1.5.30 70.4 k", true, null));
        rows.Add(new Row($"spawn flat {bigFlat / 1000}k", "actors/s", big, "kernel 724.7 k (1000k); Akka 1.5.30 38.7 k", true, null));
        rows.Add(new Row($"GC pause during flat {bigFlat / 1000}k spawn", "s", bigPause, "kernel 0.725; Akka 1.5.30 10.2", false, null));
        rows.Add(new Row("retained bytes per actor", "B", retained, "kernel 519; Akka 1.5.30 1,732", false, null));
        rows.Add(new Row($"system shutdown with {bigFlat / 1000}k actors", "s", shutdown, "kernel 1.29; Akka 1.5.30 >= 10", false, null));
        Table.Print("Actors (Akka.NET)", rows);

        Table.Print("Emulated time", EmulatedTimeBenchmarks.Run(Runs, quick));
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
        public static volatile bool Running;

        public Player(List<Player> players)
        {
            lock (players)
            {
                players.Add(this);
            }
        }

        private IActorRef _partner = ActorRefs.Nobody;

        public long Received;

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
        var system = BenchSystems.Create("pingpong");
        var players = new List<Player>();
        Player.Running = true;
        for (var p = 0; p < pairs; p++)
        {
            var a = system.ActorOf(Props.Create(() => new Player(players)));
            var b = system.ActorOf(Props.Create(() => new Player(players)));
            a.Tell(new Start(b, inFlight), ActorRefs.NoSender);
            b.Tell(new Start(a, 0), ActorRefs.NoSender);
        }
        Thread.Sleep(warmup);
        Player[] tracked;
        lock (players)
        {
            tracked = [.. players];
        }
        var c0 = tracked.Sum(p => Volatile.Read(ref p.Received));
        var a0 = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        Thread.Sleep(window);
        var c1 = tracked.Sum(p => Volatile.Read(ref p.Received));
        var a1 = GC.GetTotalAllocatedBytes(precise: true);
        var elapsed = sw.Elapsed;
        Player.Running = false;
        BenchSystems.Stop(system);
        var messages = c1 - c0;
        return (messages / elapsed.TotalSeconds, messages == 0 ? double.NaN : (double)(a1 - a0) / messages);
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
        var system = BenchSystems.Create("spawn");
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
            BenchSystems.Stop(system);
            shutdown = stop.Elapsed;
        }
        else
        {
            BenchSystems.Stop(system);
        }
        return new Result(count / elapsed.TotalSeconds, pause, retained, shutdown);
    }

    public static Result Tree(int parents, int children)
    {
        var system = BenchSystems.Create("spawn");
        var props = Props.Create(() => new Parent(children));
        Reset(parents * (children + 1));
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < parents; i++)
        {
            system.ActorOf(props);
        }
        _done.Wait();
        var elapsed = sw.Elapsed;
        BenchSystems.Stop(system);
        return new Result(parents * (children + 1) / elapsed.TotalSeconds, TimeSpan.Zero, 0, TimeSpan.Zero);
    }
}
