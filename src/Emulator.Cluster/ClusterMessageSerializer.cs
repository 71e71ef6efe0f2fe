using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;

namespace Emulator.Cluster;

/// <summary>
/// The serializer of every message that crosses processes (Akka's <see cref="SerializerWithStringManifest"/>): the
/// store's commands and replies, watch events and the node protocol, as System.Text.Json under stable manifests
/// (<see cref="ClusterMessages"/>), never CLR type names. Objects travel as their stored UTF-8 JSON; a command's
/// opaque <see cref="StoreCommand.Correlation"/> travels through Akka's own serialization, so whatever a component
/// correlates with comes back as it was sent; <see cref="IActorRef"/>s travel as paths with addresses, as Akka's do.
/// The hot path of exec, attach and port-forward (a <see cref="BridgeFrame"/> and its acknowledgement, the data
/// messages inside) is binary (<see cref="StreamFrames"/>): raw bytes, no Base64 or JSON around them.
/// </summary>
public sealed class ClusterMessageSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id (never change it: members of one cluster must agree).</summary>
    public const int Id = 7302;

    private readonly JsonSerializerOptions _options;

    /// <summary>Akka's constructor for serializers named in HOCON.</summary>
    public ClusterMessageSerializer(ExtendedActorSystem system)
        : base(system)
    {
        _options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            // Value tuples (a list's continuation, a worker's nodes) are fields.
            IncludeFields = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        _options.Converters.Add(new StoredObjectConverter());
        _options.Converters.Add(new ActorRefConverter(system));
        _options.Converters.Add(new NestedValueConverter(system));
    }

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) =>
        StreamFrames.IsBinary(obj.GetType()) ? StreamFrames.Write(obj, system) : JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        var type = ClusterMessages.TypeOf(manifest);
        return StreamFrames.IsBinary(type)
            ? StreamFrames.Read(type, bytes, system)
            : JsonSerializer.Deserialize(bytes, type, _options) ?? throw new System.Runtime.Serialization.SerializationException($"null payload for manifest [{manifest}]");
    }

    /// <inheritdoc />
    public override string Manifest(object o) => ClusterMessages.ManifestOf(o.GetType());

    /// <summary>A stored object as its resource key and its JSON bytes (indexed again on arrival).</summary>
    private sealed class StoredObjectConverter : JsonConverter<StoredObject>
    {
        public override StoredObject Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            string? resource = null;
            byte[]? json = null;
            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "r":
                        resource = reader.GetString();
                        break;
                    case "j":
                        json = reader.GetBytesFromBase64();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            return StoredObject.From(resource ?? throw new JsonException("stored object without resource"), json ?? throw new JsonException("stored object without JSON"));
        }

        public override void Write(Utf8JsonWriter writer, StoredObject value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("r", value.Resource);
            writer.WriteBase64String("j", value.Json);
            writer.WriteEndObject();
        }
    }

    /// <summary>An actor reference as its full path with address, resolved by the receiving system.</summary>
    private sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override bool CanConvert(Type typeToConvert) => typeof(IActorRef).IsAssignableFrom(typeToConvert);

        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            system.Provider.ResolveActorRef(reader.GetString() ?? throw new JsonException("actor reference without path"));

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Akka.Serialization.Serialization.SerializedActorPath(value));
    }

    /// <summary>
    /// A value whose type the message does not fix (a correlation): serialized by whatever Akka binds its type to,
    /// as serializer id, manifest and bytes.
    /// </summary>
    private sealed class NestedValueConverter(ExtendedActorSystem system) : JsonConverter<object>
    {
        public override bool CanConvert(Type typeToConvert) => typeToConvert == typeof(object);

        public override object? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return null;
            }
            int? id = null;
            var manifest = "";
            byte[]? bytes = null;
            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "s":
                        id = reader.GetInt32();
                        break;
                    case "m":
                        manifest = reader.GetString() ?? "";
                        break;
                    case "b":
                        bytes = reader.GetBytesFromBase64();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            return system.Serialization.Deserialize(bytes ?? throw new JsonException("nested value without bytes"), id ?? throw new JsonException("nested value without serializer"), manifest);
        }

        public override void Write(Utf8JsonWriter writer, object value, JsonSerializerOptions options)
        {
            var serializer = system.Serialization.FindSerializerFor(value);
            writer.WriteStartObject();
            writer.WriteNumber("s", serializer.Identifier);
            writer.WriteString("m", Akka.Serialization.Serialization.ManifestFor(serializer, value));
            writer.WriteBase64String("b", serializer.ToBinary(value));
            writer.WriteEndObject();
        }
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token)
    {
        if (reader.TokenType != token)
        {
            throw new JsonException($"expected {token}, found {reader.TokenType}");
        }
    }
}
