using Emulator.Kubernetes.Kinds;

namespace Emulator.Kubernetes.Tests;

public class KubeObjectTests
{
    [Fact]
    public void Typed_metadata_accessors_read_and_write_the_document()
    {
        var obj = KubeObject.Create("apps/v1", "Deployment", "web", "default");
        obj.Uid = "u-1";
        obj.Generation = 2;
        obj.CreationTimestamp = new DateTimeOffset(2024, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2));
        obj.SetLabel("app", "web");
        obj.SetAnnotation("note", "x");
        obj.SetFinalizers(["a/b"]);
        obj.SetOwnerReferences([new OwnerReference("v1", "Thing", "t", "uid-t", Controller: true)]);

        Assert.Equal("web", obj.Name);
        Assert.Equal("default", obj.Namespace);
        Assert.Equal("2024-01-02T01:04:05Z", obj.Metadata["creationTimestamp"]!.GetValue<string>());
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 1, 4, 5, TimeSpan.Zero), obj.CreationTimestamp);
        Assert.Equal("web", obj.Labels["app"]);
        Assert.Equal(["a/b"], obj.Finalizers);
        Assert.Equal("uid-t", obj.ControllerReference!.Uid);
        Assert.Equal(new GroupVersionKind("apps", "v1", "Deployment"), obj.GroupVersionKind);

        obj.SetLabel("app", null);
        Assert.Null(obj.Metadata["labels"]);
        obj.SetFinalizers([]);
        Assert.False(obj.Metadata.ContainsKey("finalizers"));
    }

    [Fact]
    public void Deep_clone_is_independent()
    {
        var obj = KubeObject.Create("v1", "Pod", "p", "default");
        var copy = obj.DeepClone();
        copy.SetLabel("x", "y");
        Assert.Empty(obj.Labels);
        Assert.Single(copy.Labels);
    }
}

public class KindRegistryTests
{
    [Theory]
    [InlineData("deploy", "Deployment", "apps")]
    [InlineData("deployments", "Deployment", "apps")]
    [InlineData("deployments.apps", "Deployment", "apps")]
    [InlineData("po", "Pod", "")]
    [InlineData("sts", "StatefulSet", "apps")]
    [InlineData("cj", "CronJob", "batch")]
    [InlineData("ev", "Event", "")]
    [InlineData("events.events.k8s.io", "Event", "events.k8s.io")]
    [InlineData("pvc", "PersistentVolumeClaim", "")]
    [InlineData("Service", "Service", "")]
    public void Names_short_names_and_kinds_resolve(string name, string kind, string group)
    {
        var info = KindRegistry.Default.FindByAnyName(name);
        Assert.NotNull(info);
        Assert.Equal(kind, info!.Kind);
        Assert.Equal(group, info.Group);
    }

    [Fact]
    public void Kinds_carry_discovery_facts()
    {
        var registry = KindRegistry.Default;
        var lease = registry.Resolve("coordination.k8s.io/v1", "Lease");
        Assert.Equal("leases", lease.Resource);
        Assert.True(lease.Namespaced);
        var node = registry.Resolve("v1", "Node");
        Assert.False(node.Namespaced);
        Assert.Equal("NodeList", node.ListKind);
        Assert.Contains("all", registry.Resolve("apps/v1", "Deployment").Categories);
        Assert.Empty(registry.Resolve("v1", "ConfigMap").Categories);
        Assert.True(registry.Resolve("apps/v1", "StatefulSet").HasScale);
        Assert.Equal("deployments.apps", registry.Resolve("apps/v1", "Deployment").QualifiedResource);
        Assert.Equal(["all"], registry.InCategory("all").Select(k => k.Categories[0]).Distinct());
        Assert.Equal(["Pod", "Service", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController", "HorizontalPodAutoscaler"], registry.InCategory("all").Select(k => k.Kind));
    }

    [Fact]
    public void Unknown_kind_or_version_is_a_clear_error()
    {
        var error = Assert.Throws<UnknownKindException>(() => KindRegistry.Default.Resolve("apps/v1", "Widget"));
        Assert.Equal("no matches for kind \"Widget\" in version \"apps/v1\"", error.Message);
        error = Assert.Throws<UnknownKindException>(() => KindRegistry.Default.Resolve("apps/v1beta1", "Deployment"));
        Assert.Equal("no matches for kind \"Deployment\" in version \"apps/v1beta1\"", error.Message);
    }
}
