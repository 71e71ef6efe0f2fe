using System.Globalization;
using System.Text.RegularExpressions;
using Emulator.Runtime.Time;

namespace Emulator.Management.Palettes;

/// <summary>
/// <c>time show | scale F | pause | resume | advance DURATION</c>: the emulated clock of this process. Pausing stops
/// every emulated timer (probes, heartbeats, leases, back-off) while the API keeps answering; advancing jumps, so
/// everything due meanwhile fires at once — node leases included, as after a real clock jump.
/// </summary>
public sealed partial class TimePalette(EmulatedTime time) : Palette
{
    /// <inheritdoc />
    public override string Name => "time";

    /// <inheritdoc />
    public override string Description => "the emulated clock";

    /// <inheritdoc />
    public override IReadOnlyList<ConsoleCommandInfo> Commands { get; } =
    [
        new("show", "show", "emulated time, how fast it runs, and whether it is paused"),
        new("scale", "scale FACTOR", "run emulated time FACTOR times as fast as the wall clock (scaled time only)"),
        new("pause", "pause", "stop emulated time (scaled time only)"),
        new("resume", "resume", "let emulated time run again"),
        new("advance", "advance DURATION", "jump emulated time forward (e.g. 90s, 5m, 1h30m)"),
    ];

    /// <inheritdoc />
    public override async Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken)
    {
        switch (command)
        {
            case "show":
                arguments.Done();
                break;
            case "scale":
                var text = arguments.Next("FACTOR");
                arguments.Done();
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) || !(factor > 0) || factor > 10_000)
                {
                    throw new ConsoleUsageException($"FACTOR must be a number greater than 0 and at most 10000, got \"{text}\"");
                }
                Scaled().SetScale(factor);
                break;
            case "pause":
                arguments.Done();
                Scaled().Pause();
                break;
            case "resume":
                arguments.Done();
                Scaled().Resume();
                break;
            case "advance":
                var duration = ParseDuration(arguments.Next("DURATION"));
                arguments.Done();
                time.Jump(duration);
                break;
        }
        await Show(output).ConfigureAwait(false);
        return 0;
    }

    private ScaledClock Scaled() =>
        time.Scaled ?? throw new ConsoleCommandException("emulated time is virtual here: it moves only when advanced");

    private Task Show(ConsoleOutput output)
    {
        var clock = time.Clock;
        var state = clock.IsVirtual ? "virtual" : time.Scaled!.IsPaused ? "paused" : "running";
        return output.Table(["NOW", "ELAPSED", "SCALE", "STATE"],
            [[ConsoleOutput.Time(clock.UtcNow), Round(clock.Elapsed).ToString("c", CultureInfo.InvariantCulture), clock.TimeScale.ToString("0.###", CultureInfo.InvariantCulture), state]]);
    }

    private static TimeSpan Round(TimeSpan span) => TimeSpan.FromSeconds(Math.Floor(span.TotalSeconds));

    /// <summary>Reads a Go-style duration (<c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>250ms</c>), as kubectl's flags take them.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var match = DurationPattern().Match(text);
        if (!match.Success || text.Length == 0)
        {
            throw new ConsoleUsageException($"DURATION must look like 90s, 5m or 1h30m, got \"{text}\"");
        }
        var total = TimeSpan.Zero;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unit = part.Value.TrimStart("0123456789.".ToCharArray());
            var amount = double.Parse(part.Value[..^unit.Length], CultureInfo.InvariantCulture);
            total += unit switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }
        if (total <= TimeSpan.Zero || total > TimeSpan.FromDays(3650))
        {
            throw new ConsoleUsageException($"DURATION must be more than 0 and at most 3650 days, got \"{text}\"");
        }
        return total;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|s|m|h|d))+$")]
    private static partial Regex DurationPattern();
}
