using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

public sealed class ApiStoreTests : ApiStoreTestKit
{
    private static JsonObject Json(StoredObject o) => o.ToJsonObject();

    [Fact]
    public void Create_fills_server_metadata_and_resource_version_is_the_event_sequence()
    {
        var created = Ok(new CreateObject(Pods, Pod("web")));
        var metadata = Json(created)["metadata"]!;
        Assert.Equal("web", created.Name);
        Assert.Equal("default", created.Namespace);
        Assert.True(Guid.TryParse(metadata["uid"]!.GetValue<string>(), out _));
        Assert.Equal(1, metadata["generation"]!.GetValue<long>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", metadata["creationTimestamp"]!.GetValue<string>());
        Assert.Equal("v1", Json(created)["apiVersion"]!.GetValue<string>());
        var second = Ok(new CreateObject(Pods, Pod("web2")));
        Assert.Equal(created.ResourceVersion + 1, second.ResourceVersion);
    }

    [Fact]
    public void Duplicate_names_are_refused_with_AlreadyExists()
    {
        Ok(new CreateObject(Pods, Pod("web")));
        var error = Send(new CreateObject(Pods, Pod("web"))).Error!;
        Assert.Equal(409, error.Code);
        Assert.Equal("AlreadyExists", error.Reason);
        Assert.Equal("pods \"web\" already exists", error.Message);
    }

    [Fact]
    public void GenerateName_appends_five_characters_from_the_kubernetes_alphabet()
    {
        var obj = Pod("");
        obj["metadata"]!.AsObject().Remove("name");
        obj["metadata"]!["generateName"] = "web-";
        var created = Ok(new CreateObject(Pods, obj));
        Assert.Matches("^web-[bcdfghjklmnpqrstvwxz2456789]{5}$", created.Name);
    }

    [Fact]
    public void Missing_name_and_namespace_problems_are_reported_as_kubernetes_does()
    {
        var noName = Pod("");
        noName["metadata"]!.AsObject().Remove("name");
        var invalid = Send(new CreateObject(Pods, noName)).Error!;
        Assert.Equal(422, invalid.Code);
        Assert.Equal("metadata.name", invalid.Causes![0].Field);
        Assert.Contains("name or generateName is required", invalid.Message);

        var missingNamespace = Send(new CreateObject(Pods, Pod("a", "nowhere"))).Error!;
        Assert.Equal("namespaces \"nowhere\" not found", missingNamespace.Message);
    }

    [Fact]
    public void Stale_resource_version_is_a_conflict_with_the_api_server_message()
    {
        var created = Ok(new CreateObject(Deployments, Object("Deployment", "default", "web", new JsonObject { ["replicas"] = 1 })));
        var update = Json(created);
        update["spec"]!["replicas"] = 2;
        Ok(new UpdateObject(Deployments, update));
        update["spec"]!["replicas"] = 3;
        var error = Send(new UpdateObject(Deployments, update)).Error!;
        Assert.Equal(409, error.Code);
        Assert.Equal("Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again", error.Message);
    }

    [Fact]
    public void Generation_moves_only_with_spec_changes()
    {
        var created = Ok(new CreateObject(Deployments, Object("Deployment", "default", "web", new JsonObject { ["replicas"] = 1 })));
        var labelsOnly = Json(created);
        labelsOnly["metadata"]!["labels"] = new JsonObject { ["a"] = "b" };
        var relabelled = Ok(new UpdateObject(Deployments, labelsOnly));
        Assert.Equal(1, Json(relabelled)["metadata"]!["generation"]!.GetValue<long>());
        var scaled = Json(relabelled);
        scaled["spec"]!["replicas"] = 5;
        Assert.Equal(2, Json(Ok(new UpdateObject(Deployments, scaled)))["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public void Status_subresource_and_main_resource_change_only_their_part()
    {
        var created = Ok(new CreateObject(Deployments, Object("Deployment", "default", "web", new JsonObject { ["replicas"] = 1 })));
        var withStatus = Json(created);
        withStatus["status"] = new JsonObject { ["replicas"] = 1 };
        withStatus["spec"]!["replicas"] = 9;
        var afterStatus = Json(Ok(new UpdateObject(Deployments, withStatus, UpdateScope.Status)));
        Assert.Equal(1, afterStatus["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(1, afterStatus["status"]!["replicas"]!.GetValue<int>());

        afterStatus["status"]!["replicas"] = 7;
        var afterMain = Json(Ok(new UpdateObject(Deployments, afterStatus)));
        Assert.Equal(1, afterMain["status"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public void Kinds_without_a_generation_never_get_one_and_deletion_bumps_only_the_kinds_that_have_one()
    {
        var obj = Object("ConfigMap", "default", "cfg");
        obj["metadata"]!["generation"] = 5;
        obj["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        var created = Ok(new CreateObject(ConfigMaps, obj));
        Assert.Null(Json(created)["metadata"]!["generation"]);
        var changed = Json(created);
        changed["data"] = new JsonObject { ["k"] = "v" };
        changed["metadata"]!["generation"] = 2;
        var updated = Ok(new UpdateObject(ConfigMaps, changed));
        Assert.Null(Json(updated)["metadata"]!["generation"]);
        var deleting = Ok(new DeleteObject(ConfigMaps, "default", "cfg", new DeleteOptions()));
        Assert.Null(Json(deleting)["metadata"]!["generation"]);

        var deployment = Object("Deployment", "default", "web", new JsonObject { ["replicas"] = 1 });
        deployment["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        Ok(new CreateObject(Deployments, deployment));
        var deploymentDeleting = Ok(new DeleteObject(Deployments, "default", "web", new DeleteOptions()));
        Assert.Equal(2, Json(deploymentDeleting)["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public void A_no_op_update_keeps_the_resource_version()
    {
        var created = Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "cfg")));
        var same = Ok(new UpdateObject(ConfigMaps, Json(created)));
        Assert.Equal(created.ResourceVersion, same.ResourceVersion);
    }

    [Fact]
    public void Delete_removes_the_object()
    {
        Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "cfg")));
        Ok(new DeleteObject(ConfigMaps, "default", "cfg", new DeleteOptions()));
        Assert.Equal(404, Send(new GetObject(ConfigMaps, "default", "cfg")).Error!.Code);
    }

    [Fact]
    public void Finalizers_keep_a_deleted_object_until_they_are_removed()
    {
        var obj = Object("ConfigMap", "default", "cfg");
        obj["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        Ok(new CreateObject(ConfigMaps, obj));
        var deleting = Ok(new DeleteObject(ConfigMaps, "default", "cfg", new DeleteOptions()));
        Assert.True(deleting.IsDeleting);

        var addMore = Json(deleting);
        addMore["metadata"]!["finalizers"] = new JsonArray("example.com/hold", "example.com/other");
        Assert.Equal(422, Send(new UpdateObject(ConfigMaps, addMore)).Error!.Code);

        var released = Json(deleting);
        released["metadata"]!["finalizers"] = new JsonArray();
        Ok(new UpdateObject(ConfigMaps, released));
        Assert.Equal(404, Send(new GetObject(ConfigMaps, "default", "cfg")).Error!.Code);
    }

    [Fact]
    public void Bound_pods_get_a_grace_period_and_unbound_pods_go_at_once()
    {
        Ok(new CreateObject(Pods, Pod("pending")));
        Ok(new DeleteObject(Pods, "default", "pending", new DeleteOptions()));
        Assert.Equal(404, Send(new GetObject(Pods, "default", "pending")).Error!.Code);

        var bound = Pod("bound");
        bound["spec"]!["nodeName"] = "node-1";
        Ok(new CreateObject(Pods, bound));
        var terminating = Ok(new DeleteObject(Pods, "default", "bound", new DeleteOptions()));
        Assert.Equal(30, Json(terminating)["metadata"]!["deletionGracePeriodSeconds"]!.GetValue<long>());
        Ok(new DeleteObject(Pods, "default", "bound", new DeleteOptions(GracePeriodSeconds: 0)));
        Assert.Equal(404, Send(new GetObject(Pods, "default", "bound")).Error!.Code);
    }

    [Fact]
    public void Terminating_namespaces_refuse_new_content()
    {
        Ok(new CreateObject(Namespaces, Object("Namespace", null, "team")));
        var ns = Ok(new DeleteObject(Namespaces, null, "team", new DeleteOptions()));
        Assert.Equal("Terminating", Json(ns)["status"]!["phase"]!.GetValue<string>());
        var error = Send(new CreateObject(Pods, Pod("a", "team"))).Error!;
        Assert.Equal(403, error.Code);
        Assert.Contains("because it is being terminated", error.Message);
    }

    [Fact]
    public void System_namespaces_exist()
    {
        var list = Ask<ListReply>(new ListObjects(Namespaces, null));
        Assert.Equal(["default", "kube-node-lease", "kube-public", "kube-system"], list.Items.Select(i => i.Name));
    }

    [Fact]
    public void Lists_are_sorted_and_filtered()
    {
        Ok(new CreateObject(Pods, Pod("b", labels: new JsonObject { ["app"] = "x" })));
        Ok(new CreateObject(Pods, Pod("a", labels: new JsonObject { ["app"] = "y" })));
        Ok(new CreateObject(Pods, Pod("c", "kube-system", new JsonObject { ["app"] = "x" })));
        Assert.Equal(["a", "b", "c"], Ask<ListReply>(new ListObjects(Pods, null)).Items.Select(i => i.Name));
        Assert.Equal(["b", "c"], Ask<ListReply>(new ListObjects(Pods, null, new ObjectSelector("app=x"))).Items.Select(i => i.Name));
        Assert.Equal(["a", "b"], Ask<ListReply>(new ListObjects(Pods, "default")).Items.Select(i => i.Name));
    }

    [Fact]
    public void A_restarted_store_recovers_every_object_and_continues_the_resource_versions()
    {
        for (var i = 0; i < 20; i++)
        {
            Ok(new CreateObject(Pods, Pod($"p{i}")));
        }
        var last = Ok(new CreateObject(Pods, Pod("last")));
        Watch(Store);
        Sys.Stop(Store);
        ExpectTerminated(Store);
        Store = StartStore("api-store-2");
        var recovered = Ok(new GetObject(Pods, "default", "last"));
        Assert.Equal(last.ResourceVersion, recovered.ResourceVersion);
        Assert.Equal(21, Ask<ListReply>(new ListObjects(Pods, null)).Items.Count);
        Assert.Equal(last.ResourceVersion + 1, Ok(new CreateObject(Pods, Pod("next"))).ResourceVersion);
    }

    private T Ask<T>(object command) => Request<T>(command);
}
