using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Management.Tests;

/// <summary>What a console request answered: its output lines, error lines, JSON values and exit status.</summary>
public sealed record ConsoleAnswer(List<string> Out, List<string> Err, List<JsonNode> Json, int? Exit);

/// <summary>A connection to a console endpoint speaking its line protocol, as <c>emulator pbm</c> does.</summary>
public sealed class ConsoleClient : IDisposable
{
    private readonly TcpClient _client = new();
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    public ConsoleClient(IPEndPoint endpoint)
    {
        _client.Connect(endpoint);
        _stream = _client.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public Task<ConsoleAnswer> Run(params string[] args) => SendLine(ConsoleProtocol.Run(args, json: false).ToJsonString());

    public Task<ConsoleAnswer> RunJson(params string[] args) => SendLine(ConsoleProtocol.Run(args, json: true).ToJsonString());

    public async Task<ConsoleAnswer> SendLine(string line)
    {
        await Write(line + "\n");
        return await ReadAnswer();
    }

    public async Task Write(string text)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await _stream.FlushAsync();
    }

    public async Task<string?> ReadLine()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await _reader.ReadLineAsync(timeout.Token);
    }

    public async Task<ConsoleAnswer> ReadAnswer()
    {
        var answer = new ConsoleAnswer([], [], [], null);
        while (await ReadLine() is { } line)
        {
            var message = JsonNode.Parse(line)!.AsObject();
            if (message["out"] is { } o)
            {
                answer.Out.Add(o.GetValue<string>());
            }
            else if (message["err"] is { } e)
            {
                answer.Err.Add(e.GetValue<string>());
            }
            else if (message["json"] is { } j)
            {
                answer.Json.Add(j.DeepClone());
            }
            else if (message["exit"] is { } exit)
            {
                return answer with { Exit = exit.GetValue<int>() };
            }
            else if (message["completions"] is JsonArray completions)
            {
                answer.Out.AddRange(completions.Select(c => c!.GetValue<string>()));
                return answer with { Exit = 0 };
            }
        }
        return answer;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _client.Dispose();
    }
}
