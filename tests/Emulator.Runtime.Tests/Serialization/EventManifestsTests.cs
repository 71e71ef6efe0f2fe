using System.Text;
using System.Text.Json.Nodes;
using Emulator.Runtime.Serialization;

namespace Emulator.Runtime.Tests.Serialization;

/// <summary>The manifest registry on its own: stable manifests, upcaster chains and clear failures.</summary>
public sealed class EventManifestsTests
{
    public sealed record PodCreatedV3(string Name, string Namespace, int Replicas);

    /// <summary>The same shape as <see cref="PodCreatedV3"/> under another CLR name, as after a rename or a move.</summary>
    public sealed record RenamedPodCreated(string Name, string Namespace, int Replicas);

    private static EventManifests WithChain() => new EventManifests()
        .Register<PodCreatedV3>("pod-created.v3")
        .RegisterUpcaster("pod-created.v1", "pod-created.v2", v1 => new JsonObject { ["name"] = v1["podName"]!.GetValue<string>(), ["namespace"] = "default" })
        .RegisterUpcaster("pod-created.v2", "pod-created.v3", v2 =>
        {
            v2["replicas"] = 1;
            return v2;
        });

    [Fact]
    public void Round_trips_a_registered_type_with_its_manifest()
    {
        var manifests = new EventManifests().Register<PodCreatedV3>("pod-created.v3");
        var (manifest, payload) = manifests.Serialize(new PodCreatedV3("a", "default", 2));
        Assert.Equal("pod-created.v3", manifest);
        Assert.Equal("pod-created.v3", manifests.ManifestOf(typeof(PodCreatedV3)));
        Assert.Equal(new PodCreatedV3("a", "default", 2), manifests.Deserialize(manifest, payload));
        Assert.Equal([typeof(PodCreatedV3)], manifests.Types);
    }

    [Fact]
    public void The_stored_form_names_the_manifest_and_json_fields_never_the_clr_type()
    {
        var (manifest, payload) = new EventManifests().Register<PodCreatedV3>("pod-created.v3").Serialize(new PodCreatedV3("a", "default", 2));

        Assert.Equal("""{"name":"a","namespace":"default","replicas":2}""", Encoding.UTF8.GetString(payload));
        Assert.DoesNotContain(nameof(PodCreatedV3), manifest, StringComparison.Ordinal);

        // Renaming (or moving) the class keeps stored data readable: only the manifest is bound to the data.
        var renamed = new EventManifests().Register<RenamedPodCreated>("pod-created.v3");
        Assert.Equal(new RenamedPodCreated("a", "default", 2), renamed.Deserialize(manifest, payload));
    }

    [Fact]
    public void Old_manifests_are_upcast_through_a_chain()
    {
        var manifests = WithChain();
        var v1Payload = Encoding.UTF8.GetBytes("""{"podName":"web-0"}""");
        var v2Payload = Encoding.UTF8.GetBytes("""{"name":"web-1","namespace":"prod"}""");

        Assert.Equal(new PodCreatedV3("web-0", "default", 1), manifests.Deserialize("pod-created.v1", v1Payload));
        Assert.Equal(new PodCreatedV3("web-1", "prod", 1), manifests.Deserialize("pod-created.v2", v2Payload));
        // New events are always written under the current manifest.
        Assert.Equal("pod-created.v3", manifests.Serialize(new PodCreatedV3("x", "y", 3)).Manifest);
    }

    [Fact]
    public void Unregistered_types_and_unknown_manifests_fail_clearly()
    {
        var manifests = new EventManifests();
        var e1 = Assert.Throws<EventSerializationException>(() => manifests.Serialize(new PodCreatedV3("a", "b", 1)));
        Assert.Contains("not registered", e1.Message);
        Assert.Contains(typeof(PodCreatedV3).FullName!, e1.Message);
        var e2 = Assert.Throws<EventSerializationException>(() => manifests.Deserialize("nope", "{}"u8));
        Assert.Contains("Unknown manifest [nope]", e2.Message);
    }

    [Fact]
    public void A_chain_that_ends_at_an_unknown_manifest_or_never_ends_fails_clearly()
    {
        var dangling = new EventManifests().RegisterUpcaster("a.v1", "a.v2", node => node);
        var e1 = Assert.Throws<EventSerializationException>(() => dangling.Deserialize("a.v1", "{}"u8));
        Assert.Contains("ends at unknown manifest [a.v2]", e1.Message);

        var cycle = new EventManifests()
            .RegisterUpcaster("b.v1", "b.v2", node => node)
            .RegisterUpcaster("b.v2", "b.v1", node => node);
        var e2 = Assert.Throws<EventSerializationException>(() => cycle.Deserialize("b.v1", "{}"u8));
        Assert.Contains("does not end", e2.Message);
    }

    [Fact]
    public void A_damaged_payload_fails_naming_its_manifest()
    {
        var manifests = WithChain();
        var e1 = Assert.Throws<EventSerializationException>(() => manifests.Deserialize("pod-created.v3", "{\"name\":"u8));
        Assert.Contains("Cannot deserialize manifest [pod-created.v3]", e1.Message);
        var e2 = Assert.Throws<EventSerializationException>(() => manifests.Deserialize("pod-created.v1", "not json"u8));
        Assert.Contains("[pod-created.v1]", e2.Message);
    }

    [Fact]
    public void A_manifest_cannot_name_two_types_and_current_and_retired_manifests_stay_apart()
    {
        var manifests = WithChain();
        Assert.Throws<ArgumentException>(() => manifests.Register<string>("pod-created.v3"));
        // A retired manifest is read through its upcaster; it cannot come back as a type of its own...
        Assert.Throws<ArgumentException>(() => manifests.Register<RenamedPodCreated>("pod-created.v1"));
        // ...and a current manifest cannot be upcast away from its type.
        Assert.Throws<ArgumentException>(() => manifests.RegisterUpcaster("pod-created.v3", "pod-created.v4", node => node));
        Assert.Throws<ArgumentException>(() => manifests.Register<RenamedPodCreated>(" "));
    }
}
