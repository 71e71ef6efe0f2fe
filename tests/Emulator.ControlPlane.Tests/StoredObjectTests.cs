using System.Text;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class StoredObjectTests
{
    private static StoredObject Pod(string ownerReferences) =>
        StoredObject.From("pods", Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","ownerReferences":""" + ownerReferences + "}}"));

    [Fact]
    public void The_controller_reference_is_the_owner_marked_controller_as_the_parsed_object_reads_it()
    {
        var stored = Pod("""[{"apiVersion":"v1","kind":"ConfigMap","name":"cm","uid":"u1"},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-1","uid":"u2","controller":true,"blockOwnerDeletion":true}]""");

        Assert.Equal(new OwnerReference("apps/v1", "ReplicaSet", "web-1", "u2", true, true), stored.ControllerReference);
        Assert.Equal(stored.Parsed.ControllerReference, stored.ControllerReference);
        Assert.Equal(["u1", "u2"], stored.OwnerUids);
    }

    [Theory]
    [InlineData("""[{"apiVersion":"v1","kind":"ConfigMap","name":"cm","uid":"u1"}]""")]
    [InlineData("""[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-1","uid":"u2","controller":false}]""")]
    [InlineData("[]")]
    [InlineData("null")]
    public void Without_an_owner_marked_controller_there_is_none(string ownerReferences)
    {
        var stored = Pod(ownerReferences);

        Assert.Null(stored.ControllerReference);
        Assert.Null(stored.Parsed.ControllerReference);
    }

    private static StoredObject PodWith(string uid, string spec, string status) =>
        StoredObject.From("pods", Encoding.UTF8.GetBytes($$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","uid":"{{uid}}"},"spec":{{spec}},"status":{{status}}}"""));

    [Theory]
    [InlineData("""{"conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True","lastTransitionTime":"2026-01-02T03:04:05Z"}]}""", true, "2026-01-02T03:04:05Z")]
    [InlineData("""{"conditions":[{"type":"Ready","status":"True","lastTransitionTime":"not a time"}]}""", true, null)]
    [InlineData("""{"conditions":[{"type":"Ready","status":"False","lastTransitionTime":"2026-01-02T03:04:05Z"}]}""", false, null)]
    [InlineData("""{"conditions":[{"type":"Ready","status":"False"},{"type":"Ready","status":"True"}]}""", false, null)]
    [InlineData("""{"phase":"Pending"}""", false, null)]
    public void A_pods_readiness_is_read_from_its_first_Ready_condition_as_the_parsed_object_reads_it(string status, bool ready, string? since)
    {
        var stored = PodWith("u1", "{}", status);

        Assert.Equal(ready, stored.IsPodReady);
        Assert.Equal(ready, new Emulator.Kubernetes.Views.PodView(stored.Parsed).IsReady);
        Assert.Equal(since is null ? null : DateTimeOffset.Parse(since, System.Globalization.CultureInfo.InvariantCulture), stored.PodReadySince);
    }

    [Fact]
    public void Two_versions_have_the_same_pod_spec_only_when_the_pod_and_its_spec_bytes_are_the_same()
    {
        const string spec = """{"nodeName":"node-1","containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"100m"}}}]}""";
        var bound = PodWith("u1", spec, """{"phase":"Pending"}""");

        Assert.True(bound.HasSamePodSpec(PodWith("u1", spec, """{"phase":"Running","podIP":"10.244.0.5"}""")));
        Assert.False(bound.HasSamePodSpec(PodWith("u1", spec.Replace("100m", "200m", StringComparison.Ordinal), """{"phase":"Pending"}""")));
        Assert.False(bound.HasSamePodSpec(PodWith("u2", spec, """{"phase":"Pending"}""")));
        Assert.False(StoredObject.From("configmaps", Encoding.UTF8.GetBytes("""{"metadata":{"name":"c","uid":"u1"},"spec":{}}""")).HasSamePodSpec(bound));
    }

    private static System.Text.Json.Nodes.JsonObject Labelled(string labels) =>
        System.Text.Json.Nodes.JsonNode.Parse($$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{{{labels}}}}}""")!.AsObject();

    [Theory]
    [InlineData("""{"app":"web","tier":"front"}""", true)]
    [InlineData("""{"tier":"front","app":"web"}""", true)]
    [InlineData("""{"app":"web"}""", false)]
    [InlineData("""{"app":"web","tier":"back"}""", false)]
    [InlineData("""{"app":"web","tier":"front","x":"y"}""", false)]
    public void A_new_version_with_the_same_labels_shares_the_previous_versions_label_map(string labels, bool shared)
    {
        var previous = StoredObject.From("pods", Labelled("""{"app":"web","tier":"front"}"""));

        var next = StoredObject.From("pods", Labelled(labels), previous);

        Assert.Equal(shared, ReferenceEquals(previous.Labels, next.Labels));
        Assert.Equal(shared, next.HasSameLabels(previous));
        Assert.Equal(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(labels), next.Labels);
    }
}
