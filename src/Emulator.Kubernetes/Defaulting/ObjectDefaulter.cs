using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Schema;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>
/// Applies the scheme defaults of an object's kind, as the API server does when it decodes every
/// create, update and patch. Idempotent. Unknown kinds are left untouched.
/// </summary>
public static class ObjectDefaulter
{
    /// <summary>Applies the defaults of the object's kind in place, and stores quantities in canonical form.</summary>
    public static void Apply(KubeObject obj)
    {
        ApplyDefaults(obj);
        if (KindRegistry.Default.TryResolve(obj.ApiVersion, obj.Kind, out var kind) && FieldSchema.Default.Find(kind.SchemaType) is { } type)
        {
            CanonicalQuantities.Apply(obj.Document, type);
        }
    }

    /// <summary>
    /// The defaults of a status write. The status subresource changes only the status; the rest of the object is the
    /// stored version, defaulted when it was written, and defaulting is idempotent. So only the kinds whose defaults set
    /// status fields (a namespace's or volume's phase, a node's allocatable) are defaulted, and only the status's
    /// quantities are put in canonical form: a pod's status write no longer walks its whole spec.
    /// </summary>
    public static void ApplyStatus(KubeObject obj)
    {
        if ((obj.GroupVersionKind.Group, obj.Kind) is ("", "Namespace" or "Node" or "PersistentVolumeClaim" or "PersistentVolume"))
        {
            ApplyDefaults(obj);
        }
        if (obj.Document["status"] is { } status && KindRegistry.Default.TryResolve(obj.ApiVersion, obj.Kind, out var kind)
            && FieldSchema.Default.Find(kind.SchemaType)?.Field("status") is { } field)
        {
            CanonicalQuantities.Apply(status, field.Type);
        }
    }

    private static void ApplyDefaults(KubeObject obj)
    {
        switch ((obj.GroupVersionKind.Group, obj.Kind))
        {
            case ("", "Pod"):
                PodDefaults.Apply(obj);
                break;
            case ("", "Service"):
                CoreDefaults.ApplyService(obj);
                break;
            case ("", "Namespace"):
                CoreDefaults.ApplyNamespace(obj);
                break;
            case ("", "Secret"):
                CoreDefaults.ApplySecret(obj);
                break;
            case ("", "Node"):
                CoreDefaults.ApplyNode(obj);
                break;
            case ("", "Endpoints"):
                CoreDefaults.ApplyEndpoints(obj);
                break;
            case ("", "PersistentVolumeClaim"):
                StorageDefaults.ApplyClaim(obj.Document);
                break;
            case ("", "PersistentVolume"):
                StorageDefaults.ApplyVolume(obj);
                break;
            case ("storage.k8s.io", "StorageClass"):
                StorageDefaults.ApplyStorageClass(obj);
                break;
            case ("discovery.k8s.io", "EndpointSlice"):
                CoreDefaults.ApplyEndpointSlice(obj);
                break;
            case ("apps", "Deployment"):
                WorkloadDefaults.ApplyDeployment(obj);
                break;
            case ("apps", "ReplicaSet"):
                WorkloadDefaults.ApplyReplicaSet(obj);
                break;
            case ("apps", "StatefulSet"):
                WorkloadDefaults.ApplyStatefulSet(obj);
                break;
            case ("apps", "DaemonSet"):
                WorkloadDefaults.ApplyDaemonSet(obj);
                break;
            case ("batch", "Job"):
                BatchDefaults.ApplyJob(obj);
                break;
            case ("batch", "CronJob"):
                BatchDefaults.ApplyCronJob(obj);
                break;
            case ("", "ReplicationController"):
                BuiltInKindDefaults.ApplyReplicationController(obj);
                break;
            case ("", "PodTemplate"):
                BuiltInKindDefaults.ApplyPodTemplate(obj);
                break;
            case ("", "LimitRange"):
                BuiltInKindDefaults.ApplyLimitRange(obj);
                break;
            case ("rbac.authorization.k8s.io", "RoleBinding" or "ClusterRoleBinding"):
                BuiltInKindDefaults.ApplyBinding(obj);
                break;
            case ("networking.k8s.io", "NetworkPolicy"):
                BuiltInKindDefaults.ApplyNetworkPolicy(obj);
                break;
            case ("scheduling.k8s.io", "PriorityClass"):
                BuiltInKindDefaults.ApplyPriorityClass(obj);
                break;
            case ("autoscaling", "HorizontalPodAutoscaler"):
                BuiltInKindDefaults.ApplyHorizontalPodAutoscaler(obj);
                break;
            case ("storage.k8s.io", "CSIDriver"):
                BuiltInKindDefaults.ApplyCsiDriver(obj);
                break;
            case ("apiextensions.k8s.io", "CustomResourceDefinition"):
                ApiExtensionsDefaults.ApplyCustomResourceDefinition(obj);
                break;
            case ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"):
                BuiltInKindDefaults.ApplyWebhooks(obj, mutating: true);
                break;
            case ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"):
                BuiltInKindDefaults.ApplyWebhooks(obj, mutating: false);
                break;
            case ("apiregistration.k8s.io", "APIService"):
                ApiServerKindDefaults.ApplyApiService(obj);
                break;
            case ("flowcontrol.apiserver.k8s.io", "FlowSchema"):
                ApiServerKindDefaults.ApplyFlowSchema(obj);
                break;
            case ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"):
                ApiServerKindDefaults.ApplyPriorityLevelConfiguration(obj);
                break;
            case ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"):
                ApiServerKindDefaults.ApplyValidatingAdmissionPolicy(obj);
                break;
            case ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"):
                ApiServerKindDefaults.ApplyValidatingAdmissionPolicyBinding(obj);
                break;
        }
    }
}
