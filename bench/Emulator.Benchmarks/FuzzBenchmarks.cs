using System.Diagnostics;
using Akka.Actor;
using Emulator.Api.Discovery;
using Emulator.Cli;
using Emulator.ControlPlane.Store;
using Emulator.Fuzzing;

namespace Emulator.Benchmarks;

/// <summary>
/// The fuzz scenario: a long run of seeded hostile requests (<see cref="ManifestFuzzer"/>) against the all-in-one
/// cluster on SQLite. Reports the answers by status code and fails on any 5xx (other than etcd's size limit), hang,
/// store restart, or a journal that does not bring back exactly the objects the store held.
/// </summary>
public static class FuzzBenchmarks
{
    public static int Run(string[] args)
    {
        var cases = Option(args, "--cases") ?? (args.Contains("--quick") ? 10_000 : 100_000);
        var seed = Option(args, "--seed") ?? 1;
        Console.WriteLine($"Fuzz: {cases:N0} cases, seed {seed}, all-in-one cluster on SQLite ({Environment.ProcessorCount} cores)");
        return RunAsync(cases, seed).GetAwaiter().GetResult();
    }

    private static int? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is >= 0 and var at && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) ? value : null;

    private static async Task<int> RunAsync(int cases, int seed)
    {
        var directory = Directory.CreateTempSubdirectory("emulator-fuzz-bench-").FullName;
        var problems = new List<string>();
        try
        {
            var options = new ClusterHostOptions(directory, 0, Path.Combine(directory, "kubeconfig"), 3, ImagePullDelay: TimeSpan.Zero);
            SortedDictionary<string, string> held;
            await using (var cluster = await ClusterHost.StartAsync(options, CancellationToken.None))
            {
                var before = await cluster.Store.Ask<StoreInfo>(new GetStoreInfo(), TimeSpan.FromMinutes(1));
                using var client = new HttpClient { BaseAddress = cluster.ApiAddress, Timeout = TimeSpan.FromMinutes(1) };
                await FuzzRun.SeedAsync(client);
                var clock = Stopwatch.StartNew();
                var report = await FuzzRun.RunAsync(client, seed, cases, progress: new Progress<FuzzReport>(r =>
                    Console.Error.WriteLine($"  {r.Cases:N0} cases, {r.Failures.Count} failures")));
                Console.WriteLine($"{report.Cases:N0} cases in {clock.Elapsed.TotalSeconds:0.0} s ({report.Cases / clock.Elapsed.TotalSeconds:0} per s)");
                Console.WriteLine($"by status: {report.Summary}");
                problems.AddRange(report.Failures);
                var after = await cluster.Store.Ask<StoreInfo>(new GetStoreInfo(), TimeSpan.FromMinutes(1));
                if (after.Incarnation != before.Incarnation || after.RecoveredEvents != before.RecoveredEvents)
                {
                    problems.Add("the API store restarted during the run");
                }
                Console.WriteLine($"store: {after.ObjectCount:N0} objects, {after.CommandFailures} commands answered 500");
                held = await Objects(cluster.Store);
            }
            // The journal brings back what the store held. Controllers act again after the restart (a ReplicaSet
            // trims its pods, heartbeats renew Leases, events expire): the objects no controller owns or writes are
            // compared, by identity.
            await using (var restarted = await ClusterHost.StartAsync(options, CancellationToken.None))
            {
                var recovered = await Objects(restarted.Store);
                var lost = held.Keys.Except(recovered.Keys).ToList();
                if (lost.Count > 0)
                {
                    problems.Add($"lost after a restart: {string.Join(", ", lost.Take(10))}");
                }
                Console.WriteLine($"restart: {recovered.Count:N0} objects recovered, {lost.Count} lost");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        foreach (var problem in problems.Take(50))
        {
            Console.WriteLine($"FAIL {problem}");
        }
        Console.WriteLine(problems.Count == 0 ? "fuzz: ok" : $"fuzz: {problems.Count} failures");
        return problems.Count == 0 ? 0 : 1;
    }

    private static async Task<SortedDictionary<string, string>> Objects(IActorRef store)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in ApiResourceCatalog.Default.Resources)
        {
            var listed = await store.Ask<ListReply>(new ListObjects(resource.StoreType, null), TimeSpan.FromMinutes(1));
            if (resource.Kind is "Event" or "Lease" or "Node" or "Pod" or "ReplicaSet" or "ControllerRevision" or "PersistentVolume")
            {
                continue;
            }
            foreach (var item in listed.Items)
            {
                all[$"{resource.StoreType.Key}/{item.Namespace}/{item.Name}"] = item.Uid;
            }
        }
        return all;
    }
}
