using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using Emulator.ControlPlane.Nodes;

namespace Emulator.Cluster;

/// <summary>
/// The binary layout of the stream messages that carry bytes between processes (little-endian): a
/// <see cref="BridgeFrame"/> is its number, then its message as serializer id, manifest and bytes (the message's own
/// serializer, so a control message inside is JSON and a data message binary); <see cref="BridgeAck"/> is a number;
/// <see cref="ContainerOutput"/> is the stream then the bytes; <see cref="ContainerStdin"/> the bytes;
/// <see cref="PodConnectionData"/> the connection id (length-prefixed UTF-8) then the bytes.
/// </summary>
internal static class StreamFrames
{
    /// <summary>True for the types written here rather than as JSON.</summary>
    public static bool IsBinary(Type type) =>
        type == typeof(BridgeFrame) || type == typeof(BridgeAck) || type == typeof(ContainerOutput) || type == typeof(ContainerStdin) || type == typeof(PodConnectionData);

    /// <summary>The bytes of a binary message.</summary>
    public static byte[] Write(object message, ExtendedActorSystem system)
    {
        switch (message)
        {
            case BridgeAck ack:
                var acked = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(acked, ack.Seq);
                return acked;
            case ContainerOutput output:
                var written = new byte[4 + output.Data.Length];
                BinaryPrimitives.WriteInt32LittleEndian(written, output.Stream);
                output.Data.CopyTo(written.AsSpan(4));
                return written;
            case ContainerStdin stdin:
                return stdin.Data.ToArray();
            case PodConnectionData data:
                var id = Encoding.UTF8.GetBytes(data.ConnectionId);
                var bytes = new byte[4 + id.Length + data.Data.Length];
                BinaryPrimitives.WriteInt32LittleEndian(bytes, id.Length);
                id.CopyTo(bytes.AsSpan(4));
                data.Data.CopyTo(bytes.AsSpan(4 + id.Length));
                return bytes;
            case BridgeFrame frame:
                var serializer = system.Serialization.FindSerializerFor(frame.Message);
                var manifest = Encoding.UTF8.GetBytes(Akka.Serialization.Serialization.ManifestFor(serializer, frame.Message));
                var payload = serializer.ToBinary(frame.Message);
                var result = new byte[8 + 4 + 4 + manifest.Length + payload.Length];
                BinaryPrimitives.WriteInt64LittleEndian(result, frame.Seq);
                BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(8), serializer.Identifier);
                BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(12), manifest.Length);
                manifest.CopyTo(result.AsSpan(16));
                payload.CopyTo(result.AsSpan(16 + manifest.Length));
                return result;
            default:
                throw new ArgumentException($"[{message.GetType().FullName}] is not a binary stream message", nameof(message));
        }
    }

    /// <summary>The message of <paramref name="type"/> written in <paramref name="bytes"/>.</summary>
    public static object Read(Type type, byte[] bytes, ExtendedActorSystem system)
    {
        try
        {
            if (type == typeof(BridgeAck))
            {
                return new BridgeAck(BinaryPrimitives.ReadInt64LittleEndian(bytes));
            }
            if (type == typeof(ContainerOutput))
            {
                return new ContainerOutput(BinaryPrimitives.ReadInt32LittleEndian(bytes), bytes.AsSpan(4).ToArray());
            }
            if (type == typeof(ContainerStdin))
            {
                return new ContainerStdin(bytes);
            }
            if (type == typeof(PodConnectionData))
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(bytes);
                return new PodConnectionData(Encoding.UTF8.GetString(bytes, 4, length), bytes.AsSpan(4 + length).ToArray());
            }
            var seq = BinaryPrimitives.ReadInt64LittleEndian(bytes);
            var serializerId = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
            var manifestLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
            var manifest = Encoding.UTF8.GetString(bytes, 16, manifestLength);
            var inner = system.Serialization.Deserialize(bytes.AsSpan(16 + manifestLength).ToArray(), serializerId, manifest);
            return new BridgeFrame(seq, inner);
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException)
        {
            throw new System.Runtime.Serialization.SerializationException($"a malformed [{type.Name}] stream message", e);
        }
    }
}
