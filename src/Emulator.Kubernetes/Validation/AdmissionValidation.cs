using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Validation of admissionregistration.k8s.io/v1 webhook configurations, certificates.k8s.io/v1
/// CertificateSigningRequests and the storage.k8s.io/v1 CSI kinds. Webhooks are stored, never called.
/// </summary>
public static class AdmissionValidation
{
    private static readonly string[] FailurePolicies = ["Fail", "Ignore"];
    private static readonly string[] MatchPolicies = ["Equivalent", "Exact"];
    private static readonly string[] SideEffects = ["None", "NoneOnDryRun"];
    private static readonly string[] ReinvocationPolicies = ["IfNeeded", "Never"];
    private static readonly string[] ReviewVersions = ["v1", "v1beta1"];
    private static readonly string[] FsGroupPolicies = ["File", "None", "ReadWriteOnceWithFSType"];
    private static readonly string[] LifecycleModes = ["Ephemeral", "Persistent"];

    /// <summary>
    /// A webhook configuration: unique names of at least three DNS segments, one of url or service, supported
    /// policies, side effects and review versions, a timeout of 1–30 s, valid selectors.
    /// </summary>
    public static void ValidateWebhooks(KubeObject configuration, bool mutating, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var webhook in JsonTree.Objects(configuration.Document["webhooks"] as JsonArray))
        {
            var path = $"webhooks[{i++}]";
            var name = JsonTree.GetString(webhook, "name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required(path + ".name"));
            }
            else
            {
                foreach (var message in NameSyntax.IsDns1123Subdomain(name))
                {
                    errors.Add(FieldError.Invalid(path + ".name", name, message));
                }
                if (name.Split('.').Length < 3)
                {
                    errors.Add(FieldError.Invalid(path + ".name", name, "should be a domain with at least three segments separated by dots"));
                }
                if (!names.Add(name))
                {
                    errors.Add(FieldError.Duplicate(path + ".name", JsonValue.Create(name)));
                }
            }
            var clientConfig = webhook["clientConfig"] as JsonObject ?? new JsonObject();
            if ((clientConfig["url"] is null) == (clientConfig["service"] is null))
            {
                errors.Add(FieldError.Required(path + ".clientConfig", "exactly one of url or service is required"));
            }
            else if (clientConfig["service"] is JsonObject service)
            {
                foreach (var field in new[] { "namespace", "name" })
                {
                    if (string.IsNullOrEmpty(JsonTree.GetString(service, field)))
                    {
                        errors.Add(FieldError.Required($"{path}.clientConfig.service.{field}", $"service {field} is required"));
                    }
                }
            }
            Supported(webhook, "failurePolicy", path, FailurePolicies, errors);
            Supported(webhook, "matchPolicy", path, MatchPolicies, errors);
            if (mutating)
            {
                Supported(webhook, "reinvocationPolicy", path, ReinvocationPolicies, errors);
            }
            var sideEffects = JsonTree.GetString(webhook, "sideEffects");
            if (string.IsNullOrEmpty(sideEffects))
            {
                errors.Add(FieldError.Required(path + ".sideEffects", "must specify one of None, NoneOnDryRun"));
            }
            else
            {
                Supported(webhook, "sideEffects", path, SideEffects, errors);
            }
            if (webhook["admissionReviewVersions"] is not JsonArray { Count: > 0 } versions)
            {
                errors.Add(FieldError.Required(path + ".admissionReviewVersions", "must specify one of v1, v1beta1"));
            }
            else if (!versions.Select(JsonTree.AsString).Any(v => ReviewVersions.Contains(v ?? "")))
            {
                errors.Add(FieldError.Invalid(path + ".admissionReviewVersions", versions, "must include at least one of v1, v1beta1"));
            }
            if (JsonTree.GetInt(webhook, "timeoutSeconds") is { } timeout && timeout is < 1 or > 30)
            {
                errors.Add(FieldError.Invalid(path + ".timeoutSeconds", timeout, "the timeout value must be between 1 and 30 seconds"));
            }
            LabelValidation.ValidateSelector(webhook["namespaceSelector"], path + ".namespaceSelector", errors);
            LabelValidation.ValidateSelector(webhook["objectSelector"], path + ".objectSelector", errors);
        }
    }

    private static void Supported(JsonObject obj, string field, string path, string[] values, List<FieldError> errors)
    {
        if (JsonTree.GetString(obj, field) is { } value && !values.Contains(value))
        {
            errors.Add(FieldError.NotSupported($"{path}.{field}", value, values));
        }
    }

    /// <summary>CertificateSigningRequest: a request and a signer name (a qualified name with a domain).</summary>
    public static void ValidateCertificateSigningRequest(KubeObject request, List<FieldError> errors)
    {
        var spec = request.Spec ?? new JsonObject();
        if (string.IsNullOrEmpty(JsonTree.GetString(spec, "request")))
        {
            errors.Add(FieldError.Required("spec.request"));
        }
        var signer = JsonTree.GetString(spec, "signerName") ?? "";
        if (signer.Length == 0)
        {
            errors.Add(FieldError.Required("spec.signerName"));
        }
        else if (!signer.Contains('/', StringComparison.Ordinal))
        {
            errors.Add(FieldError.Invalid("spec.signerName", signer, "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
        }
        else if (signer == "kubernetes.io/legacy-unknown")
        {
            // certificates.k8s.io/v1 refuses the legacy signer (only v1beta1 could ask for it).
            errors.Add(FieldError.Invalid("spec.signerName", signer, "the legacy signerName is not allowed via this API version"));
        }
        if (JsonTree.GetInt(spec, "expirationSeconds") is { } seconds && seconds < 600)
        {
            errors.Add(FieldError.Invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 600 seconds (10 minutes)"));
        }
    }

    /// <summary>CSIDriver: supported fsGroup policy and volume lifecycle modes.</summary>
    public static void ValidateCsiDriver(KubeObject driver, List<FieldError> errors)
    {
        var spec = driver.Spec ?? new JsonObject();
        if (spec["attachRequired"] is null)
        {
            errors.Add(FieldError.Required("spec.attachRequired"));
        }
        Supported(spec, "fsGroupPolicy", "spec", FsGroupPolicies, errors);
        foreach (var mode in (spec["volumeLifecycleModes"] as JsonArray ?? []).Select(JsonTree.AsString))
        {
            if (!LifecycleModes.Contains(mode ?? ""))
            {
                errors.Add(FieldError.NotSupported("spec.volumeLifecycleModes", mode ?? "", LifecycleModes));
            }
        }
    }

    /// <summary>CSINode: each driver named once, with a node ID.</summary>
    public static void ValidateCsiNode(KubeObject node, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var driver in JsonTree.Objects(JsonTree.GetArray(node.Document, "spec", "drivers")))
        {
            var path = $"spec.drivers[{i++}]";
            var name = JsonTree.GetString(driver, "name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required(path + ".name"));
            }
            else if (!names.Add(name))
            {
                errors.Add(FieldError.Duplicate(path + ".name", JsonValue.Create(name)));
            }
            if (string.IsNullOrEmpty(JsonTree.GetString(driver, "nodeID")))
            {
                errors.Add(FieldError.Required(path + ".nodeID"));
            }
        }
    }

    /// <summary>VolumeAttachment: an attacher, a node and exactly one source.</summary>
    public static void ValidateVolumeAttachment(KubeObject attachment, List<FieldError> errors)
    {
        var spec = attachment.Spec ?? new JsonObject();
        if (string.IsNullOrEmpty(JsonTree.GetString(spec, "attacher")))
        {
            errors.Add(FieldError.Required("spec.attacher"));
        }
        if (string.IsNullOrEmpty(JsonTree.GetString(spec, "nodeName")))
        {
            errors.Add(FieldError.Required("spec.nodeName"));
        }
        var source = spec["source"] as JsonObject ?? new JsonObject();
        if (string.IsNullOrEmpty(JsonTree.GetString(source, "persistentVolumeName")) == (source["inlineVolumeSpec"] is null))
        {
            errors.Add(FieldError.Required("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"));
        }
    }

    /// <summary>VolumeAttachment updates: the spec is immutable.</summary>
    public static void ValidateVolumeAttachmentUpdate(KubeObject updated, KubeObject old, List<FieldError> errors) =>
        MetadataValidation.Immutable(updated.Document["spec"], old.Document["spec"], "spec", errors);
}
