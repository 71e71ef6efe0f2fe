using Emulator.Kubernetes.Kinds;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Validates objects of any served kind on create and update, returning Kubernetes' field errors;
/// <see cref="EnsureValid"/> and <see cref="EnsureValidUpdate"/> throw <see cref="InvalidObjectException"/>.
/// Objects are expected to be defaulted first, as the API server defaults before validating.
/// </summary>
public static class ObjectValidator
{
    /// <summary>Field errors of an object being created (empty when valid).</summary>
    public static IReadOnlyList<FieldError> Validate(KubeObject obj, KindInfo kind)
    {
        var errors = new List<FieldError>();
        MetadataValidation.Validate(obj, kind, errors);
        ValidateKind(obj, kind, errors);
        return errors;
    }

    /// <summary>Field errors of an update from <paramref name="old"/> to <paramref name="updated"/> (empty when valid).</summary>
    public static IReadOnlyList<FieldError> ValidateUpdate(KubeObject updated, KubeObject old, KindInfo kind)
    {
        var errors = new List<FieldError>();
        MetadataValidation.ValidateUpdate(updated, old, errors);
        switch ((kind.Group, kind.Kind))
        {
            case ("", "Pod"):
                PodValidation.ValidateUpdate(updated, old, errors);
                return errors;
            case ("apps", "Deployment" or "ReplicaSet" or "DaemonSet"):
                ValidateKind(updated, kind, errors);
                WorkloadValidation.ValidateSelectorUpdate(updated, old, errors);
                break;
            case ("apps", "StatefulSet"):
                ValidateKind(updated, kind, errors);
                WorkloadValidation.ValidateStatefulSetUpdate(updated, old, errors);
                break;
            case ("batch", "Job"):
                ValidateKind(updated, kind, errors);
                BatchValidation.ValidateJobUpdate(updated, old, errors);
                break;
            case ("", "Service"):
                ValidateKind(updated, kind, errors);
                ServiceValidation.ValidateUpdate(updated, old, errors);
                break;
            case ("", "ConfigMap" or "Secret"):
                ValidateKind(updated, kind, errors);
                CoreValidation.ValidateImmutableDataUpdate(updated, old, errors);
                break;
            case ("", "PersistentVolumeClaim"):
                ValidateKind(updated, kind, errors);
                CoreValidation.ValidateClaimUpdate(updated, old, errors);
                break;
            case ("storage.k8s.io", "StorageClass"):
                ValidateKind(updated, kind, errors);
                StorageValidation.ValidateStorageClassUpdate(updated, old, errors);
                break;
            case ("rbac.authorization.k8s.io", "RoleBinding" or "ClusterRoleBinding"):
                ValidateKind(updated, kind, errors);
                RbacValidation.ValidateBindingUpdate(updated, old, errors);
                break;
            case ("networking.k8s.io", "IngressClass"):
                ValidateKind(updated, kind, errors);
                NetworkingValidation.ValidateIngressClassUpdate(updated, old, errors);
                break;
            case ("scheduling.k8s.io", "PriorityClass"):
                ValidateKind(updated, kind, errors);
                PolicyValidation.ValidatePriorityClassUpdate(updated, old, errors);
                break;
            case ("apiextensions.k8s.io", "CustomResourceDefinition"):
                ApiExtensionsValidation.ValidateCustomResourceDefinitionUpdate(updated, old, errors);
                break;
            case ("node.k8s.io", "RuntimeClass"):
                ValidateKind(updated, kind, errors);
                PolicyValidation.ValidateRuntimeClassUpdate(updated, old, errors);
                break;
            case ("storage.k8s.io", "VolumeAttachment"):
                ValidateKind(updated, kind, errors);
                AdmissionValidation.ValidateVolumeAttachmentUpdate(updated, old, errors);
                break;
            case ("networking.k8s.io", "IPAddress"):
                ValidateKind(updated, kind, errors);
                NetworkAddressValidation.ValidateIPAddressUpdate(updated, old, errors);
                break;
            case ("networking.k8s.io", "ServiceCIDR"):
                ValidateKind(updated, kind, errors);
                NetworkAddressValidation.ValidateServiceCidrUpdate(updated, old, errors);
                break;
            case ("", "ResourceQuota"):
                ValidateKind(updated, kind, errors);
                CoreKindValidation.ValidateResourceQuotaUpdate(updated, old, errors);
                break;
            default:
                ValidateKind(updated, kind, errors);
                break;
        }
        return errors;
    }

