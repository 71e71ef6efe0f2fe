using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator node list|stop NAME|start NAME</c>: drives the emulated nodes of a running <c>emulator up</c> through its
/// management endpoint (the address comes from the kubeconfig <c>emulator up</c> wrote). Stopping a node is a node
/// failure as the control plane sees it: its heartbeats stop.
/// </summary>
public static class NodeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "The kubeconfig emulator up wrote", DefaultValueFactory = _ => Path.Combine(".emulator", "kubeconfig"), Recursive = true };
        var node = new Command("node", "Stop, start or list the emulated nodes of a running cluster") { kubeconfig };
        var list = new Command("list", "List the emulated nodes and whether each runs");
        list.SetAction(async (result, cancellationToken) => await Run(result.GetValue(kubeconfig)!, HttpMethod.Get, "", cancellationToken));
        node.Subcommands.Add(list);
        foreach (var verb in new[] { "stop", "start" })
        {
            var name = new Argument<string>("name") { Description = "The node's name (e.g. node-1)" };
            var command = new Command(verb, verb == "stop" ? "Stop a node: it stops heartbeating and the control plane declares it lost" : "Start a stopped node again") { name };
            command.SetAction(async (result, cancellationToken) => await Run(result.GetValue(kubeconfig)!, HttpMethod.Post, $"/{Uri.EscapeDataString(result.GetValue(name)!)}/{verb}", cancellationToken));
            node.Subcommands.Add(command);
        }
        return node;
    }

    private static async Task<int> Run(string kubeconfigPath, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(kubeconfigPath))
        {
            Console.Error.WriteLine($"emulator node: kubeconfig {kubeconfigPath} not found (is emulator up running? pass --kubeconfig)");
            return 1;
        }
        var server = File.ReadLines(kubeconfigPath).Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("server:", StringComparison.Ordinal))?["server:".Length..].Trim();
        if (string.IsNullOrEmpty(server))
        {
            Console.Error.WriteLine($"emulator node: no server address in {kubeconfigPath}");
            return 1;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            using var response = await http.SendAsync(new HttpRequestMessage(method, $"{server.TrimEnd('/')}/emulator/v1/nodes{path}"), cancellationToken);
            var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
            if (method == HttpMethod.Get && response.IsSuccessStatusCode)
            {
                Console.WriteLine($"{"NAME",-20} STATE");
                foreach (var item in body?["nodes"]?.AsArray() ?? [])
                {
                    Console.WriteLine($"{item?["name"]?.GetValue<string>(),-20} {(item?["running"]?.GetValue<bool>() == true ? "running" : "stopped")}");
                }
                return 0;
            }
            var message = body?["message"]?.GetValue<string>() ?? response.ReasonPhrase;
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"emulator node: {message}");
                return 1;
            }
            Console.WriteLine(message);
            return 0;
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"emulator node: cannot reach {server}: {e.Message}");
            return 1;
        }
    }
}
