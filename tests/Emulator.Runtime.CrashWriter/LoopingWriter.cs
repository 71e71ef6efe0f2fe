using Akka.Actor;
using Akka.Persistence;

namespace Emulator.Runtime.CrashWriter;

/// <summary>An event whose payload can be checked after a crash: it repeats its own sequence number.</summary>
public sealed record Written(long SequenceNr, string Check)
{
    /// <summary>The stable manifest; the test reads the journal back under the same manifest with a type of its own.</summary>
    public const string Manifest = "crash.written";

    public static Written For(long sequenceNr) => new(sequenceNr, Checksum(sequenceNr));

    /// <summary>A payload derived from the sequence number, long enough that a torn write would be caught.</summary>
    public static string Checksum(long sequenceNr) => string.Concat(Enumerable.Repeat($"{sequenceNr:x8}", 16));
}

/// <summary>
/// Writes the lines the test parses. Console.Out is synchronized and flushes on every line, and Akka's own log lines
/// (stdout too) are whole lines, so an acknowledgement is on the pipe, intact, before the next persist starts.
/// </summary>
public static class Report
{
    public static void Line(string line) => Console.Out.WriteLine(line);
}

/// <summary>
/// Recovers (checking every replayed event: contiguous from 1 and intact), reports what it recovered, then persists one
/// event after another forever, acknowledging each once its handler ran, i.e. once the journal confirmed it durable.
/// With <c>inFlight</c> = 0 it uses <c>Persist</c> (one write at a time); otherwise <c>PersistAsync</c> with that many
/// writes outstanding, so crashes also land in the middle of batched writes.
/// </summary>
public sealed class LoopingWriter : PersistentActor
{
    private sealed record Next
    {
        public static readonly Next Instance = new();
    }

    private readonly int _inFlight;
    private long _expected = 1;
    private long _nextToWrite;
    private bool _corrupt;

    public LoopingWriter(string persistenceId, int inFlight)
    {
        PersistenceId = persistenceId;
        _inFlight = inFlight;
    }

    public override string PersistenceId { get; }

    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case Written e:
                if (e.SequenceNr != _expected || e.SequenceNr != LastSequenceNr || e.Check != Written.Checksum(e.SequenceNr))
                {
                    _corrupt = true;
                    Report.Line($"CORRUPT {PersistenceId} expected {_expected} at journal sequence {LastSequenceNr}, got {e.SequenceNr} / {e.Check}");
                }
                _expected = e.SequenceNr + 1;
                return true;
            case RecoveryCompleted:
                Report.Line($"RECOVERED {PersistenceId} {LastSequenceNr}");
                if (_corrupt)
                {
                    // Nothing more is written on top of a damaged journal: the test reads the report and fails.
                    Context.Stop(Self);
                    return true;
                }
                _nextToWrite = LastSequenceNr + 1;
                for (var i = 0; i < Math.Max(1, _inFlight); i++)
                {
                    Self.Tell(Next.Instance);
                }
                return true;
        }
        return false;
    }

    protected override bool ReceiveCommand(object message)
    {
        if (message is not Next)
        {
            return false;
        }
        // Sequence numbers are handed out in call order, so the payload can name the number the journal will give it.
        var @event = Written.For(_nextToWrite++);
        if (_inFlight == 0)
        {
            Persist(@event, Acknowledge);
        }
        else
        {
            PersistAsync(@event, Acknowledge);
        }
        return true;
    }

    private void Acknowledge(Written e)
    {
        Report.Line($"ACK {PersistenceId} {e.SequenceNr}");
        Self.Tell(Next.Instance);
    }
}
