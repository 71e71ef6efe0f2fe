using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Emulator.Management;
using Microsoft.Extensions.Logging;

namespace Emulator.Cli;

/// <summary>The console endpoint's flags, shared by every command that runs an emulator process.</summary>
public static class ConsoleOptions
{
    /// <summary><c>--console-port</c>: 9110 (pbm's) by default, 0 picks a free port.</summary>
    public static Option<int> Port() => new("--console-port")
    {
        Description = $"Port of the console endpoint (emulator pbm) on --console-address (0 picks a free port)",
        DefaultValueFactory = _ => ConsoleProtocol.DefaultPort,
    };

    /// <summary><c>--console-address</c>: loopback by default, so no other host can reach the console.</summary>
    public static Option<string> Address() => new("--console-address")
    {
        Description = "Address the console endpoint listens on (127.0.0.1: this machine only)",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    /// <summary>
    /// Starts the console and prints where it listens. A console that cannot listen (the port is taken, e.g. by
    /// another emulator) is reported and the process runs on without it: the cluster matters more than its console.
    /// </summary>
    public static ConsoleEndpoint? Start(ProcessConsoleTargets targets, ParseResult result, Option<string> address, Option<int> port, ILoggerFactory logging)
    {
        var addressText = result.GetValue(address)!;
        var portNumber = result.GetValue(port);
        if (!IPAddress.TryParse(addressText, out var ip))
        {
            Console.Error.WriteLine($"console:        not started: --console-address {addressText} is not an IP address");
            return null;
        }
        if (portNumber is < 0 or > 65535)
        {
            Console.Error.WriteLine($"console:        not started: --console-port must be between 0 and 65535, got {portNumber}");
            return null;
        }
        try
        {
            var endpoint = ProcessConsole.Start(targets, ip, portNumber, logging.CreateLogger("Emulator.Console"));
            Console.WriteLine($"console:        {endpoint.Address} (emulator pbm {endpoint.Address} help)");
            return endpoint;
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"console:        not started: cannot listen on {addressText}:{portNumber}: {e.Message} (choose another with --console-port, 0 for a free one)");
            return null;
        }
    }
}
