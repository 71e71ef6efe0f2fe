using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Volumes;

/// <summary>
/// The storage kinds the volume controllers and the scheduler read (PersistentVolumeClaim, PersistentVolume,
/// StorageClass), with the annotations Kubernetes' binder, provisioners and scheduler write on them.
/// </summary>
public static class StorageObjects
{
    /// <summary><c>v1</c> PersistentVolumeClaims.</summary>
    public static readonly ResourceType Claims = ResourceTypes.Of("", "persistentvolumeclaims");

    /// <summary><c>v1</c> PersistentVolumes.</summary>
    public static readonly ResourceType Volumes = ResourceTypes.Of("", "persistentvolumes");

    /// <summary><c>storage.k8s.io/v1</c> StorageClasses.</summary>
    public static readonly ResourceType StorageClasses = ResourceTypes.Of("storage.k8s.io", "storageclasses");

    /// <summary>Marks the default StorageClass (value <c>"true"</c>).</summary>
    public const string DefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";

    /// <summary>The beta form of <see cref="DefaultClassAnnotation"/>, still honoured.</summary>
    public const string BetaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class";

    /// <summary>The beta annotation that names a claim's or volume's class (before <c>storageClassName</c>); it wins when set.</summary>
    public const string BetaClassAnnotation = "volume.beta.kubernetes.io/storage-class";

    /// <summary>The node the scheduler chose for a WaitForFirstConsumer claim (and where its volume was provisioned).</summary>
    public const string SelectedNodeAnnotation = "volume.kubernetes.io/selected-node";

    /// <summary>The provisioner the binder asked to provision a claim.</summary>
    public const string StorageProvisionerAnnotation = "volume.kubernetes.io/storage-provisioner";

    /// <summary>The beta form of <see cref="StorageProvisionerAnnotation"/>, still written.</summary>
    public const string BetaStorageProvisionerAnnotation = "volume.beta.kubernetes.io/storage-provisioner";

    /// <summary>On a claim: the binder finished binding it (<c>"yes"</c>).</summary>
    public const string BindCompletedAnnotation = "pv.kubernetes.io/bind-completed";

    /// <summary>On a claim or volume: the binder (not the user) wrote the binding (<c>"yes"</c>).</summary>
    public const string BoundByControllerAnnotation = "pv.kubernetes.io/bound-by-controller";

    /// <summary>On a volume: the provisioner that created it.</summary>
    public const string ProvisionedByAnnotation = "pv.kubernetes.io/provisioned-by";

    /// <summary>The class kind ships as the cluster's default.</summary>
    public const string StandardClassName = "standard";

    /// <summary>kind's provisioner (rancher's local-path-provisioner), which the emulated provisioner stands in for.</summary>
    public const string LocalPathProvisioner = "rancher.io/local-path";

    /// <summary>The provisioner name of classes for pre-created volumes only (no dynamic provisioning).</summary>
    public const string NoProvisioner = "kubernetes.io/no-provisioner";

    /// <summary>Where local-path-provisioner keeps its volumes on a node.</summary>
    public const string LocalPathRoot = "/var/local-path-provisioner";

    /// <summary>
    /// The default StorageClass kind installs: <c>standard</c>, annotated as the default, provisioned by
    /// <c>rancher.io/local-path</c>, WaitForFirstConsumer, reclaim policy Delete.
    /// </summary>
    public static JsonObject StandardClass() => new()
    {
        ["apiVersion"] = "storage.k8s.io/v1",
        ["kind"] = "StorageClass",
        ["metadata"] = new JsonObject
        {
            ["name"] = StandardClassName,
            ["annotations"] = new JsonObject { [DefaultClassAnnotation] = "true" },
        },
        ["provisioner"] = LocalPathProvisioner,
        ["reclaimPolicy"] = "Delete",
        ["volumeBindingMode"] = "WaitForFirstConsumer",
    };

    /// <summary>True when a StorageClass is annotated as the default.</summary>
    public static bool IsDefaultClass(KubeObject storageClass) =>
        storageClass.Annotations.GetValueOrDefault(DefaultClassAnnotation) == "true"
        || storageClass.Annotations.GetValueOrDefault(BetaDefaultClassAnnotation) == "true";

    /// <summary>
    /// The default StorageClass: of several marked default, the newest (then the first by name), as the
    /// DefaultStorageClass admission plugin chooses since Kubernetes 1.26.
    /// </summary>
    public static KubeObject? DefaultClass(IEnumerable<KubeObject> classes) =>
        Admission.DefaultClassChoice.Newest(classes, c => IsDefaultClass(c) && c.DeletionTimestamp is null);

    /// <summary>
    /// The class a claim asks for: the beta annotation, else <c>spec.storageClassName</c>; null when neither is set
    /// (the claim may still get the default), <c>""</c> when explicitly none.
    /// </summary>
    public static string? ClaimClass(KubeObject claim) =>
        claim.Annotations.TryGetValue(BetaClassAnnotation, out var beta) ? beta : JsonTree.GetString(claim.Document, "spec", "storageClassName");

    /// <summary>The class of a volume (<c>""</c> when none).</summary>
    public static string VolumeClass(KubeObject volume) =>
        volume.Annotations.TryGetValue(BetaClassAnnotation, out var beta) ? beta : JsonTree.GetString(volume.Document, "spec", "storageClassName") ?? "";

    /// <summary>The volume a claim is bound to (<c>spec.volumeName</c>), or null.</summary>
    public static string? VolumeName(KubeObject claim) =>
        JsonTree.GetString(claim.Document, "spec", "volumeName") is { Length: > 0 } name ? name : null;

    /// <summary>The claims a pod's volumes name (<c>persistentVolumeClaim.claimName</c>), in volume order.</summary>
    public static IEnumerable<string> PodClaimNames(KubeObject pod) =>
        JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "volumes"))
            .Select(v => JsonTree.GetString(v, "persistentVolumeClaim", "claimName"))
            .OfType<string>()
            .Where(n => n.Length > 0);

    /// <summary>
    /// The claims a cached pod version's volumes name. Stored JSON names a field only as a property name (a quote
    /// inside a string is escaped), so a version without the <c>persistentVolumeClaim</c> field's name has none and is
    /// not parsed: most pods, while the claim index reads every pod version.
    /// </summary>
    public static IEnumerable<string> PodClaimNames(Informers.CachedObject pod) =>
        pod.Stored.Json.AsSpan().IndexOf("\"persistentVolumeClaim\""u8) < 0 ? [] : PodClaimNames(pod.Peek());

    /// <summary>The storage a claim requests (zero when unset or unreadable).</summary>
    public static Quantity RequestedStorage(KubeObject claim) =>
        Quantity.TryParse(JsonTree.GetString(claim.Document, "spec", "resources", "requests", "storage"), out var q) ? q : Quantity.Zero;

    /// <summary>A volume's storage capacity (zero when unset or unreadable).</summary>
    public static Quantity Capacity(KubeObject volume) =>
        Quantity.TryParse(JsonTree.GetString(volume.Document, "spec", "capacity", "storage"), out var q) ? q : Quantity.Zero;
}
