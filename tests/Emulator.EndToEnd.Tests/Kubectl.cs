using System.Diagnostics;

namespace Emulator.EndToEnd.Tests;

/// <summary>The result of one kubectl run.</summary>
public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    public KubectlResult Succeeded()
    {
        Assert.True(ExitCode == 0, $"kubectl failed ({ExitCode}): {Stderr}{Stdout}");
        return this;
    }
}

/// <summary>
/// Runs a real, versioned kubectl binary (found next to the file behind the <c>kubectl</c> on PATH) with a fresh HOME
/// (kubectl caches discovery per host:port) against the emulator's kubeconfig.
/// </summary>
public sealed class Kubectl(string binary, string kubeconfig, string home)
{
    /// <summary>The folder holding <c>kubectl.1.27</c> … <c>kubectl.1.33</c>; fails (never skips) when kubectl is missing.</summary>
    public static string BinaryFor(string version)
    {
        var onPath = Environment.GetEnvironmentVariable("PATH")!.Split(':')
            .Select(p => Path.Combine(p, "kubectl")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("kubectl is not on PATH: the end-to-end tests need the real kubectl");
        var real = new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onPath;
        var binary = Path.Combine(Path.GetDirectoryName(real)!, $"kubectl.{version}");
        return File.Exists(binary) ? binary : throw new InvalidOperationException($"kubectl {version} not found at {binary}");
    }

    /// <summary>Environment variables set for every run of this client (e.g. <c>KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false</c>).</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    /// <summary>The same client with one more environment variable.</summary>
    public Kubectl WithVariable(string name, string value) =>
        new(binary, kubeconfig, home) { Variables = new Dictionary<string, string>(Variables) { [name] = value } };

    public async Task<KubectlResult> Run(params string[] args) => await RunWithInput(null, args);

    public async Task<KubectlResult> RunWithInput(string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(kubeconfig);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["HOME"] = home;
        info.Environment.Remove("KUBECONFIG");
        foreach (var (name, value) in Variables)
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish");
        }
        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running kubectl (e.g. <c>get -w</c>); the caller kills it.</summary>
    public Process Start(params string[] args) => Start(false, args);

    /// <summary>Starts a long-running kubectl whose standard input the caller writes (an interactive <c>exec -i</c>).</summary>
    public Process StartWithInput(params string[] args) => Start(true, args);

    private Process Start(bool input, string[] args)
    {
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input, UseShellExecute = false };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(kubeconfig);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["HOME"] = home;
        foreach (var (name, value) in Variables)
        {
            info.Environment[name] = value;
        }
        return Process.Start(info)!;
    }
}
