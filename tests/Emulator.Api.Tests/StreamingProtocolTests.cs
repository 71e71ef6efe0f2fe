using System.IO.Compression;
using System.Text;
using Emulator.Api.Streaming;

namespace Emulator.Api.Tests;

/// <summary>The wire formats of exec, attach and port-forward: SPDY/3.1 frames and header blocks, and the channel protocol.</summary>
public sealed class StreamingProtocolTests
{
    // Two header blocks as a SPDY/3 client compresses them (zlib level 9, the SPDY dictionary preset, a sync flush
    // after each), on one stream: {streamtype: error}, then {streamtype: data, port: 8080, requestid: 0}.
    private static readonly byte[] FirstClientBlock = Convert.FromHexString("78f9e3c6a7c202a62346703a2b294a4dcc851625aca9a08006000000ffff");
    private static readonly byte[] SecondClientBlock = Convert.FromHexString("02a5470c295029930829b08bc079c3c2c0c2004873164122381394f0190d00000000ffff");

    private static uint Adler32(byte[] data)
    {
        uint a = 1, b = 0;
        foreach (var x in data)
        {
            a = (a + x) % 65521;
            b = (b + a) % 65521;
        }
        return (b << 16) | a;
    }

    [Fact]
    public void The_header_dictionary_is_the_one_spdy3_clients_name_in_their_zlib_header()
    {
        Assert.Equal(1423, SpdyDictionary.Bytes.Length);
        // A zlib header with FDICT carries the dictionary's Adler-32: 78 F9 E3 C6 A7 C2.
        Assert.Equal(0xE3C6A7C2u, Adler32(SpdyDictionary.Bytes));
        Assert.Equal(FirstClientBlock.AsSpan(2, 4).ToArray(), [0xE3, 0xC6, 0xA7, 0xC2]);
    }

    [Fact]
    public void Header_blocks_compressed_with_the_dictionary_inflate_in_sequence_on_one_stream()
    {
        using var inflater = new SpdyHeaderInflater();
        var first = inflater.Inflate(FirstClientBlock);
        Assert.Equal(new Dictionary<string, string> { ["streamtype"] = "error" }, first);
        var second = inflater.Inflate(SecondClientBlock);
        Assert.Equal(new Dictionary<string, string> { ["streamtype"] = "data", ["port"] = "8080", ["requestid"] = "0" }, second);
    }

    [Fact]
    public void A_truncated_header_block_is_an_error_not_a_hang()
    {
        using var inflater = new SpdyHeaderInflater();
        Assert.Throws<InvalidDataException>(() => inflater.Inflate(FirstClientBlock.AsSpan(0, 12)));
    }

