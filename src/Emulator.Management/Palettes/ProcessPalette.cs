using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;

namespace Emulator.Management.Palettes;

/// <summary>
/// <c>process info</c>: the operating-system process this console belongs to — its id, the machine it runs on and when
/// it started — beside its cluster address and roles. It is what a tool needs to act on the process itself, as a chaos
/// experiment's <c>kill-process</c> does (it SIGKILLs a member it finds on its own machine, and only there).
/// </summary>
public sealed class ProcessPalette(ActorSystem system) : Palette
{
    /// <inheritdoc />
    public override string Name => "process";

    /// <inheritdoc />
    public override string Description => "the operating-system process of this member";

    /// <inheritdoc />
    public override IReadOnlyList<ConsoleCommandInfo> Commands { get; } =
    [
        new("info", "info", "process id, host, start time, cluster address and roles of this member"),
    ];

    /// <inheritdoc />
    public override async Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken)
    {
        arguments.Done();
        using var process = Process.GetCurrentProcess();
        var member = system is ExtendedActorSystem { Provider: IClusterActorRefProvider } ? Akka.Cluster.Cluster.Get(system) : null;
        await output.Table(["PID", "HOST", "STARTED", "ADDRESS", "ROLES"],
        [[
            process.Id.ToString(CultureInfo.InvariantCulture),
            Environment.MachineName,
            ConsoleOutput.Time(process.StartTime.ToUniversalTime()),
            member is null ? "-" : MemberAddress.Endpoint(member.SelfAddress),
            member is null ? "-" : string.Join(",", member.SelfRoles.Order(StringComparer.Ordinal)),
        ]]).ConfigureAwait(false);
        return 0;
    }
}
