using Akka.Actor;
using Akka.Serialization;

namespace Emulator.Runtime.Serialization;

/// <summary>
/// The journal's serializer (Akka's <see cref="SerializerWithStringManifest"/> extension point): System.Text.Json
/// payloads under the stable manifests of <see cref="EventManifests"/>, never CLR type names, so renaming or moving a
/// class does not break a journal, and retired manifests are read through upcasters. Bound in HOCON as
/// <c>emulator-events</c>; types registered through <see cref="EventSerialization"/> are bound to it at run time.
/// </summary>
public sealed class EventJsonSerializer : SerializerWithStringManifest
{
    private readonly ExtendedActorSystem _system;

    /// <summary>Akka's constructor for serializers named in HOCON; the manifests are the system's <see cref="EventSerialization"/>.</summary>
    public EventJsonSerializer(ExtendedActorSystem system)
        : base(system)
    {
        _system = system;
    }

    internal EventJsonSerializer(ExtendedActorSystem system, EventManifests manifests)
        : this(system)
    {
        _manifests = manifests;
    }

    /// <summary>The serializer id (stored in every journal row: never change it).</summary>
    public const int Id = 7301;

    private EventManifests? _manifests;

    private EventManifests Manifests => _manifests ??= EventSerialization.Get(_system).Manifests;

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => Manifests.Serialize(obj).Payload;

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) => Manifests.Deserialize(manifest, bytes);

    /// <inheritdoc />
    public override string Manifest(object o) => Manifests.ManifestOf(o.GetType());
}

/// <summary>The event manifests of one actor system (an Akka extension); registering a type binds it to <see cref="EventJsonSerializer"/>.</summary>
public sealed class EventSerialization : IExtension
{
    /// <summary>Creates the system's registry.</summary>
    public EventSerialization(ExtendedActorSystem system)
    {
        Manifests = new EventManifests();
        var serialization = system.Serialization;
        var serializer = new EventJsonSerializer(system, Manifests);
        serialization.AddSerializer("emulator-events", serializer);
        Manifests.Registered += type => serialization.AddSerializationMap(type, serializer);
    }

    /// <summary>The manifests and upcasters.</summary>
    public EventManifests Manifests { get; }

    /// <summary>The registry of <paramref name="system"/>.</summary>
    public static EventSerialization Get(ActorSystem system) => system.WithExtension<EventSerialization, EventSerializationProvider>();
}

/// <summary>Creates <see cref="EventSerialization"/> (Akka's extension id).</summary>
public sealed class EventSerializationProvider : ExtensionIdProvider<EventSerialization>
{
    /// <inheritdoc />
    public override EventSerialization CreateExtension(ExtendedActorSystem system) => new(system);
}
