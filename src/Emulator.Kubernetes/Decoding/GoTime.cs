using System.Text;

namespace Emulator.Kubernetes.Decoding;

/// <summary>
/// Go's <c>time.Parse</c> with the layouts of <c>metav1.Time</c> (<c>time.RFC3339</c>) and <c>metav1.MicroTime</c>
/// (<c>2006-01-02T15:04:05.000000Z07:00</c>), reduced to its error message:
/// <c>parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"</c>.
/// </summary>
public static class GoTime
{
    private const string Rfc3339 = "2006-01-02T15:04:05Z07:00";
    private const string Rfc3339Micro = "2006-01-02T15:04:05.000000Z07:00";

    /// <summary>Go's error for parsing <paramref name="value"/>, or null when it is a valid timestamp.</summary>
    public static string? ParseError(string value, bool micro)
    {
        var layout = micro ? Rfc3339Micro : Rfc3339;
        var rest = value;
        int year = 0, month = 0, day = 0;
        // The layout as Go splits it: a literal prefix, then a standard element.
        (string Prefix, string Element)[] chunks = micro
            ? [("", "2006"), ("-", "01"), ("-", "02"), ("T", "15"), (":", "04"), (":", "05"), ("", ".000000"), ("", "Z07:00")]
            : [("", "2006"), ("-", "01"), ("-", "02"), ("T", "15"), (":", "04"), (":", "05"), ("", "Z07:00")];
        foreach (var (prefix, element) in chunks)
        {
            if (prefix.Length > 0)
            {
                if (!rest.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return Cannot(value, layout, rest, prefix);
                }
                rest = rest[prefix.Length..];
            }
            var hold = rest;
            string? range = null;
            var bad = false;
            switch (element)
            {
                case "2006":
                    bad = rest.Length < 4 || !IsDigit(rest, 0) || !rest[..4].All(char.IsAsciiDigit);
                    if (!bad)
                    {
                        year = int.Parse(rest[..4], System.Globalization.CultureInfo.InvariantCulture);
                        rest = rest[4..];
                    }
                    break;
                case "01":
                    bad = !Number(ref rest, fixedWidth: true, out month);
                    range = !bad && month is <= 0 or > 12 ? "month" : null;
                    break;
                case "02":
                    bad = !Number(ref rest, fixedWidth: true, out day);
                    break;
                case "15":
                    bad = !Number(ref rest, fixedWidth: false, out var hour);
                    range = hour is < 0 or >= 24 ? "hour" : null;
                    break;
                case "04":
                    bad = !Number(ref rest, fixedWidth: true, out var minute);
                    range = !bad && minute >= 60 ? "minute" : null;
                    break;
                case "05":
                    bad = !Number(ref rest, fixedWidth: true, out var second);
                    if (!bad && second >= 60)
                    {
                        range = "second";
                    }
                    else if (!bad && !micro && rest.Length >= 2 && rest[0] is '.' or ',' && IsDigit(rest, 1))
                    {
                        // A fractional second the layout does not have is accepted after the seconds.
                        var n = 2;
                        while (n < rest.Length && IsDigit(rest, n))
                        {
                            n++;
                        }
                        rest = rest[n..];
                    }
                    break;
                case ".000000":
                    bad = rest.Length < 7 || rest[0] is not ('.' or ',') || !rest[1..7].All(char.IsAsciiDigit);
                    if (!bad)
                    {
                        rest = rest[7..];
                    }
                    break;
                case "Z07:00":
                    if (rest.StartsWith('Z'))
                    {
                        rest = rest[1..];
                        break;
                    }
                    bad = rest.Length < 6 || rest[3] != ':' || rest[0] is not ('+' or '-')
                        || !IsDigit(rest, 1) || !IsDigit(rest, 2) || !IsDigit(rest, 4) || !IsDigit(rest, 5);
                    if (!bad)
                    {
                        var offsetHour = int.Parse(rest[1..3], System.Globalization.CultureInfo.InvariantCulture);
                        var offsetMinute = int.Parse(rest[4..6], System.Globalization.CultureInfo.InvariantCulture);
                        range = offsetHour > 24 ? "time zone offset hour" : offsetMinute > 60 ? "time zone offset minute" : null;
                        rest = rest[6..];
                    }
                    break;
            }
            if (range is not null)
            {
                return $"parsing time {QuoteTime(value)}: {range} out of range";
            }
            if (bad)
            {
                return Cannot(value, layout, hold, element);
            }
        }
        if (rest.Length > 0)
        {
            return $"parsing time {QuoteTime(value)}: extra text: {QuoteTime(rest)}";
        }
        return day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month) ? $"parsing time {QuoteTime(value)}: day out of range" : null;
    }

    private static string Cannot(string value, string layout, string valueElement, string layoutElement) =>
        $"parsing time {QuoteTime(value)} as {QuoteTime(layout)}: cannot parse {QuoteTime(valueElement)} as {QuoteTime(layoutElement)}";

    private static bool IsDigit(string s, int i) => i < s.Length && char.IsAsciiDigit(s[i]);

    /// <summary>Go's <c>getnum</c>: one or two digits (exactly two when fixed).</summary>
    private static bool Number(ref string s, bool fixedWidth, out int value)
    {
        value = 0;
        if (!IsDigit(s, 0))
        {
            return false;
        }
        if (!IsDigit(s, 1))
        {
            if (fixedWidth)
            {
                return false;
            }
            value = s[0] - '0';
            s = s[1..];
            return true;
        }
        value = ((s[0] - '0') * 10) + (s[1] - '0');
        s = s[2..];
        return true;
    }

    /// <summary>The time package's own quoting: <c>"</c> and <c>\</c> escaped, other non-printable or non-ASCII bytes as <c>\xNN</c>.</summary>
    private static string QuoteTime(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c >= 0x80 || c < ' ')
            {
                foreach (var b in Encoding.UTF8.GetBytes(c.ToString()))
                {
                    builder.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            else
            {
                if (c is '"' or '\\')
                {
                    builder.Append('\\');
                }
                builder.Append(c);
            }
        }
        return builder.Append('"').ToString();
    }
}
