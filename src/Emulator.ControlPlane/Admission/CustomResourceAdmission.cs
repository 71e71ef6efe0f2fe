using System.Text.Json.Nodes;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Validation;

namespace Emulator.ControlPlane.Admission;

/// <summary>
/// What the API server does with a custom object before storing it: prune the fields its CRD's schema does not
/// specify, apply the schema's defaults, validate the metadata and the schema (types, required, enums, patterns,
/// bounds, CEL rules), and refuse new objects while the CRD is being deleted.
/// </summary>
public static class CustomResourceAdmission
{
    /// <summary>Admits a custom object of <paramref name="type"/>; does nothing for a type no CRD defines.</summary>
    /// <exception cref="ApiStatusException">405 when the CRD is terminating.</exception>
    /// <exception cref="InvalidObjectException">With every field error.</exception>
    public static void Admit(ResourceType type, JsonObject obj, JsonObject? old, AdmissionOperation operation, IAdmissionContext stored)
    {
        if (stored.Find(CustomResourceTypes.Definitions, null, type.Key) is not { } definition
            || CustomResourceTypes.Parse(definition) is not { } crd)
        {
            return;
        }
        if (operation == AdmissionOperation.Create && crd.IsTerminating)
        {
            throw new ApiStatusException(new ApiStatus(405, "MethodNotAllowed",
                "create not allowed while custom resource definition is terminating", crd.Group, crd.Plural, JsonTree.GetString(obj, "metadata", "name") ?? ""));
        }
        var schema = crd.StorageVersion.Schema;
        schema.PruneObject(obj);
        schema.ApplyDefaults(obj);
        var errors = new List<FieldError>();
        var candidate = new KubeObject(obj);
        if (old is null)
        {
            MetadataValidation.Validate(candidate, crd.KindInfo, errors);
        }
        else
        {
            MetadataValidation.ValidateUpdate(candidate, new KubeObject(old), errors);
        }
        schema.Validate(obj, old, old is not null, "", errors);
        if (errors.Count > 0)
        {
            throw new InvalidObjectException(crd.Group, crd.Kind, candidate.Name ?? candidate.GenerateName ?? "", errors);
        }
    }
}
