using System.Text.Json.Nodes;

namespace Emulator.Management;

/// <summary>
/// The console's wire format: one JSON object per line in each direction over a TCP connection. A request is
/// <c>{"args":["actor","hierarchy","/user"],"output":"text"}</c> (or <c>{"complete":"actor hi"}</c> for the prompt's
/// completion); the answer is any number of <c>{"out":"…"}</c>, <c>{"err":"…"}</c> and <c>{"json":…}</c> lines ended
/// by <c>{"exit":N}</c> (or one <c>{"completions":[…]}</c>). A connection may carry several requests, one after another.
/// </summary>
public static class ConsoleProtocol
{
    /// <summary>The port <c>pbm</c> listens on, which the console keeps.</summary>
    public const int DefaultPort = 9110;

    /// <summary>The longest request line accepted; longer ones end the connection with an error.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    /// <summary>Exit status of a command that ran and failed (a node that does not exist, an actor not found).</summary>
    public const int Failed = 1;

    /// <summary>Exit status of a request that is not a command: unknown palette or command, bad arguments, malformed line.</summary>
    public const int Usage = 2;

    /// <summary>A request to run <paramref name="args"/>.</summary>
    public static JsonObject Run(IEnumerable<string> args, bool json) =>
        new() { ["args"] = new JsonArray(args.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()), ["output"] = json ? "json" : "text" };

    /// <summary>A request for the completions of a partly typed line.</summary>
    public static JsonObject Complete(string line) => new() { ["complete"] = line };
}

/// <summary>A request the console cannot run: the message says what is wrong, the status is <see cref="ConsoleProtocol.Usage"/>.</summary>
public sealed class ConsoleUsageException(string message) : Exception(message);

/// <summary>A command that ran and failed: the message says why, the status is <see cref="ConsoleProtocol.Failed"/>.</summary>
public sealed class ConsoleCommandException(string message) : Exception(message);
