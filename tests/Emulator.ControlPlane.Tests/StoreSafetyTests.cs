using System.Text.Json.Nodes;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// Commands carrying objects no admission checked (sent straight to the store, bypassing the API): each is answered
/// with an error, the store keeps running (same incarnation, no journal replay), nothing is half applied, and later
/// valid commands succeed with the next resourceVersion.
/// </summary>
public sealed class StoreSafetyTests : ApiStoreTestKit
{
    private StoreInfo Info() => Request<StoreInfo>(new GetStoreInfo());

    private static JsonObject ConfigMap(string name, JsonNode? labels = null, string data = "v")
    {
        var obj = Object("ConfigMap", "default", name);
        if (labels is not null)
        {
            obj["metadata"]!["labels"] = labels;
        }
        obj["data"] = new JsonObject { ["k"] = data };
        return obj;
    }

    /// <summary>Sends a hostile command and checks it failed with a 500 and changed nothing.</summary>
    private ApiStatus RefusedWithoutHarm(StoreCommand command, int expectedCode = 500)
    {
        var before = Info();
        var pods = Request<ListReply>(new ListObjects(Pods, null));
        var configMaps = Request<ListReply>(new ListObjects(ConfigMaps, null));
        var reply = Send(command);
        Assert.False(reply.IsSuccess);
        var error = reply.Error!;
        Assert.Equal(expectedCode, error.Code);
        var after = Info();
        Assert.Equal(before.Incarnation, after.Incarnation);
        Assert.Equal(before.RecoveredEvents, after.RecoveredEvents);
        Assert.Equal(before.ObjectCount, after.ObjectCount);
        // Same objects at the same versions: nothing half applied.
        Assert.Equal(pods.Items.Select(o => (o.Name, o.ResourceVersion)), Request<ListReply>(new ListObjects(Pods, null)).Items.Select(o => (o.Name, o.ResourceVersion)));
        Assert.Equal(configMaps.Items.Select(o => (o.Name, o.ResourceVersion)), Request<ListReply>(new ListObjects(ConfigMaps, null)).Items.Select(o => (o.Name, o.ResourceVersion)));
        Assert.Equal(pods.ResourceVersion, Request<ListReply>(new ListObjects(Pods, null)).ResourceVersion);
        return error;
    }

    /// <summary>A valid write after the failures gets the very next resourceVersion: no version was lost to them.</summary>
    private void StoreStillWorks(string name)
    {
        var last = Request<ListReply>(new ListObjects(Pods, null)).ResourceVersion;
        var created = Ok(new CreateObject(ConfigMaps, ConfigMap(name)));
        Assert.Equal(last + 1, created.ResourceVersion);
        Assert.Equal("v", created.ToJsonObject()["data"]!["k"]!.GetValue<string>());
    }

    [Fact]
    public void A_create_whose_label_value_is_an_object_is_a_500_and_the_store_keeps_running()
    {
        Ok(new CreateObject(ConfigMaps, ConfigMap("good")));
        var incarnation = Info().Incarnation;
        var labels = new JsonObject { ["a"] = new JsonObject { ["b"] = new JsonObject() } };

        ApiStatus error = null!;
        EventFilter.Error(contains: "create configmaps default/bad").ExpectOne(() => error = RefusedWithoutHarm(new CreateObject(ConfigMaps, ConfigMap("bad", labels))));

        Assert.Equal("InternalError", error.Reason);
        Assert.StartsWith("Internal error occurred: ", error.Message);
        Assert.Equal("configmaps", error.Kind);
        Assert.Equal("bad", error.Name);
        Assert.Equal(404, Send(new GetObject(ConfigMaps, "default", "bad")).Error!.Code);
        StoreStillWorks("after");
        var info = Info();
        Assert.Equal(incarnation, info.Incarnation);
        Assert.Equal(1, info.CommandFailures);
    }

