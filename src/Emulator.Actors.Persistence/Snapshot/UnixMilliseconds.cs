namespace Emulator.Actors.Persistence.Snapshot;

/// <summary>Timestamps as the durable stores keep them: whole milliseconds since the unix epoch.</summary>
internal static class UnixMilliseconds
{
    /// <summary>
    /// The first whole millisecond at or after <paramref name="timestamp"/>. <see cref="DateTimeOffset.ToUnixTimeMilliseconds"/>
    /// truncates towards the past, which is right for an inclusive upper bound; an inclusive lower bound lying
    /// between two milliseconds must exclude the earlier one.
    /// </summary>
    public static long RoundedUp(DateTimeOffset timestamp)
    {
        var milliseconds = timestamp.ToUnixTimeMilliseconds();
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds) < timestamp ? milliseconds + 1 : milliseconds;
    }
}
