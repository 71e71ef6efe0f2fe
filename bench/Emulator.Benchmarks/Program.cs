using Emulator.Benchmarks;

// The bench command: `dotnet run -c Release --project bench/Emulator.Benchmarks -- <scenario...>`.
var scenarios = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["actors"] = ActorBenchmarks.Run,
    ["persistence"] = PersistenceStores.Run,
    ["api"] = ApiBenchmarks.Run,
    ["cluster"] = ClusterBenchmarks.Run,
    ["fuzz"] = FuzzBenchmarks.Run,
    ["network"] = NetworkBenchmarks.Run,
    ["multiprocess"] = MultiProcessBenchmarks.Run,
};

if (args.Length == 0 || !scenarios.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: Emulator.Benchmarks <{string.Join('|', scenarios.Keys)}> [options]");
    return 2;
}
return run(args[1..]);
