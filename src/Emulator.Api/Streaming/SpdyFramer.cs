using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Emulator.Api.Streaming;

/// <summary>SPDY/3.1 frame types kubectl's streams use (draft 3.1 §2.6).</summary>
public enum SpdyFrameType
{
    /// <summary>A data frame of a stream.</summary>
    Data = 0,

    /// <summary>Opens a stream (with headers).</summary>
    SynStream = 1,

    /// <summary>Accepts a stream.</summary>
    SynReply = 2,

    /// <summary>Aborts a stream.</summary>
    RstStream = 3,

    /// <summary>Connection settings (ignored: spdystream does no flow control).</summary>
    Settings = 4,

    /// <summary>A ping, echoed.</summary>
    Ping = 6,

    /// <summary>The peer is going away.</summary>
    GoAway = 7,

    /// <summary>More headers for a stream.</summary>
    Headers = 8,

    /// <summary>Flow-control credit (ignored).</summary>
    WindowUpdate = 9,
}

/// <summary>One SPDY frame as read: its type, stream id, flags, headers (SYN_STREAM, SYN_REPLY, HEADERS) and payload.</summary>
public sealed record SpdyFrame(SpdyFrameType Type, uint StreamId, byte Flags, IReadOnlyDictionary<string, string> Headers, byte[] Payload)
{
    /// <summary>The FIN flag: the sender's half of the stream is done.</summary>
    public const byte Fin = 0x01;

    /// <summary>True when the frame carries FIN.</summary>
    public bool IsFin => (Flags & Fin) != 0;
}

/// <summary>
/// The SPDY/3 header compression dictionary (draft 3 §2.6.10.1): 1,423 bytes, length-prefixed header names and values
/// then common status lines, dates and media types. Its Adler-32 (<c>E3C6A7C2</c>) is the dictionary id in the
/// zlib header every SPDY/3 client (Go's spdystream in kubectl) starts its header stream with.
/// </summary>
public static class SpdyDictionary
{
    private static readonly string[] Words =
    [
        "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language",
        "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base", "content-encoding",
        "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type", "date",
        "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range",
        "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate",
        "proxy-authorization", "range", "referer", "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade",
        "user-agent", "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK", "version",
        "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin",
    ];

    private const string Tail =
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
        "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden" +
        "404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable" +
        "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
        "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript," +
        "publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

    /// <summary>The dictionary bytes.</summary>
    public static readonly byte[] Bytes = Build();

    private static byte[] Build()
    {
        var bytes = new List<byte>();
        foreach (var word in Words)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)word.Length);
            bytes.AddRange(length);
            bytes.AddRange(Encoding.ASCII.GetBytes(word));
        }
        bytes.AddRange(Encoding.ASCII.GetBytes(Tail));
        return [.. bytes];
    }
}

/// <summary>
/// Inflates a peer's SPDY header blocks: one zlib stream for the whole connection, with the SPDY dictionary preset.
/// .NET's zlib has no preset-dictionary call, so the stream is read as raw deflate behind a stored block holding the
/// dictionary (the same history a preset dictionary gives), skipping the peer's 2-byte zlib header and 4-byte dictionary
/// id, and the dictionary's 1,423 bytes are dropped from the output.
/// </summary>
public sealed class SpdyHeaderInflater : IDisposable
{
    private readonly AppendableStream _input = new();
    private readonly DeflateStream _inflater;
    private int _headerBytesToSkip = 6;
    private bool _primed;

    /// <summary>Creates an inflater for one direction of one connection.</summary>
    public SpdyHeaderInflater()
    {
        _inflater = new DeflateStream(_input, CompressionMode.Decompress);
    }

    /// <summary>Inflates one header block: <c>u32 count</c>, then per pair <c>u32 length, name, u32 length, value</c>.</summary>
    public IReadOnlyDictionary<string, string> Inflate(ReadOnlySpan<byte> compressed)
    {
        if (_headerBytesToSkip > 0)
        {
            var skip = Math.Min(_headerBytesToSkip, compressed.Length);
            compressed = compressed[skip..];
            _headerBytesToSkip -= skip;
        }
        if (!_primed)
        {
            // A non-final stored block: BFINAL 0, BTYPE 00, then LEN and its complement, little-endian.
            var dictionary = SpdyDictionary.Bytes;
            var stored = new byte[5];
            stored[0] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(stored.AsSpan(1), (ushort)dictionary.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(stored.AsSpan(3), (ushort)~dictionary.Length);
            _input.Append(stored);
            _input.Append(dictionary);
            _input.Append(compressed);
            ReadExactly(dictionary.Length);
            _primed = true;
        }
        else
        {
            _input.Append(compressed);
        }
        if (compressed.Length == 0 && _input.Available == 0)
        {
            return new Dictionary<string, string>();
        }
        var count = BinaryPrimitives.ReadUInt32BigEndian(ReadExactly(4));
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = Encoding.UTF8.GetString(ReadExactly((int)BinaryPrimitives.ReadUInt32BigEndian(ReadExactly(4))));
            var value = Encoding.UTF8.GetString(ReadExactly((int)BinaryPrimitives.ReadUInt32BigEndian(ReadExactly(4))));
            // Several values of one name are NUL-joined; kubectl's are single.
            headers[name.ToLowerInvariant()] = value.Split('\0')[0];
        }
        return headers;
    }

