using System.Text;
using System.Text.Json;

namespace Emulator.Api.Streaming;

/// <summary>
/// The <c>channel.k8s.io</c> WebSocket protocols of exec and attach: each binary message starts with its channel
/// (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize). <c>v5.channel.k8s.io</c> adds the close signal, a message
/// <c>[255, channel]</c> (stdin's end of input); <c>v4</c> has none. Nothing is ever sent to the client with 255.
/// </summary>
public static class ChannelProtocol
{
    /// <summary>The subprotocol kubectl 1.30+ offers (v4 semantics plus the close signal).</summary>
    public const string V5 = "v5.channel.k8s.io";

    /// <summary>The subprotocol older clients offer.</summary>
    public const string V4 = "v4.channel.k8s.io";

    /// <summary>Standard input.</summary>
    public const byte Stdin = 0;

    /// <summary>Standard output.</summary>
    public const byte Stdout = 1;

    /// <summary>Standard error.</summary>
    public const byte Stderr = 2;

    /// <summary>The error stream (the final <c>Status</c>).</summary>
    public const byte Error = 3;

    /// <summary>Terminal size changes.</summary>
    public const byte Resize = 4;

    /// <summary>v5's close signal marker.</summary>
    public const byte Close = 255;

    /// <summary>What one client message means.</summary>
    public abstract record Message;

    /// <summary>Bytes for standard input.</summary>
    public sealed record StdinData(byte[] Data) : Message;

    /// <summary>The client closed a stream (v5; <c>Channel</c> 0 is end of input).</summary>
    public sealed record Closed(byte Channel) : Message;

    /// <summary>New terminal sizes (each JSON object of the message).</summary>
    public sealed record Resized(IReadOnlyList<(int Width, int Height)> Sizes) : Message;

    /// <summary>Anything else (an empty message, an unknown channel): ignored.</summary>
    public sealed record Ignored : Message;

    /// <summary>Reads one binary message from the client.</summary>
    public static Message Parse(ReadOnlySpan<byte> message, bool v5)
    {
        if (message.Length == 0)
        {
            return new Ignored();
        }
        return message[0] switch
        {
            Stdin => new StdinData(message[1..].ToArray()),
            Resize => new Resized(TerminalSizes(message[1..])),
            Close when v5 && message.Length >= 2 => new Closed(message[1]),
            _ => new Ignored(),
        };
    }

    /// <summary>A message for the client on <paramref name="channel"/>.</summary>
    public static byte[] Frame(byte channel, ReadOnlySpan<byte> data)
    {
        var frame = new byte[data.Length + 1];
        frame[0] = channel;
        data.CopyTo(frame.AsSpan(1));
        return frame;
    }

    /// <summary>
    /// Terminal sizes as kubectl sends them, one JSON object per resize (<c>{"Width":120,"Height":40}</c>, over SPDY
    /// separated by newlines); what does not parse is skipped.
    /// </summary>
    public static IReadOnlyList<(int Width, int Height)> TerminalSizes(ReadOnlySpan<byte> data)
    {
        var sizes = new List<(int, int)>();
        foreach (var line in Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                if (root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("Width", out var width) && width.TryGetInt32(out var w)
                    && root.TryGetProperty("Height", out var height) && height.TryGetInt32(out var h))
                {
                    sizes.Add((w, h));
                }
            }
            catch (JsonException)
            {
            }
        }
        return sizes;
    }
}
