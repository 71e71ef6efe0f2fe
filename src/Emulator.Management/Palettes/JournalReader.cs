using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Emulator.Management.Palettes;

/// <summary>
/// Reads the journal through Akka.Persistence.Query (the SQL plugin's read journal), as the events were persisted —
/// the console never writes to it.
/// </summary>
public sealed class JournalReader(ActorSystem system)
{
    /// <summary>The read journal's configuration path (beside the SQL journal the emulator persists to).</summary>
    public const string ReadJournalId = "akka.persistence.query.journal.sql";

    private SqlReadJournal Journal()
    {
        // Through the delayable journal too: the events it passes on are in the SQL journal it wraps.
        var plugin = Emulator.Runtime.Persistence.JournalSettings.InnerPlugin(system.Settings.Config);
        if (plugin != "akka.persistence.journal.sql")
        {
            throw new ConsoleCommandException($"the journal ({plugin}) cannot be queried: only the SQL journal (SQLite or PostgreSQL) can");
        }
        return PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(ReadJournalId);
    }

    /// <summary>Every persistence id in the journal.</summary>
    public Task<IReadOnlyList<string>> Ids(CancellationToken cancellationToken) =>
        Collect(Journal().CurrentPersistenceIds(), cancellationToken);

    /// <summary>The events of <paramref name="persistenceId"/> from sequence number <paramref name="from"/> to <paramref name="to"/>.</summary>
    public Task<IReadOnlyList<EventEnvelope>> Events(string persistenceId, long from, long to, CancellationToken cancellationToken) =>
        Collect(Journal().CurrentEventsByPersistenceId(persistenceId, from, to), cancellationToken);

    /// <summary>
    /// When an event was written: the SQL journal keeps .NET ticks (UTC) where Akka's in-memory one keeps Unix
    /// milliseconds; both read back as the same instant.
    /// </summary>
    public static DateTimeOffset WrittenAt(EventEnvelope envelope) =>
        envelope.Timestamp > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            ? new DateTimeOffset(envelope.Timestamp, TimeSpan.Zero)
            : DateTimeOffset.FromUnixTimeMilliseconds(envelope.Timestamp);

    private async Task<IReadOnlyList<T>> Collect<T>(Source<T, Akka.NotUsed> source, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        var done = source.RunForeach(items.Add, system.Materializer());
        await done.WaitAsync(cancellationToken).ConfigureAwait(false);
        return items;
    }
}
