using System.Globalization;

namespace Emulator.Kubernetes;

/// <summary>
/// Kubernetes timestamps: <c>metav1.Time</c> serializes as RFC 3339 in UTC with second precision
/// (<c>2024-01-02T03:04:05Z</c>); <c>metav1.MicroTime</c> (Event eventTime, Lease renewTime) keeps microseconds.
/// </summary>
public static class Rfc3339Time
{
    /// <summary>Formats with second precision in UTC, as <c>metav1.Time</c> does.</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Formats with microsecond precision in UTC, as <c>metav1.MicroTime</c> does.</summary>
    public static string FormatMicro(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses an RFC 3339 timestamp (any offset, optional fraction).</summary>
    /// <exception cref="FormatException">When the text is not RFC 3339.</exception>
    public static DateTimeOffset Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"parsing time \"{text}\" as RFC 3339 failed");

    /// <summary>Tries to parse an RFC 3339 timestamp.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrEmpty(text) || text.Length < 20 || (text[10] != 'T' && text[10] != 't'))
        {
            return false;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    /// <summary>Truncates to whole seconds, the precision stored for <c>metav1.Time</c>.</summary>
    public static DateTimeOffset TruncateToSeconds(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
