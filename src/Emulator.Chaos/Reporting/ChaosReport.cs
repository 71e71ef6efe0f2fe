using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Emulator.Chaos.Invariants;

namespace Emulator.Chaos.Reporting;

/// <summary>One fault as it happened.</summary>
/// <param name="Fault">Its index in the experiment file.</param>
/// <param name="Action">What was done (<c>kill-actor</c>, <c>stop-node</c>, <c>start-node</c>, ...).</param>
/// <param name="Target">What it was done to.</param>
/// <param name="Elapsed">Emulated time since the experiment started.</param>
/// <param name="EmulatedTime">The cluster's emulated clock at that moment.</param>
/// <param name="RealTime">The wall clock at that moment.</param>
public sealed record FaultRecord(int Fault, string Action, string Target, TimeSpan Elapsed, DateTimeOffset EmulatedTime, DateTimeOffset RealTime);

/// <summary>An invariant's outcome.</summary>
/// <param name="Name">The invariant.</param>
/// <param name="Violation">The first violation (null: it held).</param>
public sealed record InvariantResult(string Name, Violation? Violation)
{
    /// <summary>True when the invariant held throughout.</summary>
    public bool Held => Violation is null;
}

/// <summary>What an experiment run did and found.</summary>
/// <param name="Experiment">The experiment's name.</param>
/// <param name="Seed">The seed of fault choices (and, on a virtual cluster, of the whole run).</param>
/// <param name="Replayable">True when the run is on virtual time: the same seed gives the same digest.</param>
/// <param name="Digest">SHA-256 of the run's trace (every fault and every observed object version).</param>
/// <param name="Applied">What the workload's apply said, one line per object.</param>
/// <param name="Faults">The faults, in order.</param>
/// <param name="Invariants">Each invariant's outcome.</param>
/// <param name="LastFaultEnded">Emulated time from the start to the end of the last fault.</param>
/// <param name="ConvergedAfter">Emulated time from the end of the last fault to convergence (null: never).</param>
/// <param name="Emulated">Emulated time the run took.</param>
/// <param name="Real">Wall-clock time the run took.</param>
public sealed record ChaosReport(string Experiment, int Seed, bool Replayable, string Digest, IReadOnlyList<string> Applied, IReadOnlyList<FaultRecord> Faults,
    IReadOnlyList<InvariantResult> Invariants, TimeSpan LastFaultEnded, TimeSpan? ConvergedAfter, TimeSpan Emulated, TimeSpan Real)
{
    /// <summary>True when every invariant held: the run's exit status is 0 only then.</summary>
    public bool Passed => Invariants.All(i => i.Held);

    /// <summary>The report for people: faults, invariants, convergence and the digest.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"experiment {Experiment}  seed {Seed}  {(Replayable ? "virtual time (replayable)" : "attached cluster (not replayable)")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"faults ({Faults.Count}):");
        foreach (var fault in Faults)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  +{Clock(fault.Elapsed)}  {fault.EmulatedTime.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}  real {fault.RealTime.UtcDateTime:HH:mm:ss.fff}  faults[{fault.Fault}] {fault.Action} {fault.Target}");
        }
        text.AppendLine("invariants:");
        foreach (var invariant in Invariants)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {(invariant.Held ? "held    " : "VIOLATED")}  {invariant.Name}");
            if (invariant.Violation is { } violation)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"            first at +{Clock(violation.Elapsed)}: {violation.Evidence}");
            }
        }
        text.AppendLine(ConvergedAfter is { } converged
            ? $"converged {ConvergesWithin.Format(converged)} after the last fault (+{Clock(LastFaultEnded)})"
            : $"did not converge after the last fault (+{Clock(LastFaultEnded)})");
        text.AppendLine(CultureInfo.InvariantCulture, $"emulated {ConvergesWithin.Format(Emulated)} in {Real.TotalSeconds:0.0} s real");
        text.AppendLine(CultureInfo.InvariantCulture, $"digest {Digest}");
        text.Append(Passed ? "PASSED" : "FAILED");
        return text.ToString();
    }

    /// <summary>The report for scripts and CI (<c>--output json</c>).</summary>
    public JsonObject ToJson() => new()
    {
        ["experiment"] = Experiment,
        ["seed"] = Seed,
        ["replayable"] = Replayable,
        ["digest"] = Digest,
        ["passed"] = Passed,
        ["applied"] = new JsonArray(Applied.Select(a => (JsonNode?)a).ToArray()),
        ["faults"] = new JsonArray(Faults.Select(f => (JsonNode?)new JsonObject
        {
            ["fault"] = f.Fault,
            ["action"] = f.Action,
            ["target"] = f.Target,
            ["elapsedSeconds"] = f.Elapsed.TotalSeconds,
            ["emulatedTime"] = f.EmulatedTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["realTime"] = f.RealTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        }).ToArray()),
        ["invariants"] = new JsonArray(Invariants.Select(i => (JsonNode?)new JsonObject
        {
            ["name"] = i.Name,
            ["held"] = i.Held,
            ["violation"] = i.Violation is { } v ? new JsonObject { ["elapsedSeconds"] = v.Elapsed.TotalSeconds, ["evidence"] = v.Evidence } : null,
        }).ToArray()),
        ["lastFaultEndedSeconds"] = LastFaultEnded.TotalSeconds,
        ["convergedAfterSeconds"] = ConvergedAfter?.TotalSeconds,
        ["emulatedSeconds"] = Emulated.TotalSeconds,
        ["realSeconds"] = Math.Round(Real.TotalSeconds, 3),
    };

    /// <summary>Emulated time since the start as <c>mm:ss</c>.</summary>
    internal static string Clock(TimeSpan span) => $"{(int)span.TotalMinutes:00}:{span.Seconds:00}";
}
