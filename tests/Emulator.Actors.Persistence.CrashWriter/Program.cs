using Emulator.Actors;
using Emulator.Actors.Persistence;
using Emulator.Actors.Persistence.CrashWriter;
using Emulator.Actors.Persistence.Serialization;
using Emulator.Actors.Persistence.Sqlite;

// usage: CrashWriter <database file> <persistence id count>
// Persists events forever (until killed). Prints "ACK <persistence id> <sequence nr>" after each event is acknowledged
// (its persist handler ran), so the parent knows exactly what was promised to be durable.
if (args.Length != 2 || !int.TryParse(args[1], out var writers) || writers < 1)
{
    Console.Error.WriteLine("usage: CrashWriter <database file> <persistence id count>");
    return 2;
}
var system = ActorSystem.Create("crash-writer", ActorSystemSettings.Default with { LogToStandardError = false });
var serializer = new EventSerializer().Register<Written>(Written.Manifest);
await Persistence.StartAsync(system, new PersistenceSettings(new SqliteJournalStore(args[0]), new SqliteSnapshotStore(args[0]), serializer));
var output = new AckWriter(Console.OpenStandardOutput());
for (var i = 0; i < writers; i++)
{
    var persistenceId = $"writer-{i}";
    system.ActorOf(Props.Create(() => new LoopingWriter(persistenceId, output)));
}
Console.Out.Flush();
await system.WhenTerminated;
return 0;
