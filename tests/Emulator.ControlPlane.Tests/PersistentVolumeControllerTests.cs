using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Store;
using Emulator.ControlPlane.Volumes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Defaulting;

namespace Emulator.ControlPlane.Tests;

public sealed class PersistentVolumeControllerTests : ClusterTestKit
{
    private static readonly ResourceType Claims = StorageObjects.Claims;
    private static readonly ResourceType Volumes = StorageObjects.Volumes;
    private static readonly ResourceType Classes = StorageObjects.StorageClasses;

    private IActorRef StartController(string name = "persistentvolume-controller", bool standard = true) =>
        Sys.ActorOf(Props.Create(() => new PersistentVolumeController(Store, Hub, Events, null, standard)), name);

    internal static JsonObject Claim(string name, string? storageClass = null, string size = "1Gi", bool explicitNoClass = false)
    {
        var spec = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteOnce"),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = size } },
        };
        if (storageClass is not null || explicitNoClass)
        {
            spec["storageClassName"] = storageClass ?? "";
        }
        var claim = Object("PersistentVolumeClaim", "default", name, spec);
        claim["apiVersion"] = "v1";
        return claim;
    }

    internal static JsonObject StorageClass(string name, string mode = "Immediate", string reclaim = "Delete", string provisioner = "rancher.io/local-path") => new()
    {
        ["apiVersion"] = "storage.k8s.io/v1",
        ["kind"] = "StorageClass",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["provisioner"] = provisioner,
        ["reclaimPolicy"] = reclaim,
        ["volumeBindingMode"] = mode,
    };

    private KubeObject GetClaim(string name) => Get(Claims, "default", name);

    private List<KubeObject> AllVolumes() => Request<ListReply>(new ListObjects(Volumes, null)).Items.Select(i => new KubeObject(i.ToJsonObject())).ToList();

    private static string? Phase(KubeObject obj) => JsonTree.GetString(obj.Document, "status", "phase");

    private void SelectNode(string claim, string node)
    {
        var current = GetClaim(claim);
        current.SetAnnotation(StorageObjects.SelectedNodeAnnotation, node);
        Ok(new UpdateObject(Claims, current.Document));
    }

    [Fact]
    public void The_standard_class_is_the_default_and_WaitForFirstConsumer_provisions_on_the_selected_node()
    {
        StartController();
        var standard = Get(Classes, null, "standard");
        Assert.Equal(("rancher.io/local-path", "WaitForFirstConsumer", "Delete", "true"),
            (JsonTree.GetString(standard.Document, "provisioner"), JsonTree.GetString(standard.Document, "volumeBindingMode"), JsonTree.GetString(standard.Document, "reclaimPolicy"), standard.Annotations[StorageObjects.DefaultClassAnnotation]));

        var claim = new KubeObject(Ok(new CreateObject(Claims, Claim("data"))).ToJsonObject());
        Assert.Contains(StorageDefaults.ClaimProtectionFinalizer, claim.Finalizers);
        RunUntilIdleIfDeterministic();
        Assert.Equal("standard", JsonTree.GetString(GetClaim("data").Document, "spec", "storageClassName"));
        Assert.Equal("Pending", Phase(GetClaim("data")));
        Assert.Empty(AllVolumes());
        Assert.Equal("waiting for first consumer to be created before binding", JsonTree.GetString(EventsFor("data", "WaitForFirstConsumer")[0].Document, "message"));

        SelectNode("data", "node-2");
        RunUntilIdleIfDeterministic();
        var volume = Assert.Single(AllVolumes());
        Assert.Equal("pvc-" + claim.Uid, volume.Name);
        Assert.Equal("1Gi", JsonTree.GetString(volume.Document, "spec", "capacity", "storage"));
        Assert.Equal("rancher.io/local-path", volume.Annotations[StorageObjects.ProvisionedByAnnotation]);
        Assert.Equal("node-2", volume.Annotations[StorageObjects.SelectedNodeAnnotation]);
        Assert.Equal(("default", "data", claim.Uid), (JsonTree.GetString(volume.Document, "spec", "claimRef", "namespace"), JsonTree.GetString(volume.Document, "spec", "claimRef", "name"), JsonTree.GetString(volume.Document, "spec", "claimRef", "uid")));
        Assert.Equal("Delete", JsonTree.GetString(volume.Document, "spec", "persistentVolumeReclaimPolicy"));
        Assert.Equal("standard", JsonTree.GetString(volume.Document, "spec", "storageClassName"));
        Assert.StartsWith("/var/local-path-provisioner/pvc-", JsonTree.GetString(volume.Document, "spec", "hostPath", "path"));
        Assert.Equal("node-2", JsonTree.GetArray(volume.Document, "spec", "nodeAffinity", "required", "nodeSelectorTerms")![0]!["matchExpressions"]![0]!["values"]![0]!.GetValue<string>());
        Assert.Contains(StorageDefaults.VolumeProtectionFinalizer, volume.Finalizers);
        Assert.Equal("Bound", Phase(volume));

        var bound = GetClaim("data");
        Assert.Equal(("Bound", volume.Name), (Phase(bound), JsonTree.GetString(bound.Document, "spec", "volumeName")));
        Assert.Equal("yes", bound.Annotations[StorageObjects.BindCompletedAnnotation]);
        Assert.Equal("yes", bound.Annotations[StorageObjects.BoundByControllerAnnotation]);
        Assert.Equal("rancher.io/local-path", bound.Annotations[StorageObjects.StorageProvisionerAnnotation]);
        Assert.Equal("1Gi", JsonTree.GetString(bound.Document, "status", "capacity", "storage"));
        Assert.Equal("ReadWriteOnce", JsonTree.GetArray(bound.Document, "status", "accessModes")![0]!.GetValue<string>());
        Assert.Equal("External provisioner is provisioning volume for claim \"default/data\"", JsonTree.GetString(EventsFor("data", "Provisioning")[0].Document, "message"));
        Assert.Equal($"Successfully provisioned volume {volume.Name}", JsonTree.GetString(EventsFor("data", "ProvisioningSucceeded")[0].Document, "message"));
    }

    [Fact]
    public void Immediate_classes_provision_and_bind_at_once_and_Delete_reclaims_the_volume()
    {
        StartController(standard: false);
        Ok(new CreateObject(Classes, StorageClass("fast")));
        Ok(new CreateObject(Claims, Claim("data", "fast", "5Gi")));
        RunUntilIdleIfDeterministic();
        var volume = Assert.Single(AllVolumes());
        Assert.Equal("Bound", Phase(GetClaim("data")));
        Assert.Equal("5Gi", JsonTree.GetString(GetClaim("data").Document, "status", "capacity", "storage"));
        Assert.Null(JsonTree.Get(volume.Document, "spec", "nodeAffinity"));

        Ok(new DeleteObject(Claims, "default", "data", new DeleteOptions()));
        RunUntilIdleIfDeterministic();
        Assert.False(Send(new GetObject(Claims, "default", "data")).IsSuccess);
        Assert.Empty(AllVolumes());
    }

    [Fact]
    public void Retain_keeps_a_released_volume_with_its_claim_reference()
    {
        StartController(standard: false);
        Ok(new CreateObject(Classes, StorageClass("keep", reclaim: "Retain")));
        var claim = new KubeObject(Ok(new CreateObject(Claims, Claim("data", "keep"))).ToJsonObject());
        RunUntilIdleIfDeterministic();
        Ok(new DeleteObject(Claims, "default", "data", new DeleteOptions()));
        RunUntilIdleIfDeterministic();
        var volume = Assert.Single(AllVolumes());
        Assert.Equal("Released", Phase(volume));
        Assert.Null(volume.DeletionTimestamp);
        Assert.Equal(claim.Uid, JsonTree.GetString(volume.Document, "spec", "claimRef", "uid"));

        // A new claim of the same name does not get the released volume back: it gets its own.
        Ok(new CreateObject(Claims, Claim("data", "keep")));
        RunUntilIdleIfDeterministic();
        Assert.Equal(2, AllVolumes().Count);
        Assert.Equal("Released", Phase(AllVolumes().Single(v => v.Name == volume.Name)));
    }

    [Fact]
    public void A_claim_used_by_a_scheduled_pod_stays_until_the_pod_is_gone()
    {
        StartController(standard: false);
        Ok(new CreateObject(Classes, StorageClass("fast")));
        Ok(new CreateObject(Claims, Claim("data", "fast")));
        Ok(new CreateObject(Pods, PodWith("app", edit: spec => spec["volumes"] = new JsonArray(new JsonObject { ["name"] = "d", ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = "data" } }))));
        Ok(new BindPod("default", "app", "node-1"));
        Ok(new DeleteObject(Claims, "default", "data", new DeleteOptions()));
        RunUntilIdleIfDeterministic();
        var terminating = GetClaim("data");
        Assert.NotNull(terminating.DeletionTimestamp);
        Assert.Contains(StorageDefaults.ClaimProtectionFinalizer, terminating.Finalizers);
        Assert.Equal("Bound", Phase(Assert.Single(AllVolumes())));

        Ok(new DeleteObject(Pods, "default", "app", new DeleteOptions(GracePeriodSeconds: 0)));
        RunUntilIdleIfDeterministic();
        Assert.False(Send(new GetObject(Claims, "default", "data")).IsSuccess);
        Assert.Empty(AllVolumes());
    }

    [Fact]
    public void A_pre_created_volume_binds_to_a_fitting_claim_without_class()
    {
        StartController(standard: false);
        foreach (var (name, size) in new[] { ("small", "1Gi"), ("big", "10Gi") })
        {
            Ok(new CreateObject(Volumes, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "PersistentVolume",
                ["metadata"] = new JsonObject { ["name"] = name },
                ["spec"] = new JsonObject
                {
                    ["capacity"] = new JsonObject { ["storage"] = size },
                    ["accessModes"] = new JsonArray("ReadWriteOnce"),
                    ["hostPath"] = new JsonObject { ["path"] = "/data/" + name },
                },
            }));
        }
        RunUntilIdleIfDeterministic();
        Assert.All(AllVolumes(), v => Assert.Equal("Available", Phase(v)));
        Ok(new CreateObject(Claims, Claim("data", size: "2Gi", explicitNoClass: true)));
        RunUntilIdleIfDeterministic();
        Assert.Equal("big", JsonTree.GetString(GetClaim("data").Document, "spec", "volumeName"));
        Assert.Equal("10Gi", JsonTree.GetString(GetClaim("data").Document, "status", "capacity", "storage"));
        Assert.Equal("yes", Get(Volumes, null, "big").Annotations[StorageObjects.BoundByControllerAnnotation]);
        Assert.Equal("Available", Phase(Get(Volumes, null, "small")));

        // Retain (the default for pre-created volumes): the volume is Released, not deleted.
        Ok(new DeleteObject(Claims, "default", "data", new DeleteOptions()));
        RunUntilIdleIfDeterministic();
        Assert.Equal("Released", Phase(Get(Volumes, null, "big")));
    }

    [Fact]
    public void A_claim_without_class_and_no_default_waits()
    {
        StartController(standard: false);
        Ok(new CreateObject(Claims, Claim("data")));
        RunUntilIdleIfDeterministic();
        Assert.Equal("Pending", Phase(GetClaim("data")));
        Assert.Null(JsonTree.Get(GetClaim("data").Document, "spec", "storageClassName"));
        Assert.NotEmpty(EventsFor("data", "FailedBinding"));
        // A default class made later is given to it, and provisions.
        var fast = StorageClass("fast");
        fast["metadata"]!["annotations"] = new JsonObject { [StorageObjects.DefaultClassAnnotation] = "true" };
        Ok(new CreateObject(Classes, fast));
        RunUntilIdleIfDeterministic();
        Assert.Equal(("fast", "Bound"), (JsonTree.GetString(GetClaim("data").Document, "spec", "storageClassName"), Phase(GetClaim("data"))));
    }

    [Fact]
    public void A_controller_killed_mid_way_binds_every_claim_once()
    {
        var controller = StartController(standard: false);
        Ok(new CreateObject(Classes, StorageClass("fast")));
        for (var i = 0; i < 5; i++)
        {
            Store.Tell(new CreateObject(Claims, Claim($"data-{i}", "fast")), ActorRefs.Nobody);
        }
        Sys.Stop(controller);
        RunUntilIdleIfDeterministic();
        StartController("persistentvolume-controller-2", standard: false);
        RunUntilIdleIfDeterministic();
        var volumes = AllVolumes();
        Assert.Equal(5, volumes.Count);
        for (var i = 0; i < 5; i++)
        {
            var claim = GetClaim($"data-{i}");
            Assert.Equal("Bound", Phase(claim));
            Assert.Equal("pvc-" + claim.Uid, JsonTree.GetString(claim.Document, "spec", "volumeName"));
        }
    }
}
