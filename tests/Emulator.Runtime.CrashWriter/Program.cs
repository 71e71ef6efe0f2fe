using Akka.Actor;
using Akka.Configuration;
using Emulator.Runtime;
using Emulator.Runtime.CrashWriter;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;

// usage: CrashWriter sqlite <database file> <persistence id count>
//        CrashWriter postgresql <connection string> <schema> <persistence id count>
// Persists events forever (until killed) with Akka.Persistence.Sql. Prints "RECOVERED <persistence id> <sequence nr>"
// once each id has recovered (and "CORRUPT ..." if a replayed event is missing, out of order or damaged), then
// "ACK <persistence id> <sequence nr>" after each event is acknowledged (its persist handler ran), so the parent knows
// exactly what was promised to be durable. Even-numbered ids use Persist, odd ones PersistAsync with 4 writes in flight.
const string Usage = "usage: CrashWriter sqlite <database file> <count> | CrashWriter postgresql <connection string> <schema> <count>";
Config journal;
string countText;
switch (args)
{
    case ["sqlite", var file, var count]:
        journal = JournalSettings.Sqlite(file);
        countText = count;
        break;
    case ["postgresql", var connectionString, var schema, var count]:
        journal = ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.sql.postgresql.schema-name = "{{schema}}"
            akka.persistence.snapshot-store.sql.postgresql.schema-name = "{{schema}}"
            """).WithFallback(JournalSettings.PostgreSql(connectionString));
        countText = count;
        break;
    default:
        Console.Error.WriteLine(Usage);
        return 2;
}
if (!int.TryParse(countText, out var writers) || writers < 1)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var config = ConfigurationFactory.ParseString("akka.loglevel = WARNING")
    .WithFallback(journal)
    .WithFallback(RuntimeConfig.Defaults);
var system = ActorSystem.Create("crash-writer", config);
EventSerialization.Get(system).Manifests.Register<Written>(Written.Manifest);
for (var i = 0; i < writers; i++)
{
    var persistenceId = $"writer-{i}";
    var inFlight = i % 2 == 0 ? 0 : 4;
    system.ActorOf(Props.Create(() => new LoopingWriter(persistenceId, inFlight)), persistenceId);
}
await system.WhenTerminated;
return 0;
