using System.Text;
using System.Text.Json.Nodes;
using Akka.Serialization;
using Emulator.Runtime.Serialization;
using Emulator.TestKit;

namespace Emulator.Runtime.Tests.Serialization;

/// <summary>Registered event types go through Akka's own serialization (what the journals use) as EventJsonSerializer.</summary>
public sealed class AkkaSerializationTests : EmulatorTestKit
{
    public sealed record PodCreatedV3(string Name, string Namespace, int Replicas);

    public sealed record NotRegistered(string Name);

    public AkkaSerializationTests()
    {
        Manifests
            .Register<PodCreatedV3>("pod-created.v3")
            .RegisterUpcaster("pod-created.v1", "pod-created.v2", v1 => new JsonObject { ["name"] = v1["podName"]!.GetValue<string>(), ["namespace"] = "default" })
            .RegisterUpcaster("pod-created.v2", "pod-created.v3", v2 =>
            {
                v2["replicas"] = 1;
                return v2;
            });
    }

    [Fact]
    public void A_registered_type_is_bound_to_the_event_serializer_and_round_trips_through_akka()
    {
        var created = new PodCreatedV3("web-0", "default", 3);

        var serializer = Sys.Serialization.FindSerializerFor(created);

        Assert.IsType<EventJsonSerializer>(serializer);
        Assert.Equal(EventJsonSerializer.Id, serializer.Identifier);
        Assert.Equal(7301, serializer.Identifier);
        Assert.Equal("pod-created.v3", Akka.Serialization.Serialization.ManifestFor(serializer, created));
        var bytes = serializer.ToBinary(created);
        Assert.Equal("""{"name":"web-0","namespace":"default","replicas":3}""", Encoding.UTF8.GetString(bytes));
        Assert.Equal(created, Sys.Serialization.Deserialize(bytes, EventJsonSerializer.Id, "pod-created.v3"));
    }

    [Fact]
    public void Retired_manifests_are_upcast_when_akka_deserializes()
    {
        var v1 = Encoding.UTF8.GetBytes("""{"podName":"web-0"}""");

        Assert.Equal(new PodCreatedV3("web-0", "default", 1), Sys.Serialization.Deserialize(v1, EventJsonSerializer.Id, "pod-created.v1"));
    }

    [Fact]
    public void An_unknown_manifest_fails_clearly_through_akka()
    {
        var failure = Assert.ThrowsAny<Exception>(() => Sys.Serialization.Deserialize("{}"u8.ToArray(), EventJsonSerializer.Id, "nope.v1"));

        var cause = failure as EventSerializationException ?? failure.InnerException as EventSerializationException;
        Assert.NotNull(cause);
        Assert.Contains("Unknown manifest [nope.v1]", cause.Message);
    }

    /// <summary>
    /// Akka builds a new <c>Serialization</c> from configuration whenever an extension injects its fallback settings
    /// (Akka.Persistence, Akka.Streams, Akka.Remote... do when they load, often after the host registered its events):
    /// the binding must survive that, or events go to the journal with Newtonsoft and CLR type names.
    /// </summary>
    [Fact]
    public void The_binding_survives_akka_reloading_its_serialization_when_an_extension_loads()
    {
        var before = Sys.Serialization;
        Akka.Persistence.Persistence.Instance.Apply(Sys);
        Sys.Settings.InjectTopLevelFallback(Akka.Configuration.ConfigurationFactory.ParseString("emulator.tests.some-extension.setting = 1"));
        Assert.NotSame(before, Sys.Serialization);

        var created = new PodCreatedV3("web-0", "default", 3);
        var serializer = Sys.Serialization.FindSerializerFor(created);
        Assert.IsType<EventJsonSerializer>(serializer);
        Assert.Equal("pod-created.v3", Akka.Serialization.Serialization.ManifestFor(serializer, created));
        var v1 = Encoding.UTF8.GetBytes("""{"podName":"web-0"}""");
        Assert.Equal(new PodCreatedV3("web-0", "default", 1), Sys.Serialization.Deserialize(v1, EventJsonSerializer.Id, "pod-created.v1"));
    }

    [Fact]
    public void Types_that_are_not_registered_are_not_given_to_the_event_serializer()
    {
        Assert.IsNotType<EventJsonSerializer>(Sys.Serialization.FindSerializerFor(new NotRegistered("x")));
        Assert.IsNotType<EventJsonSerializer>(Sys.Serialization.FindSerializerFor("a string"));
    }

    [Fact]
    public async Task Each_system_has_its_own_manifests()
    {
        using var other = Akka.Actor.ActorSystem.Create("other", TestConfig(null, seed: null));
        var manifests = EventSerialization.Get(other).Manifests;

        Assert.Same(manifests, EventSerialization.Get(other).Manifests);
        Assert.NotSame(Manifests, manifests);
        Assert.Empty(manifests.Types);
        Assert.IsNotType<EventJsonSerializer>(other.Serialization.FindSerializerFor(new PodCreatedV3("a", "b", 1)));
        await other.Terminate();
    }
}
