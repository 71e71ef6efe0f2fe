using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.GarbageCollection;
using Emulator.ControlPlane.Namespace;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.CustomResources;

namespace Emulator.ControlPlane.Tests;

public sealed class CustomResourceDefinitionControllerTests : ClusterTestKit
{
    private static readonly ResourceType Definitions = CustomResourceTypes.Definitions;
    private static readonly ResourceType CronTabs = new("stable.example.com", "v1", "crontabs", "CronTab", Namespaced: true, HasStatus: false);

    private void StartController() =>
        Sys.ActorOf(Props.Create(() => new CustomResourceDefinitionController(Store, Hub, null)), "crd-controller");

    private static JsonObject Crd(string plural, string kind, string group = "stable.example.com", string[]? shortNames = null) => new()
    {
        ["apiVersion"] = "apiextensions.k8s.io/v1",
        ["kind"] = "CustomResourceDefinition",
        ["metadata"] = new JsonObject { ["name"] = $"{plural}.{group}" },
        ["spec"] = new JsonObject
        {
            ["group"] = group,
            ["scope"] = "Namespaced",
            ["names"] = new JsonObject
            {
                ["plural"] = plural,
                ["kind"] = kind,
                ["shortNames"] = new JsonArray((shortNames ?? []).Select(s => (JsonNode?)s).ToArray()),
            },
            ["versions"] = new JsonArray(new JsonObject
            {
                ["name"] = "v1",
                ["served"] = true,
                ["storage"] = true,
                ["schema"] = new JsonObject
                {
                    ["openAPIV3Schema"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["spec"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["cronSpec"] = new JsonObject { ["type"] = "string" } } },
                        },
                    },
                },
            }),
        },
    };

    private static JsonObject CronTab(string name, string ns = "default") => new()
    {
        ["apiVersion"] = "stable.example.com/v1",
        ["kind"] = "CronTab",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject { ["cronSpec"] = "* * * * */5" },
    };

    private string? Condition(string crd, string type, string field = "status") =>
        (JsonTree.GetArray(Get(Definitions, null, crd).Document, "status", "conditions") ?? []).OfType<JsonObject>()
            .Where(c => JsonTree.AsString(c["type"]) == type).Select(c => JsonTree.AsString(c[field])).FirstOrDefault();

    [Fact]
    public void A_new_CRD_gets_its_names_accepted_and_is_established()
    {
        Ok(new CreateObject(Definitions, Crd("crontabs", "CronTab", shortNames: ["ct"])));
        StartController();
        Settle();
        var crd = Get(Definitions, null, "crontabs.stable.example.com").Document;
        Assert.Equal("True", Condition("crontabs.stable.example.com", "NamesAccepted"));
        Assert.Equal("NoConflicts", Condition("crontabs.stable.example.com", "NamesAccepted", "reason"));
        Assert.Equal("True", Condition("crontabs.stable.example.com", "Established"));
        Assert.Equal("CronTabList", JsonTree.GetString(crd, "status", "acceptedNames", "listKind"));
        Assert.Equal("ct", JsonTree.GetArray(crd, "status", "acceptedNames", "shortNames")![0]!.GetValue<string>());
        Assert.Equal(["v1"], JsonTree.GetArray(crd, "status", "storedVersions")!.Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public void A_CRD_whose_kind_is_taken_in_its_group_is_not_accepted()
    {
        StartController();
        Ok(new CreateObject(Definitions, Crd("crontabs", "CronTab")));
        Settle();
        var second = Crd("crontables", "CronTab");
        second["spec"]!["names"]!["singular"] = "crontable";
        Ok(new CreateObject(Definitions, second));
        Settle();
        Assert.Equal("False", Condition("crontables.stable.example.com", "NamesAccepted"));
        Assert.Equal("KindConflict", Condition("crontables.stable.example.com", "NamesAccepted", "reason"));
        Assert.Equal("\"CronTab\" is already in use", Condition("crontables.stable.example.com", "NamesAccepted", "message"));
        Assert.Equal("True", Condition("crontabs.stable.example.com", "NamesAccepted"));
    }

    [Fact]
    public void Deleting_a_CRD_deletes_its_objects_then_the_CRD()
    {
        StartController();
        Ok(new CreateObject(Definitions, Crd("crontabs", "CronTab")));
        Settle();
        Ok(new CreateObject(CronTabs, CronTab("a")));
        Ok(new CreateObject(Namespaces, Object("Namespace", null, "team")));
        Ok(new CreateObject(CronTabs, CronTab("b", "team")));

        var deleting = Ok(new DeleteObject(Definitions, null, "crontabs.stable.example.com", new DeleteOptions()));
        Assert.True(deleting.IsDeleting);
        Assert.Contains(CustomResourceDefinition.CleanupFinalizer, deleting.Finalizers);
        // No new objects while the CRD is terminating.
        var refused = Send(new CreateObject(CronTabs, CronTab("c")));
        Assert.Equal(405, refused.Error!.Code);
        Assert.Equal("create not allowed while custom resource definition is terminating", refused.Error.Message);

        Settle();
        Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(Request<ListReply>(new ListObjects(CronTabs, null)).Items);
        Assert.False(Send(new GetObject(Definitions, null, "crontabs.stable.example.com")).IsSuccess);
    }

    [Fact]
    public void Custom_objects_are_garbage_collected_and_removed_with_their_namespace()
    {
        Sys.ActorOf(Props.Create(() => new GarbageCollector(Store, Hub, new[] { ConfigMaps }, TimeSpan.FromSeconds(10))), "garbage-collector");
        Sys.ActorOf(Props.Create(() => new NamespaceController(Store, Hub, new[] { ConfigMaps }, TimeSpan.FromSeconds(5))), "namespace-controller");
        Ok(new CreateObject(Definitions, Crd("crontabs", "CronTab")));
        var owner = Ok(new CreateObject(ConfigMaps, Object("ConfigMap", "default", "owner")));
        var owned = CronTab("owned");
        owned["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["name"] = "owner",
            ["uid"] = owner.Uid,
        });
        Ok(new CreateObject(CronTabs, owned));
        Ok(new CreateObject(Namespaces, Object("Namespace", null, "team")));
        Ok(new CreateObject(CronTabs, CronTab("in-team", "team")));

        Ok(new DeleteObject(ConfigMaps, "default", "owner", new DeleteOptions()));
        Ok(new DeleteObject(Namespaces, null, "team", new DeleteOptions()));
        Advance(TimeSpan.FromSeconds(11));
        Assert.Empty(Request<ListReply>(new ListObjects(CronTabs, null)).Items);
        Assert.False(Send(new GetObject(Namespaces, null, "team")).IsSuccess);
    }

    [Fact]
    public void Custom_objects_are_pruned_defaulted_and_validated_by_admission()
    {
        var crd = Crd("crontabs", "CronTab");
        var spec = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!.AsObject();
        spec["properties"]!["replicas"] = new JsonObject { ["type"] = "integer", ["default"] = 1, ["maximum"] = 5 };
        spec["required"] = new JsonArray("cronSpec");
        Ok(new CreateObject(Definitions, crd));

        var withExtra = CronTab("a");
        withExtra["spec"]!["unknown"] = true;
        var stored = Ok(new CreateObject(CronTabs, withExtra)).ToJsonObject();
        Assert.Null(stored["spec"]!["unknown"]);
        Assert.Equal(1, stored["spec"]!["replicas"]!.GetValue<int>());

        var invalid = CronTab("b");
        invalid["spec"] = new JsonObject { ["replicas"] = 9 };
        var error = Send(new CreateObject(CronTabs, invalid)).Error!;
        Assert.Equal((422, "Invalid", "CronTab", "stable.example.com"), (error.Code, error.Reason, error.Kind, error.Group));
        Assert.Equal("CronTab.stable.example.com \"b\" is invalid: [spec.cronSpec: Required value, spec.replicas: Invalid value: 9: spec.replicas in body should be less than or equal to 5]", error.Message);
        Assert.Equal(["spec.cronSpec", "spec.replicas"], error.Causes!.Select(c => c.Field));
    }
}
