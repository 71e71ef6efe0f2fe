using System.Diagnostics;
using System.Text;

namespace Emulator.Processes;

/// <summary>
/// One <c>emulator</c> process of a multi-process cluster (<c>control-plane</c>, <c>worker</c> or <c>up</c>), started
/// with <c>dotnet emulator.dll ARGUMENTS</c>. It reads the addresses the process prints at start-up and is killed with
/// SIGKILL, as in a crash; whoever launches members kills every one of them, on failure too.
/// </summary>
public sealed class EmulatorMember
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EmulatorMember(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>The name the launcher gave the member (used in messages only).</summary>
    public string Name { get; }

    /// <summary>The Kubernetes API address, once a control-plane member printed it.</summary>
    public Uri? Api { get; private set; }

    /// <summary>The member's Akka.Cluster address as HOST:PORT, once printed.</summary>
    public string ClusterAddress { get; private set; } = "";

    /// <summary>The console endpoint's HOST:PORT, for <c>emulator pbm</c>, once printed.</summary>
    public string ConsoleAddress { get; private set; } = "";

    /// <summary>The operating system's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Completes when the member printed its "Press Ctrl-C" line (it is up); fails when it exits first, with its output.
    /// </summary>
    public Task StartedWithin(TimeSpan timeout) => _started.Task.WaitAsync(timeout);

    /// <summary>The exit code, once the process ended.</summary>
    public Task<int> ExitCode => _process.WaitForExitAsync().ContinueWith(_ => _process.ExitCode, TaskScheduler.Default);

    /// <summary>Everything the member wrote to standard output and standard error so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The last <paramref name="characters"/> characters of <see cref="Output"/>, for error messages.</summary>
    public string Tail(int characters = 4000)
    {
        var text = Output;
        return text.Length > characters ? text[^characters..] : text;
    }

    /// <summary>Starts <c>dotnet emulator.dll ARGUMENTS</c> with its output captured.</summary>
    public static EmulatorMember Launch(string name, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(EmulatorBuild.EmulatorDll());
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var member = new EmulatorMember(name, new Process { StartInfo = info, EnableRaisingEvents = true });
        member._process.OutputDataReceived += (_, e) => member.Read(e.Data, error: false);
        member._process.ErrorDataReceived += (_, e) => member.Read(e.Data, error: true);
        member._process.Exited += (_, _) => member._started.TrySetException(new InvalidOperationException($"{name} exited:\n{member.Tail()}"));
        member._process.Start();
        member._process.BeginOutputReadLine();
        member._process.BeginErrorReadLine();
        return member;
    }

    private void Read(string? line, bool error)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (error)
        {
            return;
        }
        if (line.StartsWith("cluster:", StringComparison.Ordinal))
        {
            ClusterAddress = line["cluster:".Length..].Trim().Split(' ')[0];
        }
        else if (line.StartsWith("console:", StringComparison.Ordinal))
        {
            ConsoleAddress = line["console:".Length..].Trim().Split(' ')[0];
        }
        else if (line.StartsWith("Kubernetes API:", StringComparison.Ordinal))
        {
            Api = new Uri(line["Kubernetes API:".Length..].Trim());
        }
        else if (line.StartsWith("Press Ctrl-C", StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }

    /// <summary>SIGKILL for the member and its children: it gets no chance to leave the cluster, as in a crash.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }
    }
}
