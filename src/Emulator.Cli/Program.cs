using System.CommandLine;
using Emulator.Cli;

// pbm passes its words through untouched (palette commands have options of their own, e.g. --depth).
if (args is ["pbm", .. var pbmWords])
{
    return await PbmCommand.RunAsync(pbmWords);
}
// emulator node ... is emulator pbm node ...
if (args is ["node", .. var nodeWords] && nodeWords is not ["--help" or "-h"])
{
    return await NodeCommand.RunAsync(nodeWords);
}

var root = new RootCommand("Emulator: a Kubernetes cluster emulator built on actors")
{
    UpCommand.Create(),
    NodeCommand.Create(),
    ClusterCommands.ControlPlane(),
    ClusterCommands.Worker(),
    PbmCommand.Create(),
    ChaosCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
