namespace Emulator.Benchmarks;

/// <summary>One table row: a scenario measured several times, with the reference figure it is compared to.</summary>
public sealed record Row(string Scenario, string Unit, IReadOnlyList<double> Runs, string Reference, bool HigherIsBetter, double? ReferenceValue)
{
    public double Min => Runs.Min();

    public double Max => Runs.Max();

    public double Median
    {
        get
        {
            var sorted = Runs.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    public string Verdict => ReferenceValue is not { } r ? "" : (HigherIsBetter ? Median >= r : Median <= r) ? "ok" : "BELOW";
}

/// <summary>Prints rows as a Markdown table (so the output can go straight into the README).</summary>
public static class Table
{
    public static void Print(string title, IEnumerable<Row> rows)
    {
        Console.WriteLine();
        Console.WriteLine($"### {title}");
        Console.WriteLine();
        Console.WriteLine("| scenario | unit | min | median | max | reference | vs reference |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            Console.WriteLine($"| {r.Scenario} | {r.Unit} | {Format(r.Min)} | {Format(r.Median)} | {Format(r.Max)} | {r.Reference} | {r.Verdict} |");
        }
        Console.WriteLine();
    }

    public static string Format(double value) => Math.Abs(value) switch
    {
        >= 1_000_000 => $"{value / 1_000_000:0.00} M",
        >= 10_000 => $"{value / 1_000:0.0} k",
        >= 100 => $"{value:0}",
        _ => $"{value:0.###}",
    };
}

/// <summary>
/// What the runtime itself spent during a measurement (garbage collections and their pauses, methods compiled and
/// the compiler's time), printed beside a latency figure so that a tail can be told apart from the work measured.
/// </summary>
public sealed class RuntimeCosts
{
    private readonly TimeSpan _pauses = GC.GetTotalPauseDuration();
    private readonly int[] _collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    private readonly long _allocated = GC.GetTotalAllocatedBytes();
    private readonly TimeSpan _cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
    private readonly long _compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
    private readonly TimeSpan _compiling = System.Runtime.JitInfo.GetCompilationTime();

    private RuntimeCosts()
    {
    }

    /// <summary>Starts counting.</summary>
    public static RuntimeCosts Start() => new();

    /// <summary>The costs since <see cref="Start"/>, as one line.</summary>
    public string Describe() =>
        $"CPU: {(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds:0.0} s; GC: {(GC.GetTotalAllocatedBytes() - _allocated) / 1048576.0:N0} MiB allocated, {GC.CollectionCount(0) - _collections[0]} gen0, {GC.CollectionCount(1) - _collections[1]} gen1, {GC.CollectionCount(2) - _collections[2]} gen2 collections, "
        + $"{(GC.GetTotalPauseDuration() - _pauses).TotalMilliseconds:0} ms paused; JIT: {System.Runtime.JitInfo.GetCompiledMethodCount() - _compiled} methods, "
        + $"{(System.Runtime.JitInfo.GetCompilationTime() - _compiling).TotalMilliseconds:0} ms";
}
