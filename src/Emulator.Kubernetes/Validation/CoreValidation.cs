using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>Validation of the smaller core kinds: ConfigMap, Secret, Node, PersistentVolumeClaim, Endpoints, EndpointSlice, Event.</summary>
public static class CoreValidation
{
    /// <summary>Largest total size of a ConfigMap's or Secret's data (1 MiB).</summary>
    public const int MaxDataSize = 1024 * 1024;

    private static readonly string[] AccessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
    private static readonly string[] TaintEffects = ["NoExecute", "NoSchedule", "PreferNoSchedule"];

    /// <summary>ConfigMap: keys valid and unique across data and binaryData; total size ≤ 1 MiB.</summary>
    public static void ValidateConfigMap(KubeObject configMap, List<FieldError> errors)
    {
        var data = configMap.Document["data"] as JsonObject;
        var binary = configMap.Document["binaryData"] as JsonObject;
        long total = 0;
        foreach (var (key, value) in data ?? [])
        {
            foreach (var message in NameSyntax.IsConfigMapKey(key))
            {
                errors.Add(FieldError.Invalid($"data[{key}]", key, message));
            }
            if (binary?.ContainsKey(key) == true)
            {
                errors.Add(FieldError.Invalid($"data[{key}]", key, "duplicate of key present in binaryData"));
            }
            total += Encoding.UTF8.GetByteCount(JsonTree.AsString(value) ?? "");
        }
        foreach (var (key, value) in binary ?? [])
        {
            foreach (var message in NameSyntax.IsConfigMapKey(key))
            {
                errors.Add(FieldError.Invalid($"binaryData[{key}]", key, message));
            }
            total += (JsonTree.AsString(value) ?? "").Length * 3 / 4;
        }
        if (total > MaxDataSize)
        {
            errors.Add(FieldError.TooLong("data", MaxDataSize));
        }
    }

    /// <summary>Secret: keys valid, values base64, total size ≤ 1 MiB.</summary>
    public static void ValidateSecret(KubeObject secret, List<FieldError> errors)
    {
        long total = 0;
        foreach (var (key, value) in secret.Document["data"] as JsonObject ?? [])
        {
            foreach (var message in NameSyntax.IsConfigMapKey(key))
            {
                errors.Add(FieldError.Invalid($"data[{key}]", key, message));
            }
            var text = JsonTree.AsString(value) ?? "";
            var buffer = new byte[text.Length];
            if (!Convert.TryFromBase64String(text, buffer, out var written))
            {
                errors.Add(FieldError.Invalid($"data[{key}]", "<secret contents redacted>", "illegal base64 data"));
            }
            total += written;
        }
        if (total > MaxDataSize)
        {
            errors.Add(FieldError.TooLong("data", MaxDataSize));
        }
        if (JsonTree.GetString(secret.Document, "type") == "kubernetes.io/dockerconfigjson" && (secret.Document["data"] as JsonObject)?.ContainsKey(".dockerconfigjson") != true)
        {
            errors.Add(FieldError.Required("data[.dockerconfigjson]"));
        }
    }

