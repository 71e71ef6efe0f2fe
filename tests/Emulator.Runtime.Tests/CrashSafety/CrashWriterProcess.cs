using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Emulator.Runtime.Tests.CrashSafety;

/// <summary>
/// One run of the crash writer (tests/Emulator.Runtime.CrashWriter) as a child process: what it reported recovering,
/// what it acknowledged, and a SIGKILL once it acknowledged enough.
/// </summary>
internal static class CrashWriterProcess
{
    public const string Manifest = "crash.written";

    /// <summary>What one incarnation of the writer said before it was killed.</summary>
    public sealed record Run(IReadOnlyDictionary<string, long> Recovered, IReadOnlyList<(string Id, long SequenceNr)> Acks, IReadOnlyList<string> Corrupt);

    /// <summary>The writer's dll, built with the same configuration as this test assembly (a project reference builds it first).</summary>
    public static string Dll()
    {
        // bin/<Configuration>/<tfm>/ of this project → the same folders of the writer project.
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = baseDirectory.Name;
        var configuration = baseDirectory.Parent!.Name;
        var testsFolder = baseDirectory.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(testsFolder, "Emulator.Runtime.CrashWriter", "bin", configuration, tfm, "Emulator.Runtime.CrashWriter.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"crash writer not built at {dll}");
    }

    /// <summary>
    /// Starts the writer with <paramref name="arguments"/>, waits until every one of its <paramref name="writers"/>
    /// ids recovered and it acknowledged <paramref name="killAfter"/> more events, waits <paramref name="extraDelay"/>
    /// more, then SIGKILLs it: no chance to flush or close anything.
    /// </summary>
    public static async Task<Run> RunAndKillAsync(IReadOnlyList<string> arguments, int writers, int killAfter, TimeSpan extraDelay)
    {
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        process.StartInfo.ArgumentList.Add(Dll());
        foreach (var argument in arguments)
        {
            process.StartInfo.ArgumentList.Add(argument);
        }
        process.StartInfo.ArgumentList.Add(writers.ToString(CultureInfo.InvariantCulture));

        var gate = new object();
        var recovered = new Dictionary<string, long>();
        var acks = new List<(string, long)>();
        var corrupt = new List<string>();
        var other = new StringBuilder();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }
            var parts = line.Split(' ');
            lock (gate)
            {
                switch (parts[0])
                {
                    case "ACK" when parts.Length == 3:
                        acks.Add((parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture)));
                        break;
                    case "RECOVERED" when parts.Length == 3:
                        recovered[parts[1]] = long.Parse(parts[2], CultureInfo.InvariantCulture);
                        break;
                    case "CORRUPT":
                        corrupt.Add(line);
                        enough.TrySetResult();
                        break;
                    default:
                        other.AppendLine(line);
                        break;
                }
                if (recovered.Count == writers && acks.Count >= killAfter)
                {
                    enough.TrySetResult();
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (gate)
                {
                    other.AppendLine(e.Data);
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
                lock (gate)
                {
                    Assert.Fail($"the writer recovered {recovered.Count} of {writers} ids and made {acks.Count} acknowledgements before {(process.HasExited ? "exiting" : "timing out")}; other output:\n{other}");
                }
            }
            await Task.Delay(extraDelay);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
        }
        lock (gate)
        {
            return new Run(new Dictionary<string, long>(recovered), [.. acks], [.. corrupt]);
        }
    }
}
