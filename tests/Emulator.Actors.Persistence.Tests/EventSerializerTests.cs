using System.Text.Json.Nodes;
using Emulator.Actors.Persistence.Serialization;

namespace Emulator.Actors.Persistence.Tests;

public sealed class EventSerializerTests
{
    private sealed record PodCreatedV3(string Name, string Namespace, int Replicas);

    [Fact]
    public void Round_trips_a_registered_type_with_its_manifest()
    {
        var serializer = new EventSerializer().Register<PodCreatedV3>("pod-created.v3");
        var (manifest, payload) = serializer.Serialize(new PodCreatedV3("a", "default", 2));
        Assert.Equal("pod-created.v3", manifest);
        Assert.Equal(new PodCreatedV3("a", "default", 2), serializer.Deserialize(manifest, payload));
    }

    [Fact]
    public void Old_manifests_are_upcast_through_a_chain()
    {
        var serializer = new EventSerializer()
            .Register<PodCreatedV3>("pod-created.v3")
            .RegisterUpcaster("pod-created.v1", "pod-created.v2", v1 => new JsonObject { ["name"] = v1["podName"]!.GetValue<string>(), ["namespace"] = "default" })
            .RegisterUpcaster("pod-created.v2", "pod-created.v3", v2 =>
            {
                v2["replicas"] = 1;
                return v2;
            });
        var v1Payload = System.Text.Encoding.UTF8.GetBytes("""{"podName":"web-0"}""");
        Assert.Equal(new PodCreatedV3("web-0", "default", 1), serializer.Deserialize("pod-created.v1", v1Payload));
    }

    [Fact]
    public void Unregistered_types_and_unknown_manifests_fail_clearly()
    {
        var serializer = new EventSerializer();
        var e1 = Assert.Throws<EventSerializationException>(() => serializer.Serialize(new PodCreatedV3("a", "b", 1)));
        Assert.Contains("not registered", e1.Message);
        var e2 = Assert.Throws<EventSerializationException>(() => serializer.Deserialize("nope", "{}"u8));
        Assert.Contains("Unknown manifest [nope]", e2.Message);
    }

    [Fact]
    public void A_manifest_cannot_name_two_types()
    {
        var serializer = new EventSerializer().Register<PodCreatedV3>("x");
        Assert.Throws<ArgumentException>(() => serializer.Register<string>("x"));
    }
}
