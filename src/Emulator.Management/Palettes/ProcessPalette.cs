using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;

namespace Emulator.Management.Palettes;

/// <summary>
/// <c>process info</c>: the operating-system process this console belongs to — its id, the machine it runs on and when
/// it started — beside its cluster address and roles. It is what a tool needs to act on the process itself, as a chaos
/// experiment's <c>kill-process</c> does (it SIGKILLs a member it finds on its own machine) — and its command line and
/// working directory, with which the experiment starts it again after the fault's <c>for</c>. <c>process kill</c>: the
/// process SIGKILLs itself once the answer is out (nothing shuts down gracefully), which is how an experiment kills a
/// member on another machine, such as a container whose restart policy brings it back.
/// </summary>
public sealed class ProcessPalette(ActorSystem system) : Palette
{
    /// <inheritdoc />
    public override string Name => "process";

    /// <inheritdoc />
    public override string Description => "the operating-system process of this member";

    // Long enough for the answer to reach the client before the process dies.
    private static readonly TimeSpan KillDelay = TimeSpan.FromMilliseconds(200);

    /// <inheritdoc />
    public override IReadOnlyList<ConsoleCommandInfo> Commands { get; } =
    [
        new("info", "info", "process id, host, start time, cluster address, roles, command line and working directory of this member"),
        new("kill", "kill", "SIGKILL this member's process once the answer is out (no graceful shutdown: a crash as the cluster sees it)"),
    ];

    /// <inheritdoc />
    public override async Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken)
    {
        arguments.Done();
        using var process = Process.GetCurrentProcess();
        if (command == "kill")
        {
            var pid = process.Id;
            await output.Value(new System.Text.Json.Nodes.JsonObject { ["pid"] = pid.ToString(CultureInfo.InvariantCulture), ["host"] = Environment.MachineName },
                () => $"killing process {pid.ToString(CultureInfo.InvariantCulture)} on {Environment.MachineName}").ConfigureAwait(false);
            // After the answer has reached the client: Process.Kill is SIGKILL on Unix (TerminateProcess on Windows).
            _ = Task.Run(async () =>
            {
                await Task.Delay(KillDelay).ConfigureAwait(false);
                using var self = Process.GetCurrentProcess();
                self.Kill(entireProcessTree: false);
            }, CancellationToken.None);
            return 0;
        }
        var member = system is ExtendedActorSystem { Provider: IClusterActorRefProvider } ? Akka.Cluster.Cluster.Get(system) : null;
        await output.Table(["PID", "HOST", "STARTED", "ADDRESS", "ROLES", "COMMAND", "DIRECTORY"],
        [[
            process.Id.ToString(CultureInfo.InvariantCulture),
            Environment.MachineName,
            ConsoleOutput.Time(process.StartTime.ToUniversalTime()),
            member is null ? "-" : MemberAddress.Endpoint(member.SelfAddress),
            member is null ? "-" : string.Join(",", member.SelfRoles.Order(StringComparer.Ordinal)),
            ShellWords.Join(CommandLine()),
            Environment.CurrentDirectory,
        ]]).ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// The process's command line: the executable's full path, then the arguments it was given (on Linux as the kernel
    /// keeps them; elsewhere as .NET reports them, the entry assembly first when a host such as <c>dotnet</c> runs it).
    /// </summary>
    private static IReadOnlyList<string> CommandLine()
    {
        var executable = Environment.ProcessPath ?? "";
        try
        {
            var raw = File.ReadAllText("/proc/self/cmdline");
            var arguments = raw.TrimEnd('\0').Split('\0');
            if (arguments.Length > 0)
            {
                return [executable, .. arguments.Skip(1)];
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        var given = Environment.GetCommandLineArgs();
        var hosted = given.Length > 0 && !string.Equals(Path.GetFullPath(given[0]), executable, StringComparison.Ordinal);
        return [executable, .. hosted ? given : given.Skip(1)];
    }
}
