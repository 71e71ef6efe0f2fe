using System.Text;
using Emulator.Actors.Persistence.Journal;

namespace Emulator.Actors.Persistence.Tests.Conformance;

/// <summary>Journal rows for tests: the payload names the event, so a replayed row shows where it came from.</summary>
internal static class Rows
{
    /// <summary>Whole milliseconds: the durable stores keep timestamps as unix milliseconds.</summary>
    public static readonly DateTimeOffset BaseTime = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);

    public static JournalRow EventRow(string persistenceId, long sequenceNr, params string[] tags) =>
        new(0, persistenceId, sequenceNr, BaseTime.AddMilliseconds(sequenceNr), tags, "test.event.v1", Payload(persistenceId, sequenceNr), "writer-1");

    /// <summary>One atomic write of the events <paramref name="from"/>..<paramref name="to"/> of an id.</summary>
    public static AtomicWrite Write(string persistenceId, long from, long to, params string[] tags) =>
        new(persistenceId, [.. Enumerable.Range(0, checked((int)(to - from + 1))).Select(offset => EventRow(persistenceId, from + offset, tags))]);

    /// <summary>An atomic write of exactly the given sequence numbers (to build gaps and duplicates).</summary>
    public static AtomicWrite WriteOf(string persistenceId, params long[] sequenceNrs) =>
        new(persistenceId, [.. sequenceNrs.Select(sequenceNr => EventRow(persistenceId, sequenceNr))]);

    public static byte[] Payload(string persistenceId, long sequenceNr) => Encoding.UTF8.GetBytes($"{persistenceId}#{sequenceNr}");

    public static string Describe(JournalRow row) => Encoding.UTF8.GetString(row.Payload);

    /// <summary>The rows as "id#seq", to compare replays with one assertion.</summary>
    public static string[] Describe(IEnumerable<JournalRow> rows) => [.. rows.Select(Describe)];

    public static string[] Expected(string persistenceId, params long[] sequenceNrs) => [.. sequenceNrs.Select(sequenceNr => $"{persistenceId}#{sequenceNr}")];

    public static long[] Range(long from, long to) => [.. Enumerable.Range(0, checked((int)(to - from + 1))).Select(offset => from + offset)];
}
