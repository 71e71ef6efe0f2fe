using System.Globalization;
using System.Text;

namespace Emulator.Node.Containers.Network;

/// <summary>One HTTP/1.x request as an emulated server reads it off a connection.</summary>
/// <param name="Method">The method (<c>GET</c>, <c>POST</c>, …).</param>
/// <param name="Target">The request target as sent (<c>/path?query</c>).</param>
/// <param name="Version">The protocol (<c>HTTP/1.1</c>).</param>
/// <param name="Headers">The header fields in order, names as sent.</param>
/// <param name="Body">The body (by <c>Content-Length</c>; chunked bodies are not read).</param>
public sealed record HttpRequest(string Method, string Target, string Version, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>The path part of the target.</summary>
    public string Path => Target.Split('?', 2)[0];

    /// <summary>The query part of the target, without <c>?</c> (empty when none).</summary>
    public string Query => Target.Contains('?') ? Target.Split('?', 2)[1] : "";

    /// <summary>The value of the first header named <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Whether the client keeps the connection open after the answer (HTTP/1.1 unless <c>Connection: close</c>; HTTP/1.0 only with keep-alive).</summary>
    public bool KeepAlive
    {
        get
        {
            var connection = Header("Connection");
            return Version == "HTTP/1.0"
                ? string.Equals(connection, "keep-alive", StringComparison.OrdinalIgnoreCase)
                : !string.Equals(connection, "close", StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>
    /// Reads one complete request from the start of <paramref name="buffer"/>: the request, and how many bytes it took;
    /// (null, 0) when more bytes are needed; (null, -1) when the bytes are no HTTP request (the server answers 400).
    /// </summary>
    public static (HttpRequest? Request, int Consumed) TryParse(ReadOnlySpan<byte> buffer)
    {
        var end = buffer.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            // Request line and headers are bounded as a server bounds them (nginx: 8k per line, a few lines).
            return buffer.Length > 64 * 1024 ? (null, -1) : (null, 0);
        }
        var head = Encoding.Latin1.GetString(buffer[..end]).Split("\r\n");
        var requestLine = head[0].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || requestLine[0].Length == 0 || requestLine[1].Length == 0)
        {
            return (null, -1);
        }
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                return (null, -1);
            }
            headers.Add(KeyValuePair.Create(line[..colon], line[(colon + 1)..].Trim()));
        }
        var length = 0;
        var contentLength = headers.FirstOrDefault(h => string.Equals(h.Key, "Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        if (contentLength is not null && (!int.TryParse(contentLength, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > 16 * 1024 * 1024))
        {
            return (null, -1);
        }
        var total = end + 4 + length;
        if (buffer.Length < total)
        {
            return (null, 0);
        }
        return (new HttpRequest(requestLine[0], requestLine[1], requestLine[2], headers, buffer[(end + 4)..total].ToArray()), total);
    }

    /// <summary>The request as it went over the wire (for echo servers).</summary>
    public string Text()
    {
        var text = new StringBuilder().Append(Method).Append(' ').Append(Target).Append(' ').Append(Version).Append("\r\n");
        foreach (var (name, value) in Headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        return text.Append("\r\n").Append(Encoding.UTF8.GetString(Body)).ToString();
    }
}

/// <summary>An HTTP answer of an emulated server.</summary>
/// <param name="Status">The status code.</param>
/// <param name="Reason">The reason phrase.</param>
/// <param name="Headers">Header fields besides <c>Date</c>, <c>Content-Length</c> and <c>Connection</c>, which are added when written.</param>
/// <param name="Body">The body.</param>
public sealed record HttpResponse(int Status, string Reason, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>The bytes of the answer, as a server writes them at <paramref name="now"/>.</summary>
    public byte[] Encode(DateTimeOffset now, bool keepAlive, bool headOnly = false)
    {
        var text = new StringBuilder();
        text.Append("HTTP/1.1 ").Append(Status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Reason).Append("\r\n");
        var server = Headers.Where(h => h.Key == "Server").ToList();
        foreach (var (name, value) in server)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        text.Append("Date: ").Append(now.UtcDateTime.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
        foreach (var (name, value) in Headers.Where(h => h.Key != "Server"))
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        text.Append("Content-Length: ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        text.Append("Connection: ").Append(keepAlive ? "keep-alive" : "close").Append("\r\n\r\n");
        var head = Encoding.Latin1.GetBytes(text.ToString());
        return headOnly ? head : [.. head, .. Body];
    }
}
