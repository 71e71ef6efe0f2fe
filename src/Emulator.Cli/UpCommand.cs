using System.CommandLine;
using Akka.Configuration;
using Emulator.ControlPlane.NodeIpam;
using Emulator.ControlPlane.Store;
using Emulator.Management;

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
        var nodes = new Option<int>("--nodes") { Description = "How many emulated nodes to run", DefaultValueFactory = _ => 3 };
        var timeScale = new Option<double>("--time-scale") { Description = "Emulated seconds per real second (60: a minute per second)", DefaultValueFactory = _ => 1.0 };
        var pullDelay = new Option<double>("--image-pull-delay") { Description = "Seconds (emulated) an image pull takes", DefaultValueFactory = _ => 2.0 };
        var apply = new Option<string?>("--apply") { Description = "Apply the manifests in this file or directory once the nodes are ready" };
        var dnsPort = new Option<int>("--dns-port") { Description = "Port of the cluster DNS on 127.0.0.1, UDP and TCP (0, the default, picks a free port)", DefaultValueFactory = _ => 0 };
        var config = new Option<string?>("--config") { Description = "HOCON settings over the defaults (a copy of the defaults: config/emulator.conf)" };
        var consolePort = ConsoleOptions.Port();
        var consoleAddress = ConsoleOptions.Address();
        var command = new Command("up", "Run an all-in-one cluster: control plane and emulated nodes, state in --state, API on 127.0.0.1") { apiPort, state, kubeconfig, nodes, timeScale, pullDelay, apply, config, consolePort, consoleAddress, dnsPort };
        command.SetAction(async (result, cancellationToken) =>
        {
            var port = result.GetValue(apiPort);
            if (port is < 0 or > 65535)
            {
                Console.Error.WriteLine($"emulator up: --api-port must be between 0 and 65535, got {port}");
                return 2;
            }
            var dns = result.GetValue(dnsPort);
            if (dns is < 0 or > 65535)
            {
                Console.Error.WriteLine($"emulator up: --dns-port must be between 0 and 65535, got {dns}");
                return 2;
            }
            var nodeCount = result.GetValue(nodes);
            if (nodeCount is < 0 or > 10_000)
            {
                Console.Error.WriteLine($"emulator up: --nodes must be between 0 and 10000, got {nodeCount}");
                return 2;
            }
            // Given on the command line it wins over --config; otherwise the settings decide (default 1).
            double? scale = result.GetResult(timeScale) is { Implicit: false } ? result.GetValue(timeScale) : null;
            if (scale is not null && !(scale is > 0 and <= 10_000))
            {
                Console.Error.WriteLine($"emulator up: --time-scale must be greater than 0 and at most 10000, got {scale}");
                return 2;
            }
            var pull = result.GetValue(pullDelay);
            if (!(pull is >= 0 and <= 3600))
            {
                Console.Error.WriteLine($"emulator up: --image-pull-delay must be between 0 and 3600 seconds, got {pull}");
                return 2;
            }
            var manifests = result.GetValue(apply);
            if (manifests is not null && !File.Exists(manifests) && !Directory.Exists(manifests))
            {
                Console.Error.WriteLine($"emulator up: --apply {manifests}: no such file or directory");
                return 2;
            }
            var configFile = result.GetValue(config);
            Config? settings = null;
            if (configFile is not null && SettingsFile.TryRead(configFile, out settings) is { } error)
            {
                Console.Error.WriteLine($"emulator up: --config {configFile}: {error}");
                return 2;
            }
            WarnAboutPodCidrs(nodeCount, settings);
            var stateDirectory = Path.GetFullPath(result.GetValue(state)!);
            var kubeconfigPath = Path.GetFullPath(result.GetValue(kubeconfig) ?? Path.Combine(stateDirectory, "kubeconfig"));
            try
            {
                await using var cluster = await ClusterHost.StartAsync(new ClusterHostOptions(stateDirectory, port, kubeconfigPath, nodeCount, scale, TimeSpan.FromSeconds(pull), settings, dns), cancellationToken);
                Console.WriteLine($"Kubernetes API: {cluster.ApiAddress}");
                Console.WriteLine($"cluster DNS:    {cluster.DnsAddress} (UDP and TCP; zone cluster.local)");
                Console.WriteLine($"kubeconfig:     {kubeconfigPath}");
                Console.WriteLine($"state:          {stateDirectory}");
                var effectiveScale = cluster.TimeScale;
                Console.WriteLine($"nodes:          {nodeCount}{(effectiveScale != 1.0 ? $" (time x{effectiveScale})" : "")}");
                await using var console = ConsoleOptions.Start(new ProcessConsoleTargets(cluster.System, cluster.Store, cluster.Nodes, cluster.StoreTimeout), result, consoleAddress, consolePort, cluster.Logging);
                await ShowNodesComingUp(cluster, nodeCount, cancellationToken);
                if (manifests is not null)
                {
                    try
                    {
                        foreach (var line in await ManifestApplier.ApplyAsync(cluster.Store, manifests, cluster.StoreTimeout))
                        {
                            Console.WriteLine(line);
                        }
                    }
                    catch (ManifestApplyException e)
                    {
                        // The cluster keeps running: the user fixes the manifest and applies it with kubectl.
                        Console.Error.WriteLine($"emulator up: --apply: {e.Message}");
                    }
                }
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

    /// <summary>Prints how many nodes are Ready until all are (or a minute passes: the cluster runs anyway).</summary>
    private static async Task ShowNodesComingUp(ClusterHost cluster, int expected, CancellationToken cancellationToken)
    {
        if (expected == 0)
        {
            return;
        }
        var last = -1;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!cancellationToken.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            var (ready, _) = await cluster.CountReadyNodesAsync();
            if (ready != last)
            {
                Console.WriteLine($"nodes ready:    {ready}/{expected}");
                last = ready;
            }
            if (ready >= expected)
            {
                return;
            }
            await Task.Delay(200, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Waits for Ctrl-C or SIGTERM.</summary>
    internal static async Task WaitForShutdown(CancellationToken cancellationToken)
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

    /// <summary>
    /// More nodes than the cluster CIDR has node ranges for is allowed, as kube-controller-manager allows it; but the
    /// pods of the nodes without one never start, so say so before the user wonders why.
    /// </summary>
    private static void WarnAboutPodCidrs(int nodeCount, Config? settings)
    {
        NodeIpamSettings ipam;
        try
        {
            ipam = NodeIpamSettings.From((settings ?? Config.Empty).WithFallback(Emulator.Runtime.RuntimeConfig.Defaults));
        }
        catch (ConfigurationException)
        {
            return; // The cluster refuses the settings at start, with this message.
        }
        if (ipam.AllocateNodeCidrs && nodeCount > ipam.NodeCapacity)
        {
            Console.Error.WriteLine($"emulator up: warning: {nodeCount} nodes, but emulator.node-ipam.cluster-cidr {ipam.ClusterCidr} has pod CIDRs (/{ipam.NodeCidrMaskSize}) for {ipam.NodeCapacity}: "
                + "pods on the other nodes stay Pending (CIDRNotAvailable); give a larger cluster-cidr with --config");
        }
    }
}
