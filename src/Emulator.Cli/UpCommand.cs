using System.CommandLine;

namespace Emulator.Cli;

/// <summary><c>emulator up</c>: runs the control plane in the foreground until Ctrl-C or SIGTERM.</summary>
public static class UpCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var apiPort = new Option<int>("--api-port") { Description = "Port of the Kubernetes API on 127.0.0.1 (0 picks a free port)", DefaultValueFactory = _ => 6443 };
        var state = new Option<string>("--state") { Description = "Directory holding the cluster's state (journal and snapshots)", DefaultValueFactory = _ => ".emulator" };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Where to write the kubeconfig (default: <state>/kubeconfig; ~/.kube/config is only written when named here)" };
        var command = new Command("up", "Run an all-in-one cluster: control plane with its state in --state, API on 127.0.0.1") { apiPort, state, kubeconfig };
        command.SetAction(async (result, cancellationToken) =>
        {
            var port = result.GetValue(apiPort);
            if (port is < 0 or > 65535)
            {
                Console.Error.WriteLine($"emulator up: --api-port must be between 0 and 65535, got {port}");
                return 2;
            }
            var stateDirectory = Path.GetFullPath(result.GetValue(state)!);
            var kubeconfigPath = Path.GetFullPath(result.GetValue(kubeconfig) ?? Path.Combine(stateDirectory, "kubeconfig"));
            try
            {
                await using var cluster = await ClusterHost.StartAsync(new ClusterHostOptions(stateDirectory, port, kubeconfigPath), cancellationToken);
                Console.WriteLine($"Kubernetes API: {cluster.ApiAddress}");
                Console.WriteLine($"kubeconfig:     {kubeconfigPath}");
                Console.WriteLine($"state:          {stateDirectory}");
                Console.WriteLine($"Try: KUBECONFIG={kubeconfigPath} kubectl get namespaces");
                Console.WriteLine("Press Ctrl-C to stop.");
                await WaitForShutdown(cancellationToken);
                Console.WriteLine("Stopping...");
                return 0;
            }
            catch (ClusterStartException e)
            {
                Console.Error.WriteLine($"emulator up: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task WaitForShutdown(CancellationToken cancellationToken)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.TrySetResult();
        });
        using var registration = cancellationToken.Register(() => stop.TrySetResult());
        await stop.Task;
    }
}