    /// <summary>Throws when the object is invalid for create.</summary>
    /// <exception cref="InvalidObjectException">With every cause.</exception>
    public static void EnsureValid(KubeObject obj, KindInfo kind)
    {
        var errors = Validate(obj, kind);
        if (errors.Count > 0)
        {
            throw new InvalidObjectException(kind.Group, kind.Kind, obj.Name ?? obj.GenerateName ?? "", errors);
        }
    }

    /// <summary>Throws when a write to a pod's <c>ephemeralcontainers</c> subresource is invalid.</summary>
    /// <exception cref="InvalidObjectException">With every cause.</exception>
    public static void EnsureValidEphemeralContainersUpdate(KubeObject updated, KubeObject old, KindInfo kind)
    {
        var errors = new List<FieldError>();
        MetadataValidation.ValidateUpdate(updated, old, errors);
        PodValidation.ValidateEphemeralContainersUpdate(updated, old, errors);
        if (errors.Count > 0)
        {
            throw new InvalidObjectException(kind.Group, kind.Kind, updated.Name ?? "", errors);
        }
    }

    /// <summary>Throws when the update is invalid.</summary>
    /// <exception cref="InvalidObjectException">With every cause.</exception>
    public static void EnsureValidUpdate(KubeObject updated, KubeObject old, KindInfo kind)
    {
        var errors = ValidateUpdate(updated, old, kind);
        if (errors.Count > 0)
        {
            throw new InvalidObjectException(kind.Group, kind.Kind, updated.Name ?? "", errors);
        }
    }

