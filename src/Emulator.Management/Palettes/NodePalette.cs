using Akka.Actor;
using Emulator.ControlPlane.Nodes;

namespace Emulator.Management.Palettes;

/// <summary>
/// <c>node list | stop NAME | start NAME</c>: the emulated nodes this process hosts. Stopping a node is a node failure
/// as the control plane sees it: its heartbeats stop, and the node lifecycle controller takes it from there.
/// </summary>
public sealed class NodePalette(IActorRef nodes, TimeSpan askTimeout) : Palette
{
    /// <inheritdoc />
    public override string Name => "node";

    /// <inheritdoc />
    public override string Description => "the emulated nodes of this process";

    /// <inheritdoc />
    public override IReadOnlyList<ConsoleCommandInfo> Commands { get; } =
    [
        new("list", "list", "the emulated nodes and whether each runs"),
        new("stop", "stop NAME", "stop a node: it stops heartbeating and the control plane declares it lost"),
        new("start", "start NAME", "start a stopped node again"),
    ];

    /// <inheritdoc />
    public override async Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken)
    {
        if (command == "list")
        {
            arguments.Done();
            var hosted = await nodes.Ask<HostedNodes>(new ListHostedNodes(), askTimeout, cancellationToken).ConfigureAwait(false);
            await output.Table(["NAME", "STATE"], hosted.Nodes.Select(n => (IReadOnlyList<string>)[n.Name, n.Running ? "running" : "stopped"])).ConfigureAwait(false);
            return 0;
        }
        var name = arguments.Next("NAME");
        arguments.Done();
        var reply = await nodes.Ask<NodeCommandReply>(command == "stop" ? new StopNode(name) : new StartNode(name), askTimeout, cancellationToken).ConfigureAwait(false);
        if (!reply.Success)
        {
            throw new ConsoleCommandException(reply.Message);
        }
        await output.Line(reply.Message).ConfigureAwait(false);
        return 0;
    }

    /// <inheritdoc />
    public override IEnumerable<string> Complete(string command, string partial)
    {
        if (command is not ("stop" or "start"))
        {
            return [];
        }
        var hosted = nodes.Ask<HostedNodes>(new ListHostedNodes(), askTimeout).GetAwaiter().GetResult();
        return hosted.Nodes.Select(n => n.Name).Where(n => n.StartsWith(partial, StringComparison.Ordinal));
    }
}
