using System.CommandLine;
using Akka.Configuration;
using Emulator.Cluster;
using Emulator.Management;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator control-plane</c> and <c>emulator worker</c>: one emulated cluster over several processes, members of
/// one Akka cluster. Control-plane members hold the API store and the controllers (singletons on the oldest) and each
/// serves the API; workers host emulated nodes.
/// </summary>
public static class ClusterCommands
{
    /// <summary>Builds <c>emulator control-plane</c>.</summary>
    public static Command ControlPlane()
    {
        var shared = new SharedOptions();
        var apiPort = new Option<int>("--api-port") { Description = "Port of the Kubernetes API on --api-address (0 picks a free port)", DefaultValueFactory = _ => 6443 };
        var apiAddress = new Option<string>("--api-address") { Description = "Address the Kubernetes API listens on (127.0.0.1: this machine only; 0.0.0.0 in a container whose port is published)", DefaultValueFactory = _ => "127.0.0.1" };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Where to write the kubeconfig (default: <state>/kubeconfig)" };
        var command = new Command("control-plane", "Run a control-plane member: the API store and controllers (on the oldest member) and the Kubernetes API") { apiPort, apiAddress, kubeconfig };
        shared.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var port = result.GetValue(apiPort);
            if (port is < 0 or > 65535)
            {
                Console.Error.WriteLine($"emulator control-plane: --api-port must be between 0 and 65535, got {port}");
                return 2;
            }
            if (!System.Net.IPAddress.TryParse(result.GetValue(apiAddress), out var address))
            {
                Console.Error.WriteLine($"emulator control-plane: --api-address must be an IP address, got {result.GetValue(apiAddress)}");
                return 2;
            }
            if (shared.Read(result, "control-plane", [ClusterRoles.ControlPlane], []) is not { } options)
            {
                return 2;
            }
            var kubeconfigPath = Path.GetFullPath(result.GetValue(kubeconfig) ?? Path.Combine(options.StateDirectory, "kubeconfig"));
            return await Run("control-plane", result, shared, options with { ApiPort = port, ApiAddress = address, KubeconfigPath = kubeconfigPath, Nodes = 0 }, cancellationToken);
        });
        return command;
    }

    /// <summary>Builds <c>emulator worker</c>.</summary>
    public static Command Worker()
    {
        var shared = new SharedOptions();
        var join = new Option<string[]>("--join") { Description = "A control-plane member to join (HOST:CLUSTER-PORT; repeatable, as --seed)", AllowMultipleArgumentsPerToken = false };
        var nodes = new Option<int>("--nodes") { Description = "How many emulated nodes this worker hosts", DefaultValueFactory = _ => 3 };
        var name = new Option<string>("--name") { Description = "The worker's name: its nodes are <name>-node-1...; a restarted worker with the same name brings its nodes back", DefaultValueFactory = _ => "worker" };
        var pullDelay = new Option<double>("--image-pull-delay") { Description = "Seconds (emulated) an image pull takes", DefaultValueFactory = _ => 2.0 };
        var command = new Command("worker", "Run a worker: emulated nodes (node agents and kubelets) that reach the store through the cluster") { join, nodes, name, pullDelay };
        shared.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var nodeCount = result.GetValue(nodes);
            if (nodeCount is < 0 or > 10_000)
            {
                Console.Error.WriteLine($"emulator worker: --nodes must be between 0 and 10000, got {nodeCount}");
                return 2;
            }
            var workerName = result.GetValue(name)!;
            if (!System.Text.RegularExpressions.Regex.IsMatch(workerName, "^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$"))
            {
                Console.Error.WriteLine($"emulator worker: --name must be a DNS label (lower-case letters, digits and '-'), got {workerName}");
                return 2;
            }
            var joins = result.GetValue(join) ?? [];
            if (shared.Read(result, "worker", [ClusterRoles.Worker], joins) is not { } options)
            {
                return 2;
            }
            if (options.Membership!.Seeds is not { Count: > 0 })
            {
                Console.Error.WriteLine("emulator worker: --join HOST:PORT is required (a control-plane member's cluster address)");
                return 2;
            }
            var pull = result.GetValue(pullDelay);
            return await Run("worker", result, shared, options with { Nodes = nodeCount, WorkerName = workerName, ImagePullDelay = TimeSpan.FromSeconds(pull) }, cancellationToken);
        });
        return command;
    }

    private static async Task<int> Run(string verb, ParseResult result, SharedOptions shared, ClusterHostOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await using var member = await ClusterHost.StartAsync(options, cancellationToken);
            Console.WriteLine($"cluster:        {member.ClusterAddress} ({string.Join(", ", options.Membership!.Roles)})");
            if (options.Membership.IsControlPlane)
            {
                Console.WriteLine($"Kubernetes API: {member.ApiAddress}");
                Console.WriteLine($"kubeconfig:     {options.KubeconfigPath}");
            }
            else
            {
                Console.WriteLine($"nodes:          {options.Nodes} ({options.WorkerName}-node-1...)");
            }
            Console.WriteLine($"time scale:     {member.TimeScale}");
            await using var console = ConsoleOptions.Start(
                new ProcessConsoleTargets(member.System, options.Membership.IsControlPlane ? member.Store : null, options.Membership.IsWorker ? member.Nodes : null, member.StoreTimeout),
                result, shared.ConsoleAddress, shared.ConsolePort, member.Logging);
            Console.WriteLine("Press Ctrl-C to stop.");
            // A member that is downed (the Split Brain Resolver on the minority side of a partition, or `cluster down`)
            // shuts its actor system down and can only come back as a new incarnation: the process exits, for whatever
            // runs it (compose, systemd, a script) to start it again.
            var stopping = UpCommand.WaitForShutdown(cancellationToken);
            if (await Task.WhenAny(stopping, member.System.WhenTerminated) != stopping)
            {
                Console.Error.WriteLine($"emulator {verb}: this member was removed from the cluster (downed): exiting; start it again to rejoin");
                return 1;
            }
            Console.WriteLine("Stopping...");
            return 0;
        }
        catch (ClusterStartException e)
        {
            Console.Error.WriteLine($"emulator {verb}: {e.Message}");
            return 1;
        }
    }

    /// <summary>The flags every cluster role takes.</summary>
    private sealed class SharedOptions
    {
        private readonly Option<int> _clusterPort = new("--cluster-port") { Description = "Port of this member in the Akka cluster (0 picks a free port)", DefaultValueFactory = _ => 0 };
        private readonly Option<string> _host = new("--cluster-host") { Description = "Address other members reach this one on (the cluster binds to loopback unless told otherwise)", DefaultValueFactory = _ => "127.0.0.1" };
        private readonly Option<string?> _bind = new("--cluster-bind") { Description = "Address the cluster listens on when it is not --cluster-host (e.g. 0.0.0.0 in a container reached by its service name)" };
        private readonly Option<string[]> _seeds = new("--seed") { Description = "A member to join (HOST:PORT; repeatable); none: this member starts the cluster" };
        private readonly Option<string?> _postgres = new("--postgres") { Description = "PostgreSQL connection string of the journal the members share (required with more than one process)" };
        private readonly Option<double> _timeScale = new("--time-scale") { Description = "Emulated seconds per real second; every member must run the same", DefaultValueFactory = _ => 1.0 };
        private readonly Option<string?> _config = new("--config") { Description = "HOCON settings over the defaults (a copy of the defaults: config/emulator.conf); --time-scale wins over its time-scale" };
        private readonly Option<string> _state = new("--state") { Description = "Directory holding this member's local state (the cluster's CA)", DefaultValueFactory = _ => ".emulator" };

        /// <summary><c>--console-port</c>: every member serves a console.</summary>
        public Option<int> ConsolePort { get; } = ConsoleOptions.Port();

        /// <summary><c>--console-address</c>.</summary>
        public Option<string> ConsoleAddress { get; } = ConsoleOptions.Address();

        public void AddTo(Command command)
        {
            command.Options.Add(ConsolePort);
            command.Options.Add(ConsoleAddress);
            command.Options.Add(_clusterPort);
            command.Options.Add(_host);
            command.Options.Add(_bind);
            command.Options.Add(_seeds);
            command.Options.Add(_postgres);
            command.Options.Add(_timeScale);
            command.Options.Add(_state);
            command.Options.Add(_config);
        }

        public ClusterHostOptions? Read(ParseResult result, string verb, IReadOnlyList<string> roles, IReadOnlyList<string> extraSeeds)
        {
            var port = result.GetValue(_clusterPort);
            if (port is < 0 or > 65535)
            {
                Console.Error.WriteLine($"emulator {verb}: --cluster-port must be between 0 and 65535, got {port}");
                return null;
            }
            var seeds = (result.GetValue(_seeds) ?? []).Concat(extraSeeds).ToArray();
            if (seeds.FirstOrDefault(s => !IsHostPort(s)) is { } bad)
            {
                Console.Error.WriteLine($"emulator {verb}: {bad}: expected HOST:PORT");
                return null;
            }
            var scale = result.GetValue(_timeScale);
            if (!(scale is > 0 and <= 10_000))
            {
                Console.Error.WriteLine($"emulator {verb}: --time-scale must be greater than 0 and at most 10000, got {scale}");
                return null;
            }
            var postgres = result.GetValue(_postgres) ?? Environment.GetEnvironmentVariable("EMULATOR_POSTGRES");
            if (postgres is null && (seeds.Length > 0 || !roles.Contains(ClusterRoles.ControlPlane)))
            {
                Console.Error.WriteLine($"emulator {verb}: --postgres CONNECTION is required: the members of a cluster of several processes share one journal");
                return null;
            }
            Config? settings = null;
            if (result.GetValue(_config) is { } configFile && SettingsFile.TryRead(configFile, out settings) is { } error)
            {
                Console.Error.WriteLine($"emulator {verb}: --config {configFile}: {error}");
                return null;
            }
            var state = Path.GetFullPath(result.GetValue(_state)!);
            var membership = new ClusterMembership(roles, result.GetValue(_host)!, port, seeds, result.GetValue(_bind));
            return new ClusterHostOptions(state, 0, Path.Combine(state, "kubeconfig"), 0, scale, Settings: settings, Membership: membership, Postgres: postgres);
        }

        private static bool IsHostPort(string value) =>
            value.LastIndexOf(':') is var colon and > 0 && int.TryParse(value[(colon + 1)..], out var p) && p is > 0 and <= 65535;
    }
}
