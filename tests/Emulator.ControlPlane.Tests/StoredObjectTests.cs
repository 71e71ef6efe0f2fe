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
}
