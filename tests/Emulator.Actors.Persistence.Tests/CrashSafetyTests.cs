using System.Diagnostics;
using Emulator.Actors.Persistence.Sqlite;

namespace Emulator.Actors.Persistence.Tests;

/// <summary>
/// Kills a process that persists events (SIGKILL, at seeded random moments, many times) and checks that every event it
/// acknowledged survived: present, contiguous, not duplicated, and intact.
/// </summary>
public sealed class CrashSafetyTests : IDisposable
{
    private const int Writers = 4;
    private const int Kills = 24;
    private readonly string _directory = Directory.CreateTempSubdirectory("emulator-crash-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Every_acknowledged_event_survives_repeated_sigkill()
    {
        var random = new Random(20261122);
        var database = Path.Combine(_directory, "journal.db");
        var acknowledged = new Dictionary<string, long>();
        for (var round = 0; round < Kills; round++)
        {
            var killAfter = random.Next(1, 400);
            var extraDelay = TimeSpan.FromMilliseconds(random.Next(0, 20));
            var acks = await RunAndKill(database, killAfter, extraDelay);
            foreach (var (id, sequenceNr) in acks)
            {
                // Acknowledgements of one id only move forward, across incarnations too: a restarted writer never
                // hands out a sequence number that was already acknowledged.
                var previous = acknowledged.GetValueOrDefault(id);
                Assert.True(sequenceNr > previous, $"{id} acknowledged {sequenceNr} after {previous}");
                acknowledged[id] = sequenceNr;
            }
        }
        Assert.Equal(Writers, acknowledged.Count);

        await using var journal = new SqliteJournalStore(database);
        await journal.InitializeAsync();
        foreach (var (id, highestAcked) in acknowledged)
        {
            var rows = await journal.ReadByPersistenceIdAsync(id, 1, long.MaxValue, long.MaxValue);
            Assert.True(rows.Count >= highestAcked, $"{id}: {highestAcked} acknowledged, {rows.Count} stored");
            for (var i = 0; i < rows.Count; i++)
            {
                Assert.Equal(i + 1, rows[i].SequenceNr);
                var written = WrittenPayload.Read(rows[i].Manifest, rows[i].Payload);
                Assert.Equal(rows[i].SequenceNr, written.SequenceNr);
                Assert.Equal(WrittenPayload.Checksum(written.SequenceNr), written.Check);
            }
        }
    }

    private static async Task<List<(string Id, long SequenceNr)>> RunAndKill(string database, int killAfter, TimeSpan extraDelay)
    {
        var writer = CrashWriterLocation.Dll();
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { writer, database, Writers.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        var acks = new List<(string, long)>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("ACK ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                lock (acks)
                {
                    acks.Add((parts[1], long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture)));
                    if (acks.Count >= killAfter)
                    {
                        enough.TrySetResult();
                    }
                }
            }
        };
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (errors)
                {
                    errors.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var finished = await Task.WhenAny(enough.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
            if (finished != enough.Task)
            {
                Assert.Fail($"the writer made {acks.Count} acknowledgements before stopping or timing out; stderr: {errors}");
            }
            await Task.Delay(extraDelay);
        }
        finally
        {
            if (!process.HasExited)
            {
                // SIGKILL: no chance to flush or close anything.
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
        }
        lock (acks)
        {
            return [.. acks];
        }
    }
}