    private static void ValidateKind(KubeObject obj, KindInfo kind, List<FieldError> errors)
    {
        switch ((kind.Group, kind.Kind))
        {
            case ("", "Pod"):
                PodValidation.Validate(obj, errors);
                break;
            case ("", "Service"):
                ServiceValidation.Validate(obj, errors);
                break;
            case ("", "ConfigMap"):
                CoreValidation.ValidateConfigMap(obj, errors);
                break;
            case ("", "Secret"):
                CoreValidation.ValidateSecret(obj, errors);
                break;
            case ("", "Node"):
                CoreValidation.ValidateNode(obj, errors);
                break;
            case ("", "PersistentVolumeClaim"):
                CoreValidation.ValidateClaim(obj.Document, "spec", errors);
                break;
            case ("", "PersistentVolume"):
                StorageValidation.ValidateVolume(obj, errors);
                break;
            case ("storage.k8s.io", "StorageClass"):
                StorageValidation.ValidateStorageClass(obj, errors);
                break;
            case ("", "Endpoints"):
            case ("discovery.k8s.io", "EndpointSlice"):
                CoreValidation.ValidateEndpoints(obj, errors);
                break;
            case ("", "Event"):
            case ("events.k8s.io", "Event"):
                CoreValidation.ValidateEvent(obj, errors);
                break;
            case ("apps", "Deployment"):
                WorkloadValidation.ValidateDeployment(obj, errors);
                break;
            case ("apps", "ReplicaSet"):
                WorkloadValidation.ValidateReplicaSet(obj, errors);
                break;
            case ("apps", "StatefulSet"):
                WorkloadValidation.ValidateStatefulSet(obj, errors);
                var i = 0;
                foreach (var claim in JsonTree.Objects(JsonTree.GetArray(obj.Document, "spec", "volumeClaimTemplates")))
                {
                    CoreValidation.ValidateClaim(claim, $"spec.volumeClaimTemplates[{i++}].spec", errors);
                }
                break;
            case ("apps", "DaemonSet"):
                WorkloadValidation.ValidateDaemonSet(obj, errors);
                break;
            case ("apps", "ControllerRevision"):
                WorkloadValidation.ValidateControllerRevision(obj, errors);
                break;
            case ("batch", "Job"):
                BatchValidation.ValidateJob(obj, errors);
                break;
            case ("batch", "CronJob"):
                BatchValidation.ValidateCronJob(obj, errors);
                break;
            case ("", "ReplicationController"):
                CoreKindValidation.ValidateReplicationController(obj, errors);
                break;
            case ("", "PodTemplate"):
                CoreKindValidation.ValidatePodTemplate(obj, errors);
                break;
            case ("", "ResourceQuota"):
                CoreKindValidation.ValidateResourceQuota(obj, errors);
                break;
            case ("", "LimitRange"):
                CoreKindValidation.ValidateLimitRange(obj, errors);
                break;
            case ("rbac.authorization.k8s.io", "Role"):
                RbacValidation.ValidateRole(obj, errors);
                break;
            case ("rbac.authorization.k8s.io", "ClusterRole"):
                RbacValidation.ValidateClusterRole(obj, errors);
                break;
            case ("rbac.authorization.k8s.io", "RoleBinding"):
                RbacValidation.ValidateRoleBinding(obj, errors);
                break;
            case ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
                RbacValidation.ValidateClusterRoleBinding(obj, errors);
                break;
            case ("networking.k8s.io", "Ingress"):
                NetworkingValidation.ValidateIngress(obj, errors);
                break;
            case ("networking.k8s.io", "IngressClass"):
                NetworkingValidation.ValidateIngressClass(obj, errors);
                break;
            case ("apiextensions.k8s.io", "CustomResourceDefinition"):
                ApiExtensionsValidation.ValidateCustomResourceDefinition(obj, errors);
                break;
            case ("networking.k8s.io", "NetworkPolicy"):
                NetworkingValidation.ValidateNetworkPolicy(obj, errors);
                break;
            case ("policy", "PodDisruptionBudget"):
                PolicyValidation.ValidatePodDisruptionBudget(obj, errors);
                break;
            case ("scheduling.k8s.io", "PriorityClass"):
                PolicyValidation.ValidatePriorityClass(obj, errors);
                break;
            case ("autoscaling", "HorizontalPodAutoscaler"):
                PolicyValidation.ValidateHorizontalPodAutoscaler(obj, errors);
                break;
            case ("node.k8s.io", "RuntimeClass"):
                PolicyValidation.ValidateRuntimeClass(obj, errors);
                break;
            case ("storage.k8s.io", "CSIDriver"):
                AdmissionValidation.ValidateCsiDriver(obj, errors);
                break;
            case ("storage.k8s.io", "CSINode"):
                AdmissionValidation.ValidateCsiNode(obj, errors);
                break;
            case ("storage.k8s.io", "VolumeAttachment"):
                AdmissionValidation.ValidateVolumeAttachment(obj, errors);
                break;
            case ("certificates.k8s.io", "CertificateSigningRequest"):
                AdmissionValidation.ValidateCertificateSigningRequest(obj, errors);
                break;
            case ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"):
                AdmissionValidation.ValidateWebhooks(obj, mutating: true, errors);
                break;
            case ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"):
                AdmissionValidation.ValidateWebhooks(obj, mutating: false, errors);
                break;
            case ("apiregistration.k8s.io", "APIService"):
                ApiServerKindValidation.ValidateApiService(obj, errors);
                break;
            case ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"):
                ApiServerKindValidation.ValidateValidatingAdmissionPolicy(obj, errors);
                break;
            case ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"):
                ApiServerKindValidation.ValidateValidatingAdmissionPolicyBinding(obj, errors);
                break;
            case ("storage.k8s.io", "CSIStorageCapacity"):
                ApiServerKindValidation.ValidateCsiStorageCapacity(obj, errors);
                break;
            case ("flowcontrol.apiserver.k8s.io", "FlowSchema"):
                FlowControlValidation.ValidateFlowSchema(obj, errors);
                break;
            case ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"):
                FlowControlValidation.ValidatePriorityLevelConfiguration(obj, errors);
                break;
            case ("networking.k8s.io", "IPAddress"):
                NetworkAddressValidation.ValidateIPAddress(obj, errors);
                break;
            case ("networking.k8s.io", "ServiceCIDR"):
                NetworkAddressValidation.ValidateServiceCidr(obj, errors);
                break;
            case ("authorization.k8s.io", "SubjectAccessReview"):
                ReviewValidation.ValidateSubjectAccessReview(obj, errors);
                break;
            case ("authorization.k8s.io", "SelfSubjectAccessReview"):
                ReviewValidation.ValidateSelfSubjectAccessReview(obj, errors);
                break;
            case ("authorization.k8s.io", "LocalSubjectAccessReview"):
                ReviewValidation.ValidateLocalSubjectAccessReview(obj, errors);
                break;
        }
    }
}
