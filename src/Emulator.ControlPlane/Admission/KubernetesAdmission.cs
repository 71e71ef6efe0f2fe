using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Validation;

namespace Emulator.ControlPlane.Admission;

/// <summary>
/// The API server's admission for the modelled kinds: scheme defaults on every write, create-time additions
/// (e.g. the not-ready/unreachable tolerations on pods), and validation of creates and updates (immutable fields
/// included), refusing invalid objects with a 422 <c>Invalid</c> status naming each field.
/// </summary>
public sealed class KubernetesAdmission(KindRegistry registry) : IAdmission
{
    /// <summary>Admission over the built-in kinds.</summary>
    public static KubernetesAdmission Default { get; } = new(KindRegistry.Default);

    /// <inheritdoc />
    public void Admit(ResourceType type, JsonObject obj, JsonObject? old, AdmissionOperation operation)
    {
        if (registry.FindByResource(type.Group, type.Resource) is not { } kind)
        {
            return;
        }
        var candidate = new KubeObject(obj);
        try
        {
            ObjectDefaulter.Apply(candidate);
            switch (operation)
            {
                case AdmissionOperation.Create:
                    CreateDefaults.Apply(candidate);
                    ObjectValidator.EnsureValid(candidate, kind);
                    break;
                case AdmissionOperation.Update when old is not null:
                    ObjectValidator.EnsureValidUpdate(candidate, new KubeObject(old), kind);
                    break;
                case AdmissionOperation.UpdateStatus:
                    // Status writes come from controllers and kubelets; the spec they carry is the stored one.
                    break;
            }
        }
        catch (InvalidObjectException e)
        {
            throw new ApiStatusException(new ApiStatus(422, "Invalid", e.Message, kind.Group, kind.Kind, e.Name,
                e.Errors.Select(error => new StatusCause(error.Reason, error.Message, error.Field)).ToArray()));
        }
    }
}
