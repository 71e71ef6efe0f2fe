using Emulator.Kubernetes.Decoding;
using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Serialization;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.Tests;

public class StorageKindTests
{
    private static KubeObject Prepared(string yaml)
    {
        // A leading comment keeps flow-style YAML from being read as JSON.
        var obj = ManifestReader.ReadSingle("# test\n" + yaml);
        ObjectDefaulter.Apply(obj);
        return obj;
    }

    private static List<string> Errors(KubeObject obj) =>
        ObjectValidator.Validate(obj, KindRegistry.Default.Resolve(obj)).Select(e => e.ToString()).ToList();

    private static List<string> UpdateErrors(KubeObject updated, KubeObject old) =>
        ObjectValidator.ValidateUpdate(updated, old, KindRegistry.Default.Resolve(old)).Select(e => e.ToString()).ToList();

    [Fact]
    public void StorageClass_is_a_cluster_scoped_storage_kind_with_short_name_sc()
    {
        var kind = KindRegistry.Default.FindByAnyName("sc")!;
        Assert.Equal(("storage.k8s.io", "v1", "StorageClass", "storageclasses", false), (kind.Group, kind.Version, kind.Kind, kind.Resource, kind.Namespaced));
        Assert.Same(kind, KindRegistry.Default.FindByAnyName("storageclasses.storage.k8s.io"));
        Assert.Empty(kind.Subresources);
    }

    [Fact]
    public void StorageClass_defaults_to_Delete_and_Immediate()
    {
        var sc = Prepared("{apiVersion: storage.k8s.io/v1, kind: StorageClass, metadata: {name: fast}, provisioner: example.com/disk}");
        Assert.Equal("Delete", JsonTree.GetString(sc.Document, "reclaimPolicy"));
        Assert.Equal("Immediate", JsonTree.GetString(sc.Document, "volumeBindingMode"));
        Assert.Empty(Errors(sc));
    }

    [Fact]
    public void StorageClass_validation_reports_kubernetes_messages()
    {
        var sc = Prepared("{apiVersion: storage.k8s.io/v1, kind: StorageClass, metadata: {name: fast}, reclaimPolicy: Recycle, volumeBindingMode: Later}");
        Assert.Equal(
        [
            "provisioner: Required value",
            "reclaimPolicy: Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\"",
            "volumeBindingMode: Unsupported value: \"Later\": supported values: \"Immediate\", \"WaitForFirstConsumer\"",
        ], Errors(sc));
    }

    [Fact]
    public void StorageClass_provisioner_policy_and_binding_mode_are_fixed()
    {
        var old = Prepared("{apiVersion: storage.k8s.io/v1, kind: StorageClass, metadata: {name: fast}, provisioner: a.io/x, parameters: {type: ssd}}");
        var updated = Prepared("{apiVersion: storage.k8s.io/v1, kind: StorageClass, metadata: {name: fast}, provisioner: b.io/y, parameters: {type: hdd}, reclaimPolicy: Retain, volumeBindingMode: WaitForFirstConsumer}");
        Assert.Equal(
        [
            "parameters: Forbidden: updates to parameters are forbidden.",
            "provisioner: Forbidden: updates to provisioner are forbidden.",
            "reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.",
            "volumeBindingMode: Invalid value: \"WaitForFirstConsumer\": field is immutable",
        ], UpdateErrors(updated, old));
        var annotated = Prepared("{apiVersion: storage.k8s.io/v1, kind: StorageClass, metadata: {name: fast, annotations: {storageclass.kubernetes.io/is-default-class: 'true'}}, provisioner: a.io/x, parameters: {type: ssd}}");
        Assert.Empty(UpdateErrors(annotated, old));
    }

    [Fact]
    public void StorageClass_fields_are_typed()
    {
        var kind = KindRegistry.Default.Resolve("storage.k8s.io/v1", "StorageClass");
        var body = ManifestReader.ReadSingle("# test\n{apiVersion: storage.k8s.io/v1, kind: StorageClass, metadata: {name: fast}, provisioner: a.io/x, allowVolumeExpansion: 'yes'}").Document;
        var e = Assert.Throws<TypedDecodingException>(() => TypedDecoder.EnsureDecodes(body, kind));
        Assert.Contains("allowVolumeExpansion", e.Message);
    }

    [Fact]
    public void New_claims_and_volumes_get_their_protection_finalizers()
    {
        var claim = Prepared("{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: d, namespace: default}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}");
        CreateDefaults.Apply(claim);
        Assert.Equal(["kubernetes.io/pvc-protection"], claim.Finalizers);
        var volume = Prepared("{apiVersion: v1, kind: PersistentVolume, metadata: {name: v}, spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /d}}}");
        CreateDefaults.Apply(volume);
        Assert.Equal(["kubernetes.io/pv-protection"], volume.Finalizers);
        Assert.Empty(Errors(volume));
    }

    [Fact]
    public void PersistentVolume_validation_needs_capacity_modes_and_one_source()
    {
        var volume = Prepared("{apiVersion: v1, kind: PersistentVolume, metadata: {name: v}, spec: {persistentVolumeReclaimPolicy: Keep}}");
        Assert.Equal(
        [
            "spec.accessModes: Required value",
            "spec.capacity: Required value",
            "spec: Required value: must specify a volume type",
            "spec.persistentVolumeReclaimPolicy: Unsupported value: \"Keep\": supported values: \"Delete\", \"Recycle\", \"Retain\"",
        ], Errors(volume));
    }

    [Fact]
    public void An_unbound_claim_without_class_may_be_given_one_but_not_changed_after()
    {
        var old = Prepared("{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: d, namespace: default}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}");
        var assigned = old.DeepClone();
        assigned.EnsureSpec()["storageClassName"] = "standard";
        Assert.Empty(UpdateErrors(assigned, old));
        var changed = assigned.DeepClone();
        changed.EnsureSpec()["storageClassName"] = "fast";
        Assert.Single(UpdateErrors(changed, assigned));
    }

    [Fact]
    public void A_StatefulSet_container_may_mount_a_volume_claim_template()
    {
        var sts = Prepared("""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: web, namespace: default}
            spec:
              serviceName: nginx
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: [{name: app, image: nginx, volumeMounts: [{name: data, mountPath: /data}, {name: cache, mountPath: /cache}]}]
              volumeClaimTemplates:
              - metadata: {name: data}
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            """);
        Assert.Equal(["spec.template.spec.containers[0].volumeMounts[1].name: Not found: \"cache\""], Errors(sts));
    }
}
