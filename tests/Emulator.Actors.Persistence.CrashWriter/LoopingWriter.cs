using System.Text;

namespace Emulator.Actors.Persistence.CrashWriter;

/// <summary>An event whose payload can be checked after a crash: it repeats its own sequence number.</summary>
public sealed record Written(long SequenceNr, string Check)
{
    public const string Manifest = "crash.written";

    public static Written For(long sequenceNr) => new(sequenceNr, Checksum(sequenceNr));

    /// <summary>A payload derived from the sequence number, long enough that a torn write would be caught.</summary>
    public static string Checksum(long sequenceNr) => string.Concat(Enumerable.Repeat($"{sequenceNr:x8}", 16));
}

/// <summary>Writes acknowledgement lines; one lock so lines from many actors never interleave.</summary>
public sealed class AckWriter(Stream stdout)
{
    private readonly object _gate = new();

    public void Ack(string persistenceId, long sequenceNr)
    {
        var line = Encoding.ASCII.GetBytes($"ACK {persistenceId} {sequenceNr}\n");
        lock (_gate)
        {
            stdout.Write(line);
            stdout.Flush();
        }
    }
}

/// <summary>Recovers, then persists one event after another forever, acknowledging each once its handler ran.</summary>
public sealed class LoopingWriter : ReceivePersistentActor
{
    private readonly AckWriter _acks;

    public LoopingWriter(string persistenceId, AckWriter acks)
    {
        PersistenceId = persistenceId;
        _acks = acks;
        Recover<RecoveryCompleted>(_ => Self.Tell("next"));
        Command<string>(_ => PersistNext());
    }

    public override string PersistenceId { get; }

    private void PersistNext()
    {
        var sequenceNr = LastSequenceNr + 1;
        Persist(Written.For(sequenceNr), e =>
        {
            _acks.Ack(PersistenceId, e.SequenceNr);
            Self.Tell("next");
        });
    }
}
