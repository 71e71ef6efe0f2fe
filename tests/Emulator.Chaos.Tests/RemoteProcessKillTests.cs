using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Emulator.Chaos.Experiments;
using Emulator.Chaos.Targets;
using Emulator.Management;
using Microsoft.Extensions.Logging.Abstractions;

namespace Emulator.Chaos.Tests;

/// <summary>
/// <c>kill-process</c> against a member on another machine (an attached cluster's console reporting another host):
/// the runner tells the member to kill itself (<c>process kill</c>), waits for its console to go, and — for the fault's
/// <c>for</c> — waits for whatever supervises it there to bring it back as a new process instead of starting it.
/// </summary>
public sealed class RemoteProcessKillTests
{
    [Fact]
    public async Task A_member_on_another_host_is_told_to_kill_itself_and_awaited_back()
    {
        using var api = new AnsweringServer();
        var member = new RemoteMember();
        var port = FreePort();
        var endpoint = ConsoleEndpoint.Start(IPAddress.Loopback, port, [member], NullLogger.Instance);
        member.Killed = async () =>
        {
            // The process dies (its console with it), and its host's supervisor starts a new one on the same port.
            await endpoint.DisposeAsync();
            member.Pid++;
            endpoint = ConsoleEndpoint.Start(IPAddress.Loopback, port, [member], NullLogger.Instance);
        };
        try
        {
            var spec = new ClusterSpec(ClusterMode.Attach, 0, [$"127.0.0.1:{port}"], api.Address);
            await using var cluster = await AttachedCluster.ConnectAsync(spec);
            var process = Assert.Single(await cluster.ProcessesAsync(0));
            Assert.Equal("10.0.0.7:25523", process.Name);

            await cluster.KillProcessAsync("10.0.0.7:25523", 0);
            Assert.Equal(1, member.Kills);

            await cluster.RestartProcessAsync("10.0.0.7:25523", 0);
            Assert.Equal(101, member.Pid);
        }
        finally
        {
            await endpoint.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The <c>process</c> palette of a member on the machine "worker-host".</summary>
    private sealed class RemoteMember : Palette
    {
        private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

        public int Pid { get; set; } = 100;

        public int Kills { get; private set; }

        public Func<Task> Killed { get; set; } = () => Task.CompletedTask;

        public override string Name => "process";

        public override string Description => "a member on another machine";

        public override IReadOnlyList<ConsoleCommandInfo> Commands { get; } = [new("info", "info", "which process"), new("kill", "kill", "kill it")];

        public override async Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken)
        {
            arguments.Done();
            if (command == "kill")
            {
                Kills++;
                await output.Value(new System.Text.Json.Nodes.JsonObject { ["pid"] = Pid.ToString(CultureInfo.InvariantCulture) }, () => "killing").ConfigureAwait(false);
                _ = Task.Run(async () =>
                {
                    await Task.Delay(100);
                    await Killed();
                });
                return 0;
            }
            await output.Table(["PID", "HOST", "STARTED", "ADDRESS", "ROLES", "COMMAND", "DIRECTORY"],
                [[Pid.ToString(CultureInfo.InvariantCulture), "worker-host", ConsoleOutput.Time(_started), "10.0.0.7:25523", "worker", "emulator worker --name w1", "/srv"]]).ConfigureAwait(false);
            return 0;
        }
    }

    /// <summary>A loopback HTTP server that answers every request 200 (the Kubernetes API the runner checks).</summary>
    private sealed class AnsweringServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public AnsweringServer()
        {
            _listener.Start();
            _ = Serve();
        }

        public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

        public void Dispose() => _listener.Stop();

        private async Task Serve()
        {
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                using (client)
                {
                    var stream = client.GetStream();
                    // The request's head (the runner's GET /version has no body), read up to its blank line.
                    var head = new List<byte>();
                    var one = new byte[1];
                    while (!head.TakeLast(4).SequenceEqual("\r\n\r\n"u8.ToArray()) && await stream.ReadAsync(one) == 1)
                    {
                        head.Add(one[0]);
                    }
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"));
                }
            }
        }
    }
}
