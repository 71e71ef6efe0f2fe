using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Emulator.Runtime.Serialization;
using Emulator.Runtime.Tests.Support;
using Emulator.TestKit;

namespace Emulator.Runtime.Tests.CrashSafety;

/// <summary>
/// Kills a process that persists events with Akka.Persistence.Sql (SIGKILL, at seeded random moments, many times)
/// and checks that every event it acknowledged survived: after each kill the next incarnation's recovery finds every
/// acknowledged event (contiguous and intact, which the writer checks while replaying), and at the end a recovery in
/// this process reads every id back, contiguous from 1, not duplicated, and intact.
/// </summary>
public abstract class CrashSafetyContract : EmulatorTestKit
{
    /// <summary>Ids the writer persists to; even ones use Persist, odd ones PersistAsync with several writes in flight.</summary>
    private const int Writers = 4;

    /// <summary>
    /// Kills per database (20 in all with PostgreSQL). Each kill costs a process start, about two seconds of CPU, most
    /// of it Akka.Persistence.Sql and linq2db warming up, so the default keeps the project's tests well under a minute
    /// on two cores; EMULATOR_CRASH_KILLS raises it for a longer soak (the kernel's test did 24).
    /// </summary>
    private static readonly int Kills =
        int.TryParse(Environment.GetEnvironmentVariable("EMULATOR_CRASH_KILLS"), CultureInfo.InvariantCulture, out var kills) && kills > 0 ? kills : 10;

    protected CrashSafetyContract()
        : base(seed: null)
    {
    }

    /// <summary>The writer's arguments naming the database (before the id count).</summary>
    protected abstract IReadOnlyList<string> WriterArguments { get; }

    /// <summary>Journal settings of the same database, for the final recovery in this process.</summary>
    protected abstract Config JournalConfig { get; }

    /// <summary>Seeds the kill moments (each database its own, so they do not crash at the same points).</summary>
    protected abstract int Seed { get; }

    [StoreFact]
    public async Task Every_acknowledged_event_survives_repeated_sigkill()
    {
        var random = new Random(Seed);
        var acknowledged = new Dictionary<string, long>();
        for (var round = 0; round < Kills; round++)
        {
            var killAfter = random.Next(1, 400);
            var extraDelay = TimeSpan.FromMilliseconds(random.Next(0, 20));
            var run = await CrashWriterProcess.RunAndKillAsync(WriterArguments, Writers, killAfter, extraDelay);

            Assert.True(run.Corrupt.Count == 0, $"round {round}: recovery found damaged or missing events: {string.Join("; ", run.Corrupt)}");
            Assert.Equal(Writers, run.Recovered.Count);
            foreach (var (id, recoveredTo) in run.Recovered)
            {
                // The recovery after the previous kill found every event acknowledged before it.
                var before = acknowledged.GetValueOrDefault(id);
                Assert.True(recoveredTo >= before, $"round {round}: {id} recovered up to {recoveredTo}, but {before} had been acknowledged");
                acknowledged[id] = recoveredTo;
            }
            foreach (var (id, sequenceNr) in run.Acks)
            {
                // Each incarnation acknowledges one event after the other, carrying on from what it recovered: a
                // restarted writer never hands out a sequence number that was already acknowledged.
                Assert.Equal(acknowledged[id] + 1, sequenceNr);
                acknowledged[id] = sequenceNr;
            }
        }

        var final = await RecoverAllAsync(acknowledged.Keys);
        foreach (var (id, highestAcked) in acknowledged)
        {
            var events = final[id];
            Assert.True(events.Count >= highestAcked, $"{id}: {highestAcked} acknowledged, {events.Count} recovered");
            for (var i = 0; i < events.Count; i++)
            {
                Assert.Equal(i + 1, events[i].JournalSequenceNr);
                Assert.Equal(events[i].JournalSequenceNr, events[i].Event.SequenceNr);
                Assert.Equal(Written.Checksum(events[i].Event.SequenceNr), events[i].Event.Check);
            }
        }
    }

    /// <summary>Recovers every id through Akka in a fresh system on the same database; returns what each replayed.</summary>
    private async Task<Dictionary<string, List<(long JournalSequenceNr, Written Event)>>> RecoverAllAsync(IEnumerable<string> ids)
    {
        using var system = ActorSystem.Create("verify", TestConfig(JournalConfig, seed: null));
        // The writer's type lives in its own assembly: the stable manifest is all the two share.
        EventSerialization.Get(system).Manifests.Register<Written>(CrashWriterProcess.Manifest);
        var result = new Dictionary<string, List<(long, Written)>>();
        foreach (var id in ids)
        {
            var reader = system.ActorOf(Props.Create(() => new Reader(id)));
            result[id] = await reader.Ask<List<(long, Written)>>(Reader.Get.Instance, TimeSpan.FromSeconds(30));
        }
        await system.Terminate();
        return result;
    }

    /// <summary>The writer's event, read back under its manifest (it repeats its sequence number so torn records show).</summary>
    public sealed record Written(long SequenceNr, string Check)
    {
        public static string Checksum(long sequenceNr) => string.Concat(Enumerable.Repeat($"{sequenceNr:x8}", 16));
    }

    /// <summary>Replays one id and hands over what it replayed.</summary>
    private sealed class Reader(string persistenceId) : PersistentActor
    {
        public sealed record Get
        {
            public static readonly Get Instance = new();
        }

        private readonly List<(long, Written)> _events = [];

        public override string PersistenceId { get; } = persistenceId;

        protected override bool ReceiveRecover(object message)
        {
            if (message is Written written)
            {
                _events.Add((LastSequenceNr, written));
            }
            return true;
        }

        protected override bool ReceiveCommand(object message)
        {
            if (message is Get)
            {
                Sender.Tell(_events);
                return true;
            }
            return false;
        }
    }
}
