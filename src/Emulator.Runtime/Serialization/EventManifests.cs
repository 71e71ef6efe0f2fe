using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Runtime.Serialization;

/// <summary>Raised when an event or snapshot cannot be serialized or deserialized.</summary>
public sealed class EventSerializationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Turns events and snapshots into (manifest, JSON bytes) and back. Every stored type is registered with a stable
/// manifest, so renaming or moving a class does not break stored data.
/// <para>
/// Evolving an event type: keep the old manifest readable by registering an upcaster from it
/// (<see cref="RegisterUpcaster"/>) that rewrites the old JSON into the shape of a newer manifest; upcasters chain,
/// so <c>v1 → v2 → v3</c> works. New events are always written with the type's current manifest.
/// </para>
/// </summary>
public sealed class EventManifests
{
    private readonly ConcurrentDictionary<Type, string> _manifests = new();
    private readonly ConcurrentDictionary<string, Type> _types = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Target, Func<JsonNode, JsonNode> Upcast)> _upcasters = new(StringComparer.Ordinal);

    /// <summary>Creates a serializer with the given JSON options (default: web defaults).</summary>
    public EventManifests(JsonSerializerOptions? options = null)
    {
        Options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
    }

    /// <summary>Raised when a type is registered (the Akka extension binds it to the serializer).</summary>
    internal event Action<Type>? Registered;

    /// <summary>The registered types.</summary>
    public IReadOnlyCollection<Type> Types => _manifests.Keys.ToArray();

    /// <summary>The JSON options used for every payload.</summary>
    public JsonSerializerOptions Options { get; }

    /// <summary>Registers <typeparamref name="T"/> under <paramref name="manifest"/>.</summary>
    public EventManifests Register<T>(string manifest) => Register(typeof(T), manifest);

    /// <summary>Registers a type under a manifest; one manifest per type and one type per manifest.</summary>
    public EventManifests Register(Type type, string manifest)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(manifest);
        if (_types.TryGetValue(manifest, out var existing) && existing != type)
        {
            throw new ArgumentException($"Manifest [{manifest}] is already registered for [{existing.FullName}]", nameof(manifest));
        }
        if (_upcasters.ContainsKey(manifest))
        {
            throw new ArgumentException($"Manifest [{manifest}] is an upcast source and cannot name a type", nameof(manifest));
        }
        _types[manifest] = type;
        _manifests[type] = manifest;
        Registered?.Invoke(type);
        return this;
    }

    /// <summary>Reads data stored under <paramref name="oldManifest"/> by rewriting its JSON into <paramref name="targetManifest"/>'s shape.</summary>
    public EventManifests RegisterUpcaster(string oldManifest, string targetManifest, Func<JsonNode, JsonNode> upcast)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(oldManifest);
        ArgumentNullException.ThrowIfNull(upcast);
        if (_types.ContainsKey(oldManifest))
        {
            throw new ArgumentException($"Manifest [{oldManifest}] names a current type; only retired manifests can be upcast", nameof(oldManifest));
        }
        _upcasters[oldManifest] = (targetManifest, upcast);
        return this;
    }

    /// <summary>The manifest of a registered type.</summary>
    public string ManifestOf(Type type) =>
        _manifests.TryGetValue(type, out var manifest)
            ? manifest
            : throw new EventSerializationException($"Type [{type.FullName}] is not registered with the event manifests");

    /// <summary>Serializes a registered value.</summary>
    public (string Manifest, byte[] Payload) Serialize(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var manifest = ManifestOf(value.GetType());
        try
        {
            return (manifest, JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Options));
        }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
        {
            throw new EventSerializationException($"Cannot serialize [{value.GetType().FullName}]: {e.Message}", e);
        }
    }

    /// <summary>Deserializes a payload, upcasting retired manifests first.</summary>
    public object Deserialize(string manifest, ReadOnlySpan<byte> payload)
    {
        try
        {
            if (_types.TryGetValue(manifest, out var type))
            {
                return JsonSerializer.Deserialize(payload, type, Options)
                    ?? throw new EventSerializationException($"Payload of manifest [{manifest}] is null");
            }
            if (!_upcasters.ContainsKey(manifest))
            {
                throw new EventSerializationException($"Unknown manifest [{manifest}]: register its type or an upcaster");
            }
            var node = JsonNode.Parse(payload) ?? throw new EventSerializationException($"Payload of manifest [{manifest}] is null");
            var current = manifest;
            var hops = 0;
            while (_upcasters.TryGetValue(current, out var step))
            {
                if (++hops > 64)
                {
                    throw new EventSerializationException($"Upcaster chain from [{manifest}] does not end");
                }
                node = step.Upcast(node);
                current = step.Target;
            }
            if (!_types.TryGetValue(current, out type))
            {
                throw new EventSerializationException($"Upcaster chain from [{manifest}] ends at unknown manifest [{current}]");
            }
            return node.Deserialize(type, Options) ?? throw new EventSerializationException($"Upcast payload of [{manifest}] is null");
        }
        catch (JsonException e)
        {
            throw new EventSerializationException($"Cannot deserialize manifest [{manifest}]: {e.Message}", e);
        }
    }
}
