using System.Text.Json.Nodes;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Store;
using Emulator.ControlPlane.Volumes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// The DefaultStorageClass admission plugin, run by the store on create: a claim naming no class gets the default
/// StorageClass the store holds (the newest of several), at once, with no controller running.
/// </summary>
public sealed class DefaultStorageClassAdmissionTests() : ApiStoreTestKit(admission: KubernetesAdmission.Default)
{
    private static readonly ResourceType Claims = StorageObjects.Claims;
    private static readonly ResourceType Classes = StorageObjects.StorageClasses;

    private static JsonObject StorageClass(string name, bool isDefault)
    {
        var sc = new JsonObject
        {
            ["apiVersion"] = "storage.k8s.io/v1",
            ["kind"] = "StorageClass",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["provisioner"] = "example.com/disk",
        };
        if (isDefault)
        {
            sc["metadata"]!["annotations"] = new JsonObject { [StorageObjects.DefaultClassAnnotation] = "true" };
        }
        return sc;
    }

    private static JsonObject Claim(string name, Action<JsonObject>? spec = null)
    {
        var body = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteOnce"),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
        };
        spec?.Invoke(body);
        var claim = Object("PersistentVolumeClaim", "default", name, body);
        claim["apiVersion"] = "v1";
        return claim;
    }

    private string? ClassOf(StoredObject claim) => JsonTree.GetString(claim.ToJsonObject(), "spec", "storageClassName");

    [Fact]
    public void A_claim_without_a_class_gets_the_default_at_create()
    {
        Assert.Null(ClassOf(Ok(new CreateObject(Claims, Claim("before")))));

        Ok(new CreateObject(Classes, StorageClass("slow", isDefault: false)));
        Ok(new CreateObject(Classes, StorageClass("standard", isDefault: true)));
        Assert.Equal("standard", ClassOf(Ok(new CreateObject(Claims, Claim("plain")))));

        Advance(TimeSpan.FromMinutes(1));
        Ok(new CreateObject(Classes, StorageClass("fast", isDefault: true)));
        Assert.Equal("fast", ClassOf(Ok(new CreateObject(Claims, Claim("newest-default")))));
    }

    [Fact]
    public void A_class_the_claim_names_even_empty_is_kept_and_updates_are_left_alone()
    {
        Ok(new CreateObject(Classes, StorageClass("standard", isDefault: true)));
        Assert.Equal("slow", ClassOf(Ok(new CreateObject(Claims, Claim("named", s => s["storageClassName"] = "slow")))));
        Assert.Equal("", ClassOf(Ok(new CreateObject(Claims, Claim("none", s => s["storageClassName"] = "")))));
        var beta = Claim("beta");
        beta["metadata"]!["annotations"] = new JsonObject { [StorageObjects.BetaClassAnnotation] = "slow" };
        Assert.Null(ClassOf(Ok(new CreateObject(Claims, beta))));
    }

    [Fact]
    public void Dry_run_creates_are_admitted_the_same_way()
    {
        Ok(new CreateObject(Classes, StorageClass("standard", isDefault: true)));
        Assert.Equal("standard", ClassOf(Ok(new CreateObject(Claims, Claim("dry"), DryRun: true))));
        Assert.False(Send(new GetObject(Claims, "default", "dry")).IsSuccess);
    }
}
