using System.Globalization;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Syntax check of CronJob schedules as Kubernetes parses them (robfig/cron <c>ParseStandard</c>): five fields
/// (minute hour day-of-month month day-of-week) with lists, ranges, steps, <c>*</c>/<c>?</c> and month/day names,
/// or a descriptor (<c>@yearly</c>, <c>@every 1h</c>, ...). Returns the parser's error text, or null when valid.
/// </summary>
public static class CronScheduleSyntax
{
    private static readonly string[] Descriptors = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

    private static readonly (int Min, int Max, Dictionary<string, int>? Names)[] Fields =
    [
        (0, 59, null),
        (0, 23, null),
        (1, 31, null),
        (1, 12, new(StringComparer.OrdinalIgnoreCase)
        {
            ["jan"] = 1, ["feb"] = 2, ["mar"] = 3, ["apr"] = 4, ["may"] = 5, ["jun"] = 6,
            ["jul"] = 7, ["aug"] = 8, ["sep"] = 9, ["oct"] = 10, ["nov"] = 11, ["dec"] = 12,
        }),
        (0, 6, new(StringComparer.OrdinalIgnoreCase)
        {
            ["sun"] = 0, ["mon"] = 1, ["tue"] = 2, ["wed"] = 3, ["thu"] = 4, ["fri"] = 5, ["sat"] = 6,
        }),
    ];

    /// <summary>The parse error, or null when the schedule is valid.</summary>
    public static string? Check(string schedule)
    {
        var spec = schedule.Trim();
        if (spec.Length == 0)
        {
            return "empty spec string";
        }
        // A TZ=/CRON_TZ= prefix parses; Kubernetes rejects it separately.
        if (spec.StartsWith("TZ=", StringComparison.Ordinal) || spec.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = spec.IndexOf(' ');
            spec = space < 0 ? "" : spec[(space + 1)..].Trim();
        }
        if (spec.StartsWith('@'))
        {
            if (Descriptors.Contains(spec))
            {
                return null;
            }
            if (spec.StartsWith("@every ", StringComparison.Ordinal))
            {
                return ParseGoDuration(spec[7..].Trim()) ? null : $"failed to parse duration {spec}: time: invalid duration \"{spec[7..].Trim()}\"";
            }
            return $"unrecognized descriptor: {spec}";
        }
        var fields = spec.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            return $"expected exactly 5 fields, found {fields.Length}: [{string.Join(" ", fields)}]";
        }
        for (var i = 0; i < 5; i++)
        {
            foreach (var part in fields[i].Split(','))
            {
                if (CheckRange(part, Fields[i]) is { } error)
                {
                    return error;
                }
            }
        }
        return null;
    }

    private static string? CheckRange(string expr, (int Min, int Max, Dictionary<string, int>? Names) bounds)
    {
        var rangeAndStep = expr.Split('/');
        var lowAndHigh = rangeAndStep[0].Split('-');
        if (lowAndHigh.Length > 2)
        {
            return $"too many hyphens: {expr}";
        }
        int start, end;
        var singleDigit = lowAndHigh.Length == 1;
        if (lowAndHigh[0] is "*" or "?")
        {
            start = bounds.Min;
            end = bounds.Max;
            singleDigit = false;
        }
        else
        {
            if (Number(lowAndHigh[0], bounds.Names, out start) is { } startError)
            {
                return startError;
            }
            end = start;
            if (lowAndHigh.Length == 2 && Number(lowAndHigh[1], bounds.Names, out end) is { } endError)
            {
                return endError;
            }
        }
        switch (rangeAndStep.Length)
        {
            case 1:
                break;
            case 2:
                if (Number(rangeAndStep[1], null, out var step) is { } stepError)
                {
                    return stepError;
                }
                if (singleDigit)
                {
                    end = bounds.Max;
                }
                if (step <= 0)
                {
                    return $"step of range should be a positive number: {expr}";
                }
                break;
            default:
                return $"too many slashes: {expr}";
        }
        if (start < bounds.Min)
        {
            return $"beginning of range ({start}) below minimum ({bounds.Min}): {expr}";
        }
        if (end > bounds.Max)
        {
            return $"end of range ({end}) above maximum ({bounds.Max}): {expr}";
        }
        if (start > end)
        {
            return $"beginning of range ({start}) beyond end of range ({end}): {expr}";
        }
        return null;
    }

    private static string? Number(string text, Dictionary<string, int>? names, out int value)
    {
        if (names is not null && names.TryGetValue(text, out value))
        {
            return null;
        }
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return value < 0 ? $"negative number ({value}) not allowed: {text}" : null;
        }
        return $"failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax";
    }

    private static bool ParseGoDuration(string text)
    {
        if (text.Length == 0)
        {
            return false;
        }
        var i = 0;
        var any = false;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }
            if (i == start)
            {
                return false;
            }
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]) || (i < text.Length && text[i] == 'µ'))
            {
                i++;
            }
            if (text[unitStart..i] is not ("ns" or "us" or "µs" or "ms" or "s" or "m" or "h"))
            {
                return false;
            }
            any = true;
        }
        return any;
    }
}
