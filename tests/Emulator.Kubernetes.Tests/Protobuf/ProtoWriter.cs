using System.Text;

namespace Emulator.Kubernetes.Tests.Protobuf;

/// <summary>A tiny protobuf encoder for building test bodies by hand.</summary>
internal sealed class ProtoWriter
{
    private readonly List<byte> _bytes = [];

    public byte[] ToArray() => [.. _bytes];

    public ProtoWriter Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public ProtoWriter Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.Add((byte)value);
        return this;
    }

    public ProtoWriter Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

    public ProtoWriter Int(int field, long value) => Tag(field, 0).Varint((ulong)value);

    public ProtoWriter Bool(int field, bool value) => Int(field, value ? 1 : 0);

    public ProtoWriter Bytes(int field, byte[] value) => Tag(field, 2).Varint((ulong)value.Length).Raw(value);

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, Action<ProtoWriter> body)
    {
        var inner = new ProtoWriter();
        body(inner);
        return Bytes(field, inner.ToArray());
    }

    public ProtoWriter MapEntry(int field, string key, string value) => Message(field, e => e.String(1, key).String(2, value));

    /// <summary>The magic prefix and a <c>runtime.Unknown</c> envelope around an object message.</summary>
    public static byte[] Envelope(string apiVersion, string kind, Action<ProtoWriter> obj, string? contentEncoding = null)
    {
        var w = new ProtoWriter().Raw(0x6B, 0x38, 0x73, 0x00)
            .Message(1, t => t.String(1, apiVersion).String(2, kind))
            .Message(2, obj);
        if (contentEncoding is not null)
        {
            w.String(3, contentEncoding);
        }
        return w.String(4, "").ToArray();
    }
}