    private static byte[] SynStream(uint id, byte[] block)
    {
        var frame = new List<byte> { 0x80, 0x03, 0x00, 0x01, 0x00 };
        var length = 10 + block.Length;
        frame.AddRange([(byte)(length >> 16), (byte)(length >> 8), (byte)length]);
        frame.AddRange([(byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id, 0, 0, 0, 0, 0, 0]);
        frame.AddRange(block);
        return [.. frame];
    }

    [Fact]
    public async Task Frames_are_read_syn_stream_with_headers_data_with_fin_and_ping()
    {
        var input = new MemoryStream();
        input.Write(SynStream(1, FirstClientBlock));
        input.Write(SynStream(3, SecondClientBlock));
        input.Write([0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x02, (byte)'h', (byte)'i']);
        input.Write([0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05]);
        input.Position = 0;
        await using var connection = new SpdyConnection(input);
        var error = (await connection.ReadFrameAsync(CancellationToken.None))!;
        Assert.Equal((SpdyFrameType.SynStream, 1u, "error"), (error.Type, error.StreamId, error.Headers["streamtype"]));
        var data = (await connection.ReadFrameAsync(CancellationToken.None))!;
        Assert.Equal((3u, "8080"), (data.StreamId, data.Headers["port"]));
        var bytes = (await connection.ReadFrameAsync(CancellationToken.None))!;
        Assert.Equal((SpdyFrameType.Data, 3u, true, "hi"), (bytes.Type, bytes.StreamId, bytes.IsFin, Encoding.ASCII.GetString(bytes.Payload)));
        var ping = (await connection.ReadFrameAsync(CancellationToken.None))!;
        Assert.Equal(SpdyFrameType.Ping, ping.Type);
        Assert.Equal([0, 0, 0, 5], ping.Payload);
        Assert.Null(await connection.ReadFrameAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Replies_are_stored_deflate_blocks_ending_in_a_sync_flush_that_zlib_reads()
    {
        var output = new MemoryStream();
        await using (var connection = new SpdyConnection(new NonClosingStream(output)))
        {
            await connection.SendSynReplyAsync(1, CancellationToken.None);
            await connection.SendSynReplyAsync(3, CancellationToken.None);
            await connection.SendDataAsync(3, Encoding.ASCII.GetBytes("out"), fin: true, CancellationToken.None);
            await connection.SendGoAwayAsync(3, CancellationToken.None);
        }
        var bytes = output.ToArray();
        // The first SYN_REPLY starts the zlib stream (78 01, no dictionary); the second continues it.
        Assert.Equal(Convert.FromHexString("8003000200000014000000017801 000400FBFF 00000000 000000FFFF".Replace(" ", "")), bytes[..28]);
        Assert.Equal(Convert.FromHexString("80030002000000120000000300 0400FBFF00000000 000000FFFF".Replace(" ", "")), bytes[28..54]);
        Assert.Equal(Convert.FromHexString("0000000301000003"), bytes[54..62]);
        Assert.Equal("out", Encoding.ASCII.GetString(bytes[62..65]));
        Assert.Equal(Convert.FromHexString("80030007000000080000000300000000"), bytes[65..]);
        // Standard zlib inflates both header blocks to an empty header list (a count of 0).
        var zlib = new MemoryStream([.. bytes[12..28], .. bytes[40..54]]);
        using var inflate = new ZLibStream(zlib, CompressionMode.Decompress);
        var counts = new byte[8];
        inflate.ReadExactly(counts);
        Assert.Equal(new byte[8], counts);
    }

    [Fact]
    public void Channel_messages_stdin_resize_and_the_v5_close_signal()
    {
        Assert.Equal("ls\n", Encoding.ASCII.GetString(Assert.IsType<ChannelProtocol.StdinData>(ChannelProtocol.Parse([0, (byte)'l', (byte)'s', (byte)'\n'], v5: true)).Data));
        Assert.Equal(ChannelProtocol.Stdin, Assert.IsType<ChannelProtocol.Closed>(ChannelProtocol.Parse([255, 0], v5: true)).Channel);
        // v4 has no close signal.
        Assert.IsType<ChannelProtocol.Ignored>(ChannelProtocol.Parse([255, 0], v5: false));
        Assert.IsType<ChannelProtocol.Ignored>(ChannelProtocol.Parse([], v5: true));
        var resized = Assert.IsType<ChannelProtocol.Resized>(ChannelProtocol.Parse([4, .. Encoding.ASCII.GetBytes("{\"Width\":120,\"Height\":40}")], v5: true));
        Assert.Equal([(120, 40)], resized.Sizes);
        // Over SPDY, sizes come as JSON lines; junk is skipped.
        Assert.Equal([(81, 25), (80, 24)], ChannelProtocol.TerminalSizes(Encoding.ASCII.GetBytes("{\"Width\":81,\"Height\":25}\nnot json\n{\"Width\":80,\"Height\":24}\n")));
        Assert.Equal([1, (byte)'o', (byte)'k'], ChannelProtocol.Frame(ChannelProtocol.Stdout, "ok"u8));
    }

    [Fact]
    public void The_error_stream_status_carries_the_exit_code_as_the_kubelet_writes_it()
    {
        Assert.Equal("{\"metadata\":{},\"status\":\"Success\"}", RemoteCommandStatus.For(new(0), ["true"]));
        Assert.Equal("{\"metadata\":{},\"status\":\"Success\"}", RemoteCommandStatus.For(new(null), []));
        Assert.Equal(
            "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}",
            RemoteCommandStatus.For(new(3), ["sh", "-c", "exit 3"]));
        Assert.Contains("\"message\":\"Internal error occurred: boom\"", RemoteCommandStatus.For(new(null, "boom"), []));
    }

    /// <summary>Keeps the bytes readable after the connection disposes its transport.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
