using System.CommandLine;
using Emulator.Cli;

var root = new RootCommand("Emulator: a Kubernetes cluster emulator built on actors")
{
    UpCommand.Create(),
    NodeCommand.Create(),
    ClusterCommands.ControlPlane(),
    ClusterCommands.Worker(),
};
return await root.Parse(args).InvokeAsync();