    [Theory]
    [InlineData("""{"name": 5, "namespace": "default"}""")]
    [InlineData("""{"name": ["x"], "namespace": "default"}""")]
    [InlineData("""{"name": "x", "namespace": {"a": 1}}""")]
    [InlineData("""{"generateName": 7, "namespace": "default"}""")]
    [InlineData("""{"name": "x", "namespace": "default", "finalizers": [1, {}]}""")]
    [InlineData("""{"name": "x", "namespace": "default", "ownerReferences": [{"uid": 3}]}""")]
    public void Creates_with_metadata_of_the_wrong_types_are_500s(string metadata)
    {
        var obj = ConfigMap("x");
        obj["metadata"] = JsonNode.Parse(metadata);
        RefusedWithoutHarm(new CreateObject(ConfigMaps, obj));
        StoreStillWorks("after");
    }

    [Fact]
    public void Updates_and_status_updates_with_hostile_objects_change_nothing()
    {
        var good = Ok(new CreateObject(ConfigMaps, ConfigMap("good")));
        var pod = Ok(new CreateObject(Pods, Pod("web")));

        var labelsAsObject = good.ToJsonObject();
        labelsAsObject["metadata"]!["labels"] = new JsonObject { ["a"] = new JsonObject { ["b"] = new JsonObject() } };
        RefusedWithoutHarm(new UpdateObject(ConfigMaps, labelsAsObject));

        var versionAsNumber = good.ToJsonObject();
        versionAsNumber["metadata"]!["resourceVersion"] = 12;
        RefusedWithoutHarm(new UpdateObject(ConfigMaps, versionAsNumber));

        var statusWithBadVersion = pod.ToJsonObject();
        statusWithBadVersion["metadata"]!["uid"] = new JsonArray(1, 2);
        statusWithBadVersion["status"] = new JsonObject { ["phase"] = "Running" };
        RefusedWithoutHarm(new UpdateObject(Pods, statusWithBadVersion, UpdateScope.Status));

        var statusWithBadName = pod.ToJsonObject();
        statusWithBadName["metadata"]!["name"] = new JsonObject();
        RefusedWithoutHarm(new UpdateObject(Pods, statusWithBadName, UpdateScope.Status));

        Assert.Equal(good.ResourceVersion, Ok(new GetObject(ConfigMaps, "default", "good")).ResourceVersion);
        Assert.Empty(Ok(new GetObject(ConfigMaps, "default", "good")).Labels);
        StoreStillWorks("after");
        // The object the hostile updates aimed at still takes valid updates.
        var relabelled = good.ToJsonObject();
        relabelled["metadata"]!["labels"] = new JsonObject { ["a"] = "b" };
        Assert.Equal("b", Ok(new UpdateObject(ConfigMaps, relabelled)).Labels["a"]);
    }

    [Fact]
    public void Deletes_and_binds_of_objects_stored_with_wrongly_typed_fields_are_500s_and_the_objects_stay()
    {
        // Stored without admission: the fields a delete and a bind read have the wrong types.
        var bound = Pod("bound");
        bound["spec"]!["nodeName"] = "node-1";
        bound["spec"]!["terminationGracePeriodSeconds"] = "thirty";
        Ok(new CreateObject(Pods, bound));
        var oddNode = Pod("odd-node");
        oddNode["spec"]!["nodeName"] = 5;
        Ok(new CreateObject(Pods, oddNode));

        RefusedWithoutHarm(new DeleteObject(Pods, "default", "bound", new DeleteOptions()));
        RefusedWithoutHarm(new BindPod("default", "odd-node", "node-1"));

        Assert.False(Ok(new GetObject(Pods, "default", "bound")).IsDeleting);
        StoreStillWorks("after");
        // A delete that does not read the broken field still works.
        Ok(new DeleteObject(Pods, "default", "bound", new DeleteOptions(GracePeriodSeconds: 0)));
        Assert.Equal(404, Send(new GetObject(Pods, "default", "bound")).Error!.Code);
    }

    [Fact]
    public void A_list_whose_selector_does_not_parse_answers_empty_and_the_store_keeps_running()
    {
        Ok(new CreateObject(ConfigMaps, ConfigMap("a")));
        var incarnation = Info().Incarnation;
        var reply = Request<ListReply>(new ListObjects(ConfigMaps, null, new ObjectSelector(Labels: "app in (web")));
        Assert.Empty(reply.Items);
        Assert.Equal(incarnation, Info().Incarnation);
        Assert.Single(Request<ListReply>(new ListObjects(ConfigMaps, "default")).Items);
    }

