using System.Diagnostics;
using System.Text;
using Emulator.Processes;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// A running <c>emulator up</c> on a free loopback port with its own state directory; disposing kills it (and its
/// children) so no process outlives the test.
/// </summary>
public sealed class EmulatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private EmulatorProcess(Process process, string stateDirectory)
    {
        _process = process;
        StateDirectory = stateDirectory;
    }

    public string StateDirectory { get; }

    public string Kubeconfig => Path.Combine(StateDirectory, "kubeconfig");

    public Uri ApiAddress { get; private set; } = null!;

    private readonly TaskCompletionSource<string> _console = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The console endpoint's HOST:PORT, once <c>emulator up</c> printed it (after the API address).</summary>
    public Task<string> ConsoleAddress => _console.Task.WaitAsync(TimeSpan.FromSeconds(60));

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

    /// <summary>
    /// Starts the emulator and waits until it prints its API address; <paramref name="extraArguments"/> go after the
    /// defaults (e.g. <c>--nodes 3 --time-scale 20</c>).
    /// </summary>
    public static async Task<EmulatorProcess> StartAsync(string stateDirectory, params string[] extraArguments)
    {
        var process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { EmulatorDll(), "up", "--api-port", "0", "--console-port", "0", "--state", stateDirectory },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        foreach (var argument in extraArguments)
        {
            process.StartInfo.ArgumentList.Add(argument);
        }
        var started = new EmulatorProcess(process, stateDirectory);
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (started._output)
            {
                started._output.AppendLine(e.Data);
            }
            if (e.Data.StartsWith("console:", StringComparison.Ordinal) && e.Data["console:".Length..].Trim().Split(' ')[0] is var console && console.Contains(':', StringComparison.Ordinal))
            {
                started._console.TrySetResult(console);
            }
            if (e.Data.StartsWith("Kubernetes API:", StringComparison.Ordinal))
            {
                ready.TrySetResult(new Uri(e.Data["Kubernetes API:".Length..].Trim()));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (started._output)
                {
                    started._output.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var first = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != ready.Task)
        {
            await started.DisposeAsync();
            throw new InvalidOperationException($"emulator up did not start:\n{started.Output}");
        }
        started.ApiAddress = await ready.Task;
        return started;
    }

    /// <summary>Stops the emulator with SIGTERM (a clean stop) and waits for it.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            var exited = await Task.WhenAny(_process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    /// <summary>Runs the built <c>emulator</c> CLI once (e.g. <c>node stop node-1 --kubeconfig …</c>) and returns how it ended.</summary>
    public static Task<KubectlResult> RunCliAsync(params string[] arguments) => RunCliAsync(TimeSpan.FromSeconds(60), arguments);

    /// <summary>Runs the built <c>emulator</c> CLI once, killing it after <paramref name="limit"/>.</summary>
    public static async Task<KubectlResult> RunCliAsync(TimeSpan limit, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(EmulatorDll());
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"emulator {string.Join(' ', arguments)} did not finish");
        }
        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }

    internal static string EmulatorDll() => EmulatorBuild.EmulatorDll();

    /// <summary>The repository's root: the test binaries sit in tests/PROJECT/bin/CONFIGURATION/TFM.</summary>
    internal static string RepositoryRoot() => EmulatorBuild.RepositoryRoot();
}