    private byte[] ReadExactly(int count)
    {
        if (count is < 0 or > 1 << 20)
        {
            throw new InvalidDataException("SPDY header block too large");
        }
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = _inflater.Read(buffer, read, count - read);
            if (n == 0)
            {
                throw new InvalidDataException("truncated SPDY header block");
            }
            read += n;
        }
        return buffer;
    }

    /// <inheritdoc />
    public void Dispose() => _inflater.Dispose();

    /// <summary>A stream read from the front and appended at the back; reading past the end returns 0 (never blocks).</summary>
    private sealed class AppendableStream : Stream
    {
        private readonly Queue<byte[]> _chunks = new();
        private int _offset;

        public int Available => _chunks.Sum(c => c.Length) - _offset;

        public void Append(ReadOnlySpan<byte> data)
        {
            if (data.Length > 0)
            {
                _chunks.Enqueue(data.ToArray());
            }
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var total = 0;
            while (count > 0 && _chunks.Count > 0)
            {
                var chunk = _chunks.Peek();
                var n = Math.Min(count, chunk.Length - _offset);
                Array.Copy(chunk, _offset, buffer, offset, n);
                offset += n;
                count -= n;
                total += n;
                _offset += n;
                if (_offset == chunk.Length)
                {
                    _chunks.Dequeue();
                    _offset = 0;
                }
            }
            return total;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>
/// Reads and writes SPDY/3.1 frames on an upgraded connection, as Go's spdystream (kubectl's side) expects them:
/// header blocks sent as stored deflate blocks each ending in a sync flush (<c>00 00 00 FF FF</c>, without which Go
/// holds the bytes back), no flow control (spdystream sends no WINDOW_UPDATE and ignores them), pings echoed.
/// Writes are serialized; reads come from one reader.
/// </summary>
public sealed class SpdyConnection(Stream transport) : IAsyncDisposable
{
    private const int MaxFrameLength = (1 << 24) - 1;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SpdyHeaderInflater _inflater = new();
    private bool _deflaterStarted;

    /// <summary>Reads the next frame; null at the end of the connection.</summary>
    public async Task<SpdyFrame?> ReadFrameAsync(CancellationToken cancellation)
    {
        var head = new byte[8];
        if (!await ReadFullyAsync(head, cancellation).ConfigureAwait(false))
        {
            return null;
        }
        var flags = head[4];
        var length = (head[5] << 16) | (head[6] << 8) | head[7];
        var payload = new byte[length];
        if (!await ReadFullyAsync(payload, cancellation).ConfigureAwait(false))
        {
            return null;
        }
        if ((head[0] & 0x80) == 0)
        {
            var streamId = BinaryPrimitives.ReadUInt32BigEndian(head) & 0x7FFFFFFF;
            return new SpdyFrame(SpdyFrameType.Data, streamId, flags, new Dictionary<string, string>(), payload);
        }
        var type = (SpdyFrameType)BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(2));
        switch (type)
        {
            case SpdyFrameType.SynStream when payload.Length >= 10:
                return new SpdyFrame(type, StreamIdAt(payload, 0), flags, _inflater.Inflate(payload.AsSpan(10)), payload);
            case SpdyFrameType.SynReply or SpdyFrameType.Headers when payload.Length >= 4:
                return new SpdyFrame(type, StreamIdAt(payload, 0), flags, _inflater.Inflate(payload.AsSpan(4)), payload);
            case SpdyFrameType.RstStream or SpdyFrameType.WindowUpdate when payload.Length >= 4:
                return new SpdyFrame(type, StreamIdAt(payload, 0), flags, new Dictionary<string, string>(), payload);
            default:
                return new SpdyFrame(type, 0, flags, new Dictionary<string, string>(), payload);
        }
    }

    private static uint StreamIdAt(byte[] payload, int offset) => BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(offset)) & 0x7FFFFFFF;

    private async Task<bool> ReadFullyAsync(byte[] buffer, CancellationToken cancellation)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await transport.ReadAsync(buffer.AsMemory(read), cancellation).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }

    /// <summary>Accepts a stream the client opened (SYN_REPLY, no headers).</summary>
    public async Task SendSynReplyAsync(uint streamId, CancellationToken cancellation)
    {
        await _writeLock.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            // Built under the lock: the first header block on the wire must be the one that starts the zlib stream.
            var block = HeaderBlock([]);
            var payload = new byte[4 + block.Length];
            BinaryPrimitives.WriteUInt32BigEndian(payload, streamId & 0x7FFFFFFF);
            block.CopyTo(payload, 4);
            await transport.WriteAsync(Control(SpdyFrameType.SynReply, 0, payload), cancellation).ConfigureAwait(false);
            await transport.FlushAsync(cancellation).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends data on a stream (split into frames of at most 16 MiB − 1), with FIN on the last when <paramref name="fin"/>.</summary>
    public async Task SendDataAsync(uint streamId, ReadOnlyMemory<byte> data, bool fin, CancellationToken cancellation)
    {
        do
        {
            var chunk = data[..Math.Min(data.Length, MaxFrameLength)];
            data = data[chunk.Length..];
            var frame = new byte[8 + chunk.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame, streamId & 0x7FFFFFFF);
            frame[4] = fin && data.IsEmpty ? SpdyFrame.Fin : (byte)0;
            WriteLength(frame, chunk.Length);
            chunk.CopyTo(frame.AsMemory(8));
            await WriteAsync(frame, cancellation).ConfigureAwait(false);
        }
        while (!data.IsEmpty);
    }

    /// <summary>Echoes a PING.</summary>
    public Task SendPingAsync(byte[] payload, CancellationToken cancellation) => WriteAsync(Control(SpdyFrameType.Ping, 0, payload), cancellation);

    /// <summary>Resets a stream (status 1 PROTOCOL_ERROR, 3 REFUSED_STREAM, 5 CANCEL).</summary>
    public Task SendRstStreamAsync(uint streamId, int status, CancellationToken cancellation)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(payload, streamId & 0x7FFFFFFF);
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(4), status);
        return WriteAsync(Control(SpdyFrameType.RstStream, 0, payload), cancellation);
    }

    /// <summary>Tells the client no more streams will be accepted (status 0, OK).</summary>
    public Task SendGoAwayAsync(uint lastStreamId, CancellationToken cancellation)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(payload, lastStreamId & 0x7FFFFFFF);
        return WriteAsync(Control(SpdyFrameType.GoAway, 0, payload), cancellation);
    }

    /// <summary>
    /// A header block as this side sends it: the pairs in the SPDY layout, as stored (uncompressed) deflate blocks
    /// ending with an empty stored block (the sync-flush marker). The first block of the connection starts the zlib
    /// stream (<c>78 01</c>: no dictionary).
    /// </summary>
    internal byte[] HeaderBlock(IReadOnlyList<(string Name, string Value)> headers)
    {
        var raw = new List<byte>();
        void U32(int value)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(bytes, value);
            raw.AddRange(bytes);
        }
        U32(headers.Count);
        foreach (var (name, value) in headers)
        {
            var n = Encoding.UTF8.GetBytes(name.ToLowerInvariant());
            var v = Encoding.UTF8.GetBytes(value);
            U32(n.Length);
            raw.AddRange(n);
            U32(v.Length);
            raw.AddRange(v);
        }
        var block = new List<byte>();
        if (!_deflaterStarted)
        {
            block.Add(0x78);
            block.Add(0x01);
            _deflaterStarted = true;
        }
        for (var offset = 0; offset < raw.Count; offset += 0xFFFF)
        {
            var length = Math.Min(0xFFFF, raw.Count - offset);
            block.Add(0);
            block.Add((byte)length);
            block.Add((byte)(length >> 8));
            block.Add((byte)~length);
            block.Add((byte)(~length >> 8));
            block.AddRange(raw.Skip(offset).Take(length));
        }
        block.AddRange([0x00, 0x00, 0x00, 0xFF, 0xFF]);
        return [.. block];
    }

    private static byte[] Control(SpdyFrameType type, byte flags, byte[] payload)
    {
        var frame = new byte[8 + payload.Length];
        frame[0] = 0x80;
        frame[1] = 0x03;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)type);
        frame[4] = flags;
        WriteLength(frame, payload.Length);
        payload.CopyTo(frame, 8);
        return frame;
    }

    private static void WriteLength(byte[] frame, int length)
    {
        frame[5] = (byte)(length >> 16);
        frame[6] = (byte)(length >> 8);
        frame[7] = (byte)length;
    }

    private async Task WriteAsync(byte[] frame, CancellationToken cancellation)
    {
        await _writeLock.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            await transport.WriteAsync(frame, cancellation).ConfigureAwait(false);
            await transport.FlushAsync(cancellation).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _inflater.Dispose();
        await transport.DisposeAsync().ConfigureAwait(false);
        _writeLock.Dispose();
    }
}