    [Fact]
    public void Objects_over_etcds_request_limit_are_refused_with_the_api_servers_500()
    {
        var limit = ApiStore.MaxObjectBytes;
        var tooLarge = ConfigMap("huge", data: new string('x', limit));
        var error = RefusedWithoutHarm(new CreateObject(ConfigMaps, tooLarge));
        // What the API server returns when etcd refuses the write: a Status with no reason.
        Assert.Equal("etcdserver: request is too large", error.Message);
        Assert.Equal("", error.Reason);
        Assert.Null(error.Causes);

        // Just under the limit is stored; growing it past the limit by an update is refused the same way.
        var fits = ConfigMap("fits", data: new string('x', limit - 1024));
        var stored = Ok(new CreateObject(ConfigMaps, fits));
        Assert.True(stored.Json.Length <= limit);
        var grown = stored.ToJsonObject();
        grown["data"]!["more"] = new string('y', 2048);
        Assert.Equal("etcdserver: request is too large", RefusedWithoutHarm(new UpdateObject(ConfigMaps, grown)).Message);
        Assert.False(Ok(new GetObject(ConfigMaps, "default", "fits")).ToJsonObject()["data"]!.AsObject().ContainsKey("more"));
        StoreStillWorks("after");
    }
}

/// <summary>The same hostile objects through the product's admission (defaulting and validation): still answered, never a restart.</summary>
public sealed class StoreSafetyWithAdmissionTests() : ApiStoreTestKit(admission: KubernetesAdmission.Default)
{
    public static TheoryData<string> HostileConfigMaps => new()
    {
        """{"metadata": {"name": "x", "namespace": "default", "labels": {"a": {"b": {}}}}}""",
        """{"metadata": {"name": "x", "namespace": "default", "labels": {"a": 5}}}""",
        """{"metadata": {"name": "x", "namespace": "default", "annotations": {"a": []}}}""",
        """{"metadata": {"name": "x", "namespace": "default", "finalizers": "f"}}""",
        """{"metadata": {"name": "x", "namespace": "default", "ownerReferences": {"uid": 3}}}""",
    };

    [Theory]
    [MemberData(nameof(HostileConfigMaps))]
    public void Hostile_config_maps_are_refused_and_the_store_keeps_running(string json)
    {
        var before = Request<StoreInfo>(new GetStoreInfo());
        var obj = JsonNode.Parse(json)!.AsObject();
        obj["kind"] = "ConfigMap";
        obj["apiVersion"] = "v1";
        var reply = Send(new CreateObject(ConfigMaps, obj));
        Assert.False(reply.IsSuccess, reply.Object is { } stored ? System.Text.Encoding.UTF8.GetString(stored.Json) : null);
        Assert.InRange(reply.Error!.Code, 400, 500);
        var after = Request<StoreInfo>(new GetStoreInfo());
        Assert.Equal(before.Incarnation, after.Incarnation);
        Assert.Equal(before.ObjectCount, after.ObjectCount);
        Assert.Equal(404, Send(new GetObject(ConfigMaps, "default", "x")).Error!.Code);
        Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "fine")));
    }

    [Fact]
    public void The_store_refuses_metadata_that_another_write_path_would_otherwise_store_without_a_type_check()
    {
        // Update: the store's own check of the metadata it indexes applies to every write, whatever admission let through.
        var stored = Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "c")));
        var update = stored.ToJsonObject();
        update["metadata"]!["annotations"] = new JsonObject { ["a"] = new JsonArray() };
        var error = Send(new UpdateObject(ConfigMaps, update)).Error!;
        Assert.Equal(500, error.Code);
        Assert.Equal("Internal error occurred: metadata.annotations.a: expected a string, found a list", error.Message);
        Assert.Equal(stored.ResourceVersion, Ok(new GetObject(ConfigMaps, "default", "c")).ResourceVersion);
    }
}
