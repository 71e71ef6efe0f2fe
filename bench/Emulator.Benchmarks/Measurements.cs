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
