using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Management;

/// <summary>What a console command answered: its exit status, text lines, error lines and JSON values.</summary>
/// <param name="Exit">0 on success, <see cref="ConsoleProtocol.Failed"/> or <see cref="ConsoleProtocol.Usage"/> otherwise.</param>
/// <param name="Out">Lines of text.</param>
/// <param name="Errors">Error lines.</param>
/// <param name="Values">JSON values (with JSON output).</param>
public sealed record ConsoleAnswer(int Exit, IReadOnlyList<string> Out, IReadOnlyList<string> Errors, IReadOnlyList<JsonNode> Values);

/// <summary>
/// A connection to a console endpoint for programs (the chaos runner): one request at a time, each answer collected
/// until its exit status.
/// </summary>
public sealed class ConsoleClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    private ConsoleClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = new StreamReader(_stream, new UTF8Encoding(false));
    }

    /// <summary>Where the client is connected (<c>HOST:PORT</c>).</summary>
    public string Address { get; private init; } = "";

    /// <summary>Connects to the console at <paramref name="address"/> (<c>HOST:PORT</c>).</summary>
    /// <exception cref="SocketException">Nothing listens there.</exception>
    public static async Task<ConsoleClient> ConnectAsync(string address, CancellationToken cancellationToken = default)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address[(colon + 1)..], out var port))
        {
            throw new ArgumentException($"a console address is HOST:PORT, got \"{address}\"", nameof(address));
        }
        var client = new TcpClient();
        try
        {
            await client.ConnectAsync(address[..colon].Trim('[', ']'), port, cancellationToken).ConfigureAwait(false);
            return new ConsoleClient(client) { Address = address };
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Runs one command and collects its answer.</summary>
    /// <exception cref="IOException">The connection broke before the exit status came.</exception>
    public async Task<ConsoleAnswer> RunAsync(IEnumerable<string> args, bool json = true, CancellationToken cancellationToken = default)
    {
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(ConsoleProtocol.Run(args, json).ToJsonString() + "\n"), cancellationToken).ConfigureAwait(false);
            var lines = new List<string>();
            var errors = new List<string>();
            var values = new List<JsonNode>();
            while (await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                switch (JsonNode.Parse(line))
                {
                    case JsonObject { } answer when answer["exit"] is JsonValue exit:
                        return new ConsoleAnswer(exit.GetValue<int>(), lines, errors, values);
                    case JsonObject { } answer when answer["out"] is JsonValue text:
                        lines.Add(text.GetValue<string>());
                        break;
                    case JsonObject { } answer when answer["err"] is JsonValue error:
                        errors.Add(error.GetValue<string>());
                        break;
                    case JsonObject { } answer when answer["json"] is { } value:
                        values.Add(value.DeepClone());
                        break;
                }
            }
            throw new IOException($"the console at {Address} closed the connection");
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _reader.Dispose();
        _client.Dispose();
        _oneAtATime.Dispose();
    }
}
