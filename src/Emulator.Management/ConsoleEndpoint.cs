using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Emulator.Management;

/// <summary>
/// The console endpoint of one emulator process: a TCP listener (loopback unless told otherwise) that runs the
/// palettes' commands for <c>emulator pbm</c>. Each connection is served on its own; a malformed or hostile request
/// gets an error and never takes the endpoint (or the process) down.
/// </summary>
public sealed class ConsoleEndpoint : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IReadOnlyDictionary<string, Palette> _palettes;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    private ConsoleEndpoint(TcpListener listener, IEnumerable<Palette> palettes, ILogger log)
    {
        _listener = listener;
        _palettes = palettes.ToDictionary(p => p.Name, StringComparer.Ordinal);
        _log = log;
        Address = (IPEndPoint)listener.LocalEndpoint;
        _accepting = Task.Run(AcceptLoop);
    }

    /// <summary>Where the endpoint listens.</summary>
    public IPEndPoint Address { get; }

    /// <summary>Starts listening on <paramref name="address"/>:<paramref name="port"/> (0 picks a free port).</summary>
    /// <exception cref="SocketException">The address cannot be bound (the port is taken).</exception>
    public static ConsoleEndpoint Start(IPAddress address, int port, IEnumerable<Palette> palettes, ILogger log)
    {
        var listener = new TcpListener(address, port);
        listener.Start();
        return new ConsoleEndpoint(listener, palettes, log);
    }

    private async Task AcceptLoop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using var _ = client;
        // Bound to loopback, only local callers get here; bound elsewhere on purpose (--console-address), anyone may.
        if (IPAddress.IsLoopback(Address.Address) && client.Client.RemoteEndPoint is IPEndPoint remote && !IPAddress.IsLoopback(remote.Address))
        {
            return;
        }
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var stream = client.GetStream();
        var writeLock = new SemaphoreSlim(1, 1);
        async Task Send(JsonObject message)
        {
            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");
            await writeLock.WaitAsync(connection.Token).ConfigureAwait(false);
            try
            {
                await stream.WriteAsync(bytes, connection.Token).ConfigureAwait(false);
            }
            finally
            {
                writeLock.Release();
            }
        }
        try
        {
            var reader = new RequestReader(stream);
            while (await reader.ReadLineAsync(connection.Token).ConfigureAwait(false) is { } line)
            {
                await Handle(line, Send, stream, connection).ConfigureAwait(false);
            }
        }
        catch (RequestTooLongException)
        {
            await TrySend(Send, new JsonObject { ["err"] = $"request longer than {ConsoleProtocol.MaxRequestBytes} bytes" }, new JsonObject { ["exit"] = ConsoleProtocol.Usage }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The caller went away (or the endpoint stops): nothing to answer.
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
        }
    }

    private static async Task TrySend(Func<JsonObject, Task> send, params JsonObject[] messages)
    {
        try
        {
            foreach (var message in messages)
            {
                await send(message).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task Handle(string line, Func<JsonObject, Task> send, NetworkStream stream, CancellationTokenSource connection)
    {
        JsonObject? request;
        try
        {
            request = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request?["complete"] is JsonValue completeValue && completeValue.TryGetValue<string>(out var partial))
        {
            await send(new JsonObject { ["completions"] = new JsonArray(Complete(partial).Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()) }).ConfigureAwait(false);
            return;
        }
        if (request?["args"] is not JsonArray argsArray || argsArray.Any(a => a is not JsonValue v || !v.TryGetValue<string>(out _)))
        {
            await send(new JsonObject { ["err"] = "malformed request: expected {\"args\":[\"palette\",\"command\",...]}" }).ConfigureAwait(false);
            await send(new JsonObject { ["exit"] = ConsoleProtocol.Usage }).ConfigureAwait(false);
            return;
        }
        var args = argsArray.Select(a => a!.GetValue<string>()).ToList();
        var json = request["output"] is JsonValue output && output.TryGetValue<string>(out var mode) && mode == "json";
        var console = new ConsoleOutput(send, json);
        int status;
        // A streaming command (log tail, cluster tail) ends when the caller closes its side of the connection.
        using var callerGone = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
        var watchingCaller = WatchForClose(stream, callerGone);
        try
        {
            status = await Run(args, console, callerGone.Token).ConfigureAwait(false);
        }
        catch (ConsoleUsageException e)
        {
            await console.Error(e.Message).ConfigureAwait(false);
            status = ConsoleProtocol.Usage;
        }
        catch (ConsoleCommandException e)
        {
            await console.Error(e.Message).ConfigureAwait(false);
            status = ConsoleProtocol.Failed;
        }
        catch (OperationCanceledException) when (callerGone.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is not (IOException or SocketException or ObjectDisposedException))
        {
            _log.LogWarning(e, "Console command {Command} failed", string.Join(' ', args));
            await console.Error($"{string.Join(' ', args.Take(2))}: {e.Message}").ConfigureAwait(false);
            status = ConsoleProtocol.Failed;
        }
        finally
        {
            watchingCaller.Dispose();
        }
        await send(new JsonObject { ["exit"] = status }).ConfigureAwait(false);
    }

    // Only while a command runs: a caller that half-closes or drops the connection cancels it. Requests are not
    // pipelined (the client waits for each exit), so nothing is read away from the next request.
    private static IDisposable WatchForClose(NetworkStream stream, CancellationTokenSource callerGone)
    {
        var socket = stream.Socket;
        var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await Task.Delay(200, stop.Token).ConfigureAwait(false);
                    if (socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0)
                    {
                        await callerGone.CancelAsync().ConfigureAwait(false);
                        return;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        });
        return new Stopper(stop);
    }

    private sealed class Stopper(CancellationTokenSource stop) : IDisposable
    {
        public void Dispose()
        {
            stop.Cancel();
            stop.Dispose();
        }
    }

    private async Task<int> Run(List<string> args, ConsoleOutput output, CancellationToken cancellationToken)
    {
        if (args.Count == 0 || args[0] is "help" or "--help" or "-h")
        {
            await Help(args.Skip(1).FirstOrDefault(), output).ConfigureAwait(false);
            return 0;
        }
        if (!_palettes.TryGetValue(args[0], out var palette))
        {
            throw new ConsoleUsageException($"unknown palette \"{args[0]}\" (palettes: {string.Join(", ", _palettes.Keys.Order(StringComparer.Ordinal))}; try help)");
        }
        if (args.Count < 2 || args[1] is "help" or "--help" or "-h")
        {
            await Help(palette.Name, output).ConfigureAwait(false);
            return args.Count < 2 ? ConsoleProtocol.Usage : 0;
        }
        if (palette.Commands.All(c => c.Name != args[1]))
        {
            throw new ConsoleUsageException($"unknown command \"{palette.Name} {args[1]}\" (commands: {string.Join(", ", palette.Commands.Select(c => c.Name))})");
        }
        return await palette.RunAsync(args[1], new CommandArguments(args.Skip(2)), output, cancellationToken).ConfigureAwait(false);
    }

    private async Task Help(string? paletteName, ConsoleOutput output)
    {
        if (paletteName is not null && !_palettes.ContainsKey(paletteName))
        {
            throw new ConsoleUsageException($"unknown palette \"{paletteName}\"");
        }
        IEnumerable<Palette> palettes = paletteName is null ? _palettes.Values.OrderBy(p => p.Name, StringComparer.Ordinal) : [_palettes[paletteName]];
        var rows = new List<IReadOnlyList<string>>();
        foreach (var palette in palettes)
        {
            rows.AddRange(palette.Commands.Select(c => (IReadOnlyList<string>)[$"{palette.Name} {c.Usage}", c.Description]));
        }
        await output.Table(["COMMAND", "DESCRIPTION"], rows).ConfigureAwait(false);
    }

    /// <summary>Completions of a partly typed command line: palettes, then commands, then what the command completes.</summary>
    internal IEnumerable<string> Complete(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (line.Length == 0 || line.EndsWith(' '))
        {
            words.Add("");
        }
        var typed = words[^1];
        if (words.Count == 1)
        {
            return _palettes.Keys.Append("help").Where(n => n.StartsWith(typed, StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        }
        if (!_palettes.TryGetValue(words[0], out var palette))
        {
            return [];
        }
        if (words.Count == 2)
        {
            return palette.Commands.Select(c => c.Name).Where(n => n.StartsWith(typed, StringComparison.Ordinal));
        }
        return palette.Complete(words[1], typed);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
        _stopping.Dispose();
    }

    private sealed class RequestTooLongException : Exception;

    // Reads newline-ended UTF-8 lines, refusing one longer than the limit before buffering it all.
    private sealed class RequestReader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[4096];
        private readonly MemoryStream _line = new();
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    _line.Write(_buffer, _start, newline - _start);
                    _start = newline + 1;
                    var text = Encoding.UTF8.GetString(_line.GetBuffer(), 0, (int)_line.Length).TrimEnd('\r');
                    _line.SetLength(0);
                    return text;
                }
                _line.Write(_buffer, _start, _end - _start);
                if (_line.Length > ConsoleProtocol.MaxRequestBytes)
                {
                    throw new RequestTooLongException();
                }
                _start = 0;
                _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
                if (_end == 0)
                {
                    return null;
                }
            }
        }
    }
}
