using System.Globalization;
using Cronos;

namespace Emulator.ControlPlane.CronJob;

/// <summary>
/// A CronJob schedule as Kubernetes reads it (robfig/cron <c>ParseStandard</c>): five fields with lists, ranges, steps
/// and names, the <c>@yearly @annually @monthly @weekly @daily @midnight @hourly</c> macros and <c>@every
/// &lt;duration&gt;</c>, evaluated in an IANA time zone (daylight-saving jumps as Cronos handles them). Occurrences come
/// from Cronos, with one rule of cron's own added: when both day-of-month and day-of-week are restricted (neither
/// starts with <c>*</c> or <c>?</c>), a day matches when <em>either</em> matches — Cronos would require both.
/// </summary>
public sealed class CronSchedule
{
    private readonly CronExpression[] _expressions;
    private readonly TimeSpan? _every;
    private readonly TimeZoneInfo _zone;

    private CronSchedule(CronExpression[] expressions, TimeSpan? every, TimeZoneInfo zone)
    {
        _expressions = expressions;
        _every = every;
        _zone = zone;
    }

    /// <summary>The zone the schedule is evaluated in.</summary>
    public TimeZoneInfo Zone => _zone;

    /// <summary>Parses a schedule in <paramref name="zone"/>.</summary>
    /// <exception cref="FormatException">When the schedule cannot be parsed.</exception>
    public static CronSchedule Parse(string schedule, TimeZoneInfo zone)
    {
        var spec = schedule.Trim();
        if (spec.StartsWith("@every ", StringComparison.Ordinal))
        {
            return new CronSchedule([], ParseEvery(spec[7..].Trim()), zone);
        }
        if (spec.StartsWith('@'))
        {
            try
            {
                return new CronSchedule([CronExpression.Parse(spec)], null, zone);
            }
            catch (CronFormatException e)
            {
                throw new FormatException($"unrecognized descriptor: {spec}", e);
            }
        }
        var fields = spec.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            throw new FormatException($"expected exactly 5 fields, found {fields.Length}: [{string.Join(" ", fields)}]");
        }
        try
        {
            if (!IsStar(fields[2]) && !IsStar(fields[4]))
            {
                // Both day fields restricted: cron runs on either (day-of-month OR day-of-week).
                var byMonthDay = string.Join(' ', fields[0], fields[1], fields[2], fields[3], "*");
                var byWeekDay = string.Join(' ', fields[0], fields[1], "*", fields[3], fields[4]);
                return new CronSchedule([CronExpression.Parse(byMonthDay), CronExpression.Parse(byWeekDay)], null, zone);
            }
            return new CronSchedule([CronExpression.Parse(string.Join(' ', fields))], null, zone);
        }
        catch (CronFormatException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        if (_every is { } every)
        {
            // robfig's ConstantDelaySchedule: the delay after the given time, at whole seconds.
            var truncated = after.AddTicks(-(after.Ticks % TimeSpan.TicksPerSecond));
            return truncated + every;
        }
        DateTimeOffset? next = null;
        foreach (var expression in _expressions)
        {
            if (expression.GetNextOccurrence(after, _zone) is { } candidate && (next is null || candidate < next))
            {
                next = candidate;
            }
        }
        return next?.ToUniversalTime();
    }

    /// <summary>Whether a day field counts as unrestricted for the OR rule (robfig's star bit: <c>*</c> or <c>?</c>, without a step above 1).</summary>
    private static bool IsStar(string field)
    {
        foreach (var part in field.Split(','))
        {
            var rangeAndStep = part.Split('/');
            if (rangeAndStep[0] is "*" or "?" && (rangeAndStep.Length == 1 || rangeAndStep[1] == "1"))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A Go duration (<c>1h30m</c>, <c>90s</c>, <c>1.5h</c>) as <c>@every</c> takes it: at least a second, whole seconds.</summary>
    private static TimeSpan ParseEvery(string text)
    {
        var total = TimeSpan.Zero;
        var i = 0;
        if (text.Length == 0)
        {
            throw new FormatException($"failed to parse duration @every {text}");
        }
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }
            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.')
            {
                i++;
            }
            if (!double.TryParse(text[start..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                throw new FormatException($"failed to parse duration @every {text}");
            }
            total += text[unitStart..i] switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                "us" or "µs" => TimeSpan.FromMicroseconds(value),
                "ns" => TimeSpan.FromTicks((long)(value / 100)),
                _ => throw new FormatException($"failed to parse duration @every {text}"),
            };
        }
        total -= TimeSpan.FromTicks(total.Ticks % TimeSpan.TicksPerSecond);
        return total < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : total;
    }
}
