using Akka.Actor;
using Akka.Configuration;
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
        // Akka rebuilds its Serialization from the configuration whenever an extension injects settings (persistence,
        // streams and the SQL plugin all do): serializer and bindings must live in the configuration to survive that.
        system.Settings.InjectTopLevelFallback(ConfigurationFactory.ParseString(
            $"akka.actor.serializers.{SerializerName} = \"{typeof(EventJsonSerializer).FullName}, {typeof(EventJsonSerializer).Assembly.GetName().Name}\""));
        Manifests.Registered += type => system.Settings.InjectTopLevelFallback(ConfigurationFactory.ParseString(
            $"akka.actor.serialization-bindings {{ \"{type.FullName}, {type.Assembly.GetName().Name}\" = {SerializerName} }}"));
    }

    /// <summary>The serializer's name in <c>akka.actor.serializers</c>.</summary>
    public const string SerializerName = "emulator-events";

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
