using System.Text.Json.Nodes;
using Emulator.ControlPlane.ServiceCidr;
using Emulator.ControlPlane.Store;
using Emulator.ControlPlane.Volumes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Validation;

namespace Emulator.ControlPlane.Admission;

/// <summary>
/// The API server's admission for the modelled kinds: scheme defaults on every write, the kinds' strategy
/// preparations that depend on the stored object (a DaemonSet's template generation), create-time additions
/// (e.g. the not-ready/unreachable tolerations on pods, the default StorageClass of a claim, a pod's priority from its
/// PriorityClass, LimitRange defaults), and validation of creates and updates (immutable fields included), refusing
/// invalid objects with a 422 <c>Invalid</c> status naming each field; then the LimitRanger and ResourceQuota plugins,
/// which refuse with a 403 Forbidden, and the Service address allocation.
/// </summary>
public sealed class KubernetesAdmission(KindRegistry registry, ServiceCidrSettings? services = null) : IAdmission
{
    private readonly ServiceCidrSettings _services = services ?? ServiceCidrSettings.Default;

    /// <summary>Admission over the built-in kinds, with the default service range.</summary>
    public static KubernetesAdmission Default { get; } = new(KindRegistry.Default);

    /// <summary>Admission over the built-in kinds, cluster IPs allocated from <paramref name="services"/>.</summary>
    public static KubernetesAdmission With(ServiceCidrSettings services) => services == ServiceCidrSettings.Default ? Default : new(KindRegistry.Default, services);

    /// <inheritdoc />
    public void Admit(ResourceType type, JsonObject obj, JsonObject? old, AdmissionOperation operation, IAdmissionContext stored)
    {
        if (registry.FindByResource(type.Group, type.Resource) is not { } kind)
        {
            try
            {
                CustomResourceAdmission.Admit(type, obj, old, operation, stored);
                ValidatingAdmissionPolicy.ValidatingAdmissionPolicyAdmission.Admit(type, obj, old, operation, stored);
            }
            catch (InvalidObjectException e)
            {
                throw Invalid(e);
            }
            return;
        }
        var candidate = new KubeObject(obj);
        void AdmitPolicies() => ValidatingAdmissionPolicy.ValidatingAdmissionPolicyAdmission.Admit(type, obj, old, operation, stored);
        try
        {
            if (operation == AdmissionOperation.UpdateStatus)
            {
                ObjectDefaulter.ApplyStatus(candidate);
            }
            else
            {
                ObjectDefaulter.Apply(candidate);
            }
            switch (operation)
            {
                case AdmissionOperation.Create:
                    RoleEscalation.Admit(type, obj, stored);
                    UpdateRules.PrepareTemplateGeneration(candidate, null, kind);
                    AdmitPodPriority(type, obj, old, operation, stored);
                    // Mutating admission comes before the strategy's preparation (a pod's QoS class counts the defaults).
                    LimitRanger.ApplyDefaults(type, candidate, stored);
                    CreateDefaults.Apply(candidate);
                    SetDefaultStorageClass(type, candidate, stored);
                    DefaultIngressClass.Admit(type, candidate, stored);
                    ObjectValidator.EnsureValid(candidate, kind);
                    ValidatePriorityClass(type, obj, operation, stored);
                    AllocateServiceAddresses(type, obj, null, stored);
                    // The validating plugins in the API server's order, ResourceQuota last: it charges what the others let through.
                    LimitRanger.Validate(type, candidate, null, operation, stored);
                    AdmitPolicies();
                    ResourceQuotaAdmission.Admit(type, candidate, null, operation, stored);
                    break;
                case AdmissionOperation.Update when old is not null:
                    var live = new KubeObject(old);
                    RoleEscalation.Admit(type, obj, stored);
                    UpdateRules.PrepareTemplateGeneration(candidate, live, kind);
                    if (type.Key == ServiceAllocationKey)
                    {
                        ServiceTypeChange.DropTypeDependentFields(obj, old);
                    }
                    AdmitPodPriority(type, obj, old, operation, stored);
                    ObjectValidator.EnsureValidUpdate(candidate, live, kind);
                    ValidatePriorityClass(type, obj, operation, stored);
                    AllocateServiceAddresses(type, obj, old, stored);
                    LimitRanger.Validate(type, candidate, live, operation, stored);
                    AdmitPolicies();
                    ResourceQuotaAdmission.Admit(type, candidate, live, operation, stored);
                    break;
                case AdmissionOperation.UpdateEphemeralContainers when old is not null:
                    ObjectValidator.EnsureValidEphemeralContainersUpdate(candidate, new KubeObject(old), kind);
                    AdmitPolicies();
                    break;
                default:
                    // Status writes come from controllers and kubelets; the spec they carry is the stored one.
                    AdmitPolicies();
                    break;
            }
        }
        catch (InvalidObjectException e)
        {
            throw Invalid(e);
        }
    }

    /// <inheritdoc />
    public void AdmitDelete(ResourceType type, JsonObject existing, IAdmissionContext stored) =>
        ValidatingAdmissionPolicy.ValidatingAdmissionPolicyAdmission.AdmitDelete(type, existing, stored);

    /// <summary>The Service storage's cluster IP and node port allocation (<see cref="ServiceAllocation"/>), after validation.</summary>
    private void AllocateServiceAddresses(ResourceType type, JsonObject obj, JsonObject? old, IAdmissionContext stored)
    {
        if (type.Key == ServiceAllocationKey)
        {
            ServiceAllocation.Allocate(obj, old, stored, _services);
        }
    }

    private const string ServiceAllocationKey = "services";

    /// <summary>The <c>Priority</c> admission plugin's mutation (<see cref="PriorityAdmission"/>): a pod's priority from its class.</summary>
    private static void AdmitPodPriority(ResourceType type, JsonObject obj, JsonObject? old, AdmissionOperation operation, IAdmissionContext stored)
    {
        if (type.Key == ResourceTypes.Pods.Key)
        {
            PriorityAdmission.AdmitPod(obj, old, operation, stored);
        }
    }

    /// <summary>The <c>Priority</c> admission plugin's validation, after the object's own: one global default PriorityClass.</summary>
    private static void ValidatePriorityClass(ResourceType type, JsonObject obj, AdmissionOperation operation, IAdmissionContext stored)
    {
        if (type.Key == PriorityAdmission.PriorityClasses.Key)
        {
            PriorityAdmission.ValidatePriorityClass(obj, operation, stored);
        }
    }

    private static ApiStatusException Invalid(InvalidObjectException e) =>
        new(new ApiStatus(422, "Invalid", e.Message, e.Group, e.Kind, e.Name,
            e.Errors.Select(error => new StatusCause(error.Reason, error.Message, error.Field)).ToArray()));

    /// <summary>
    /// The <c>DefaultStorageClass</c> admission plugin (creates only): a claim naming no class (neither
    /// <c>spec.storageClassName</c>, not even <c>""</c>, nor the beta annotation) gets the default StorageClass, the
    /// newest of several; with no default it stays classless (the PersistentVolume controller assigns one
    /// retroactively once a default exists).
    /// </summary>
    private static void SetDefaultStorageClass(ResourceType type, KubeObject claim, IAdmissionContext stored)
    {
        if (type.Key != StorageObjects.Claims.Key || StorageObjects.ClaimClass(claim) is not null)
        {
            return;
        }
        var classes = stored.List(StorageObjects.StorageClasses).Select(c => new KubeObject(c.ToJsonObject()));
        if (StorageObjects.DefaultClass(classes) is { Name: { } name })
        {
            claim.EnsureSpec()["storageClassName"] = name;
        }
    }
}
