using System.Text.Json.Nodes;
using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Serialization;
using Emulator.Kubernetes.Views;

namespace Emulator.Kubernetes.Tests;

public class ViewTests
{
    private static KubeObject Deployment() => ManifestReader.ReadSingle("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default, uid: u1, resourceVersion: "7"}
        spec:
          replicas: 10
          selector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [front]}]}
          strategy: {rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}
          template:
            metadata: {labels: {app: web, tier: front}}
            spec:
              containers:
              - name: app
                image: nginx
                ports: [{name: http, containerPort: 80}]
                env: [{name: A, value: "1"}, {name: B, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
                resources: {requests: {cpu: 250m}}
        status: {replicas: 4}
        """);

    [Fact]
    public void Workload_view_reads_replicas_selector_template_and_bounds()
    {
        var view = new WorkloadView(Deployment());
        Assert.Equal(10, view.Replicas);
        Assert.True(view.Selector.Matches(view.TemplateLabels));
        Assert.Equal((3, 2), view.RollingUpdateBounds);
        view.Replicas = 3;
        Assert.Equal(3, JsonTree.GetInt(view.Object.Document, "spec", "replicas"));
    }

    [Theory]
    [InlineData("25%", 10, true, 3)]
    [InlineData("25%", 10, false, 2)]
    [InlineData(2, 10, false, 2)]
    public void Int_or_percent_resolution(object value, int total, bool roundUp, int expected)
    {
        var node = value is string s ? JsonValue.Create(s) : JsonValue.Create((int)value);
        Assert.Equal(expected, IntOrPercent.Resolve(node, total, roundUp));
    }

    [Fact]
    public void Both_zero_fenceposts_allow_one_unavailable()
    {
        Assert.Equal((0, 1), IntOrPercent.ResolveFenceposts(JsonValue.Create("0%"), JsonValue.Create(0), 3));
    }

    [Fact]
    public void Pod_and_container_views()
    {
        var pod = new KubeObject(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "p" },
            ["spec"] = JsonTree.GetObject(Deployment().Document, "spec", "template", "spec")!.DeepClone(),
        });
        var view = new PodView(pod);
        var container = Assert.Single(view.Containers);
        Assert.Equal("nginx", container.Image);
        Assert.Equal(new ContainerPortInfo("http", 80, "TCP", 0), Assert.Single(container.Ports));
        Assert.Equal([KeyValuePair.Create("A", (string?)"1"), KeyValuePair.Create("B", (string?)null)], container.Env);
        Assert.Equal(250, container.Requests["cpu"].MilliValue);
        view.NodeName = "node-1";
        view.Phase = "Running";
        Assert.Equal("node-1", JsonTree.GetString(pod.Document, "spec", "nodeName"));
        Assert.False(view.IsReady);
        Conditions.Set(pod.EnsureStatus(), "Ready", "True", null, null, DateTimeOffset.UnixEpoch);
        Assert.True(view.IsReady);
    }

    [Fact]
    public void Conditions_keep_transition_time_unless_status_flips()
    {
        var status = new JsonObject();
        var t0 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.True(Conditions.Set(status, "Available", "False", "MinimumReplicasUnavailable", "no", t0));
        Assert.False(Conditions.Set(status, "Available", "False", "MinimumReplicasUnavailable", "no", t0.AddMinutes(1)));
        Assert.True(Conditions.Set(status, "Available", "False", "Other", "still no", t0.AddMinutes(2)));
        Assert.Equal("2024-01-01T00:00:00Z", JsonTree.GetString(Conditions.Find(status, "Available"), "lastTransitionTime"));
        Assert.True(Conditions.Set(status, "Available", "True", "MinimumReplicasAvailable", "yes", t0.AddMinutes(3)));
        Assert.Equal("2024-01-01T00:03:00Z", JsonTree.GetString(Conditions.Find(status, "Available"), "lastTransitionTime"));
        Assert.Single((JsonArray)status["conditions"]!);
    }

    [Fact]
    public void Scale_subresource_round_trip()
    {
        var deployment = Deployment();
        var scale = ScaleSubresource.From(deployment);
        Assert.Equal("autoscaling/v1", scale.ApiVersion);
        Assert.Equal("Scale", scale.Kind);
        Assert.Equal(10, JsonTree.GetInt(scale.Document, "spec", "replicas"));
        Assert.Equal(4, JsonTree.GetInt(scale.Document, "status", "replicas"));
        Assert.Equal("app=web,tier in (front)", JsonTree.GetString(scale.Document, "status", "selector"));
        Assert.Equal("u1", scale.Uid);
        Assert.Equal("7", scale.ResourceVersion);
        scale.Spec!["replicas"] = 2;
        Assert.Equal(2, JsonTree.GetInt(ScaleSubresource.Apply(deployment, scale).Document, "spec", "replicas"));
        Assert.Equal(10, JsonTree.GetInt(deployment.Document, "spec", "replicas"));
    }
}

public class UpdateRulesTests
{
    private static readonly KindInfo DeploymentKind = KindRegistry.Default.Resolve("apps/v1", "Deployment");

    private static KubeObject Live()
    {
        var obj = KubeObject.ParseJson("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","uid":"u1","creationTimestamp":"2024-01-01T00:00:00Z","generation":3,"labels":{"a":"b"}},"spec":{"replicas":1},"status":{"replicas":1}}""");
        return obj;
    }

    [Fact]
    public void Create_sets_generation_one_and_drops_status()
    {
        var obj = Live();
        UpdateRules.PrepareForCreate(obj, DeploymentKind);
        Assert.Equal(1, obj.Generation);
        Assert.Null(obj.Status);
        var cm = KubeObject.ParseJson("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","generation":5}}""");
        UpdateRules.PrepareForCreate(cm, KindRegistry.Default.Resolve("v1", "ConfigMap"));
        Assert.Null(cm.Generation);
    }

    [Fact]
    public void Spec_change_bumps_generation_and_status_is_kept_from_live()
    {
        var old = Live();
        var updated = Live();
        updated.Spec!["replicas"] = 5;
        updated.Status!["replicas"] = 99;
        updated.Metadata.Remove("uid");
        updated.Metadata["creationTimestamp"] = "2030-01-01T00:00:00Z";
        UpdateRules.PrepareForUpdate(updated, old, DeploymentKind);
        Assert.Equal(4, updated.Generation);
        Assert.Equal(1, JsonTree.GetInt(updated.Document, "status", "replicas"));
        Assert.Equal("u1", updated.Uid);
        Assert.Equal("2024-01-01T00:00:00Z", JsonTree.GetString(updated.Document, "metadata", "creationTimestamp"));
    }

    [Fact]
    public void Metadata_only_change_keeps_generation()
    {
        var old = Live();
        var updated = Live();
        updated.SetLabel("c", "d");
        UpdateRules.PrepareForUpdate(updated, old, DeploymentKind);
        Assert.Equal(3, updated.Generation);
    }

    [Fact]
    public void Status_update_takes_only_status()
    {
        var old = Live();
        var request = Live();
        request.Spec!["replicas"] = 50;
        request.Status!["replicas"] = 2;
        request.SetLabel("x", "y");
        var result = UpdateRules.PrepareStatusUpdate(request, old);
        Assert.Equal(1, JsonTree.GetInt(result.Document, "spec", "replicas"));
        Assert.Equal(2, JsonTree.GetInt(result.Document, "status", "replicas"));
        Assert.False(result.Labels.ContainsKey("x"));
    }

    [Fact]
    public void Client_supplied_status_is_replaced_on_create()
    {
        var ns = KubeObject.ParseJson("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"},"status":{"phase":"Terminating"}}""");
        UpdateRules.PrepareForCreate(ns, KindRegistry.Default.Resolve(ns));
        ObjectDefaulter.Apply(ns);
        Assert.Equal("Active", JsonTree.GetString(ns.Document, "status", "phase"));

        var pod = KubeObject.ParseJson("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"b"}]},"status":{"phase":"Running","podIP":"1.2.3.4"}}""");
        UpdateRules.PrepareForCreate(pod, KindRegistry.Default.Resolve(pod));
        ObjectDefaulter.Apply(pod);
        CreateDefaults.Apply(pod);
        Assert.Equal("""{"phase":"Pending","qosClass":"BestEffort"}""", JsonTree.ToCompactJson(pod.Status));

        var node = KubeObject.ParseJson("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"status":{"capacity":{"cpu":"4","pods":"110"}}}""");
        UpdateRules.PrepareForCreate(node, KindRegistry.Default.Resolve(node));
        ObjectDefaulter.Apply(node);
        Assert.Equal("""{"cpu":"4","pods":"110"}""", JsonTree.ToCompactJson(JsonTree.Get(node.Document, "status", "allocatable")));
    }

    [Fact]
    public void Full_create_pipeline_produces_a_valid_object()
    {
        var obj = ManifestReader.ReadSingle("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: default}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: app, image: nginx}]}
            """);
        var kind = KindRegistry.Default.Resolve(obj);
        UpdateRules.PrepareForCreate(obj, kind);
        ObjectDefaulter.Apply(obj);
        obj.Uid = Guid.NewGuid().ToString();
        CreateDefaults.Apply(obj);
        Assert.Empty(Validation.ObjectValidator.Validate(obj, kind));
    }
}
