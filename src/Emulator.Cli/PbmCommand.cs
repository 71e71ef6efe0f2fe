using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Emulator.Management;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator pbm [HOST:PORT] PALETTE COMMAND [ARGS]</c>: runs one console command on an emulator process and exits
/// with its status (0 done, 1 failed, 2 not a valid command); without a command, an interactive prompt with
/// completion (Tab) and history (arrows). Modelled on Petabridge.Cmd's <c>pbm</c>.
/// </summary>
public static partial class PbmCommand
{
    private const string DefaultTarget = "127.0.0.1:9110";

    /// <summary>The command as the root command lists it; <see cref="RunAsync"/> does the work (its words are passed through untouched).</summary>
    public static Command Create()
    {
        var words = new Argument<string[]>("words") { Description = "[HOST:PORT] PALETTE COMMAND [ARGS...] (e.g. actor hierarchy /user --depth 1; help lists them)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("pbm", "Inspect and drive a running emulator process through its console endpoint") { words };
        return command;
    }

    /// <summary>Runs <c>pbm</c> with the words after it.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> words)
    {
        var rest = words.ToList();
        var json = false;
        for (var i = 0; i < rest.Count; i++)
        {
            if (rest[i] is "--output" or "-o" && i + 1 < rest.Count)
            {
                if (rest[i + 1] is not ("json" or "text"))
                {
                    Console.Error.WriteLine($"emulator pbm: --output must be json or text, got \"{rest[i + 1]}\"");
                    return ConsoleProtocol.Usage;
                }
                json = rest[i + 1] == "json";
                rest.RemoveRange(i, 2);
                i--;
            }
        }
        var target = rest.Count > 0 && TargetPattern().IsMatch(rest[0]) ? rest[0] : DefaultTarget;
        if (rest.Count > 0 && rest[0] == target)
        {
            rest.RemoveAt(0);
        }
        if (rest is ["--help" or "-h"])
        {
            rest = ["help"];
        }
        var separator = target.LastIndexOf(':');
        var host = target[..separator].Trim('[', ']');
        if (!int.TryParse(target[(separator + 1)..], out var port) || port is < 1 or > 65535)
        {
            Console.Error.WriteLine($"emulator pbm: {target}: the port must be between 1 and 65535");
            return ConsoleProtocol.Usage;
        }
        using var client = new TcpClient();
        try
        {
            using var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(host, port, connectTimeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Console.Error.WriteLine($"emulator pbm: cannot reach the console at {target}: {(e is OperationCanceledException ? "timed out" : e.Message)} (is an emulator running? it prints its console address at start)");
            return ConsoleProtocol.Failed;
        }
        var session = new Session(client.GetStream());
        if (rest.Count > 0)
        {
            using var interrupted = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                // Ctrl-C ends a streaming command (log tail) by closing the connection, and pbm with it.
                e.Cancel = true;
                interrupted.Cancel();
            };
            try
            {
                return await session.Run(rest, json, interrupted.Token);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }
        }
        return await Interactive(session, target, json);
    }

    private static async Task<int> Interactive(Session session, string target, bool json)
    {
        var status = 0;
        var editor = Console.IsInputRedirected ? null : new LineEditor(line => session.Complete(line));
        if (editor is not null)
        {
            Console.WriteLine($"Connected to {target}. Tab completes, arrows recall, help lists the commands, exit leaves.");
        }
        while (true)
        {
            var line = editor is null ? await Console.In.ReadLineAsync() : editor.Read($"pbm {target}> ");
            if (line is null || line.Trim() is "exit" or "quit")
            {
                return status;
            }
            var words = Split(line);
            if (words.Count == 0)
            {
                continue;
            }
            try
            {
                status = await session.Run(words, json, CancellationToken.None);
            }
            catch (IOException)
            {
                Console.Error.WriteLine($"emulator pbm: the console at {target} closed the connection");
                return ConsoleProtocol.Failed;
            }
        }
    }

    /// <summary>Splits a command line into words; double or single quotes keep spaces inside a word.</summary>
    internal static List<string> Split(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        char? quote = null;
        var inWord = false;
        foreach (var c in line)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }
        if (inWord)
        {
            words.Add(current.ToString());
        }
        return words;
    }

    /// <summary>True when <paramref name="word"/> is a console address (<c>HOST:PORT</c>) rather than a palette's name.</summary>
    internal static bool IsTarget(string word) => TargetPattern().IsMatch(word);

    [GeneratedRegex(@"^(\[[0-9a-fA-F:]+\]|[^\s:\[\]]+):\d+$")]
    private static partial Regex TargetPattern();

    /// <summary>One connection to a console endpoint: requests go out one at a time, their answers are printed.</summary>
    private sealed class Session(NetworkStream stream)
    {
        private readonly StreamReader _reader = new(stream, new UTF8Encoding(false));

        public async Task<int> Run(IReadOnlyList<string> words, bool json, CancellationToken cancellationToken)
        {
            await Send(ConsoleProtocol.Run(words, json));
            using var registration = cancellationToken.Register(() => stream.Socket.Shutdown(SocketShutdown.Both));
            while (await _reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (JsonNode.Parse(line) is not JsonObject answer)
                {
                    continue;
                }
                if (answer["out"] is JsonValue outText)
                {
                    Console.Out.WriteLine(outText.GetValue<string>());
                }
                else if (answer["err"] is JsonValue errText)
                {
                    Console.Error.WriteLine(errText.GetValue<string>());
                }
                else if (answer["json"] is { } value)
                {
                    Console.Out.WriteLine(value.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                }
                else if (answer["exit"] is JsonValue exit)
                {
                    return exit.GetValue<int>();
                }
            }
            throw new IOException("the console closed the connection");
        }

        public IReadOnlyList<string> Complete(string line)
        {
            Send(ConsoleProtocol.Complete(line)).GetAwaiter().GetResult();
            var answer = _reader.ReadLine() is { } text ? JsonNode.Parse(text) as JsonObject : null;
            return answer?["completions"] is JsonArray items ? items.Select(i => i!.GetValue<string>()).ToList() : [];
        }

        private async Task Send(JsonObject request)
        {
            var bytes = Encoding.UTF8.GetBytes(request.ToJsonString() + "\n");
            await stream.WriteAsync(bytes);
        }
    }
}