    /// <summary>Immutable ConfigMaps and Secrets keep their data; a Secret's type never changes.</summary>
    public static void ValidateImmutableDataUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        if (JsonTree.GetBool(old.Document, "immutable") == true)
        {
            if (JsonTree.GetBool(updated.Document, "immutable") != true)
            {
                errors.Add(FieldError.Forbidden("immutable", "field is immutable when `immutable` is set"));
            }
            if (!JsonTree.DeepEquals(updated.Document["data"], old.Document["data"]))
            {
                errors.Add(FieldError.Forbidden("data", "field is immutable when `immutable` is set"));
            }
            if (!JsonTree.DeepEquals(updated.Document["binaryData"], old.Document["binaryData"]))
            {
                errors.Add(FieldError.Forbidden("binaryData", "field is immutable when `immutable` is set"));
            }
        }
        if (old.Kind == "Secret")
        {
            var oldType = JsonTree.GetString(old.Document, "type") ?? "";
            var newType = JsonTree.GetString(updated.Document, "type") ?? "";
            if (oldType != newType)
            {
                errors.Add(FieldError.Invalid("type", newType, "field is immutable"));
            }
        }
    }

    /// <summary>Node: taints have qualified keys, valid values and a known effect, with no duplicate key/effect.</summary>
    public static void ValidateNode(KubeObject node, List<FieldError> errors)
    {
        var seen = new HashSet<(string, string)>();
        var i = 0;
        foreach (var taint in JsonTree.Objects(JsonTree.GetArray(node.Document, "spec", "taints")))
        {
            var path = $"spec.taints[{i++}]";
            var key = JsonTree.GetString(taint, "key") ?? "";
            foreach (var message in NameSyntax.IsQualifiedName(key))
            {
                errors.Add(FieldError.Invalid(path + ".key", key, message));
            }
            var value = JsonTree.GetString(taint, "value") ?? "";
            foreach (var message in NameSyntax.IsValidLabelValue(value))
            {
                errors.Add(FieldError.Invalid(path + ".value", value, message));
            }
            var effect = JsonTree.GetString(taint, "effect") ?? "";
            if (effect.Length == 0)
            {
                errors.Add(FieldError.Required(path + ".effect"));
            }
            else if (!TaintEffects.Contains(effect))
            {
                errors.Add(FieldError.NotSupported(path + ".effect", effect, TaintEffects));
            }
            if (!seen.Add((key, effect)))
            {
                errors.Add(FieldError.Duplicate(path, new JsonObject { ["key"] = key, ["effect"] = effect }));
            }
        }
    }

    /// <summary>PersistentVolumeClaim: at least one supported access mode and a storage request.</summary>
    public static void ValidateClaim(JsonObject claim, string path, List<FieldError> errors)
    {
        var spec = claim["spec"] as JsonObject ?? new JsonObject();
        var modes = spec["accessModes"] as JsonArray;
        if (modes is null || modes.Count == 0)
        {
            errors.Add(FieldError.Required(path + ".accessModes", "at least 1 access mode is required"));
        }
        foreach (var mode in (modes ?? []).Select(JsonTree.AsString))
        {
            if (!AccessModes.Contains(mode ?? ""))
            {
                errors.Add(FieldError.NotSupported(path + ".accessModes", mode ?? "", AccessModes));
            }
        }
        var storage = JsonTree.Get(spec, "resources", "requests", "storage");
        if (storage is null)
        {
            errors.Add(FieldError.Required(path + ".resources[storage]"));
        }
        else
        {
            var text = JsonTree.AsString(storage) ?? storage.ToJsonString();
            if (!Quantity.TryParse(text, out var quantity) || quantity <= Quantity.Zero)
            {
                errors.Add(FieldError.Invalid(path + ".resources[storage]", text, "must be greater than zero"));
            }
        }
        if (JsonTree.GetString(spec, "volumeMode") is { } volumeMode && volumeMode is not ("Block" or "Filesystem"))
        {
            errors.Add(FieldError.NotSupported(path + ".volumeMode", volumeMode, ["Block", "Filesystem"]));
        }
    }

    /// <summary>PersistentVolumeClaim updates: the spec is immutable except resources.requests, volumeAttributesClassName and binding (volumeName).</summary>
    public static void ValidateClaimUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        var newSpec = (updated.Spec?.DeepClone() as JsonObject) ?? new JsonObject();
        var oldSpec = (old.Spec?.DeepClone() as JsonObject) ?? new JsonObject();
        foreach (var spec in new[] { newSpec, oldSpec })
        {
            (spec["resources"] as JsonObject)?.Remove("requests");
            spec.Remove("volumeAttributesClassName");
        }
        if (string.IsNullOrEmpty(JsonTree.GetString(oldSpec, "volumeName")))
        {
            newSpec.Remove("volumeName");
            oldSpec.Remove("volumeName");
            // Retroactive default StorageClass assignment: an unbound claim without a class may be given one.
            if (oldSpec["storageClassName"] is null)
            {
                newSpec.Remove("storageClassName");
            }
        }
        if (!JsonTree.DeepEquals(newSpec, oldSpec))
        {
            errors.Add(FieldError.Forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
        }
    }

    /// <summary>Endpoints and EndpointSlice ports are 1–65535 (EndpointSlice ports may be 0) with a known protocol.</summary>
    public static void ValidateEndpoints(KubeObject obj, List<FieldError> errors)
    {
        if (obj.Kind == "EndpointSlice")
        {
            var addressType = JsonTree.GetString(obj.Document, "addressType") ?? "";
            if (addressType.Length == 0)
            {
                errors.Add(FieldError.Required("addressType"));
            }
            else if (addressType is not ("FQDN" or "IPv4" or "IPv6"))
            {
                errors.Add(FieldError.NotSupported("addressType", addressType, ["FQDN", "IPv4", "IPv6"]));
            }
            ValidateEndpointPorts(obj.Document["ports"] as JsonArray, "ports", allowZero: true, errors);
            return;
        }
        var s = 0;
        foreach (var subset in JsonTree.Objects(obj.Document["subsets"] as JsonArray))
        {
            ValidateEndpointPorts(subset["ports"] as JsonArray, $"subsets[{s++}].ports", allowZero: false, errors);
        }
    }

    /// <summary>Core Event: involvedObject namespace must match the event's (for namespaced objects), reason and type known.</summary>
    public static void ValidateEvent(KubeObject evt, List<FieldError> errors)
    {
        var type = JsonTree.GetString(evt.Document, "type") ?? "";
        if (evt.GroupVersionKind.Group.Length == 0 && type.Length > 0 && type is not ("Normal" or "Warning"))
        {
            errors.Add(FieldError.NotSupported("type", type, ["Normal", "Warning"]));
        }
        var involvedNamespace = JsonTree.GetString(evt.Document, "involvedObject", "namespace") ?? "";
        if (evt.GroupVersionKind.Group.Length == 0 && involvedNamespace.Length > 0 && involvedNamespace != (evt.Namespace ?? ""))
        {
            errors.Add(FieldError.Invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"));
        }
    }

    private static void ValidateEndpointPorts(JsonArray? ports, string path, bool allowZero, List<FieldError> errors)
    {
        var i = 0;
        foreach (var port in JsonTree.Objects(ports))
        {
            var portPath = $"{path}[{i++}]";
            var number = JsonTree.GetInt(port, "port") ?? 0;
            if (!(allowZero && number == 0))
            {
                foreach (var message in NameSyntax.IsValidPortNumber(number))
                {
                    errors.Add(FieldError.Invalid(portPath + ".port", number, message));
                }
            }
            PodSpecValidation.ValidateProtocol(port, portPath + ".protocol", errors);
        }
    }
}
