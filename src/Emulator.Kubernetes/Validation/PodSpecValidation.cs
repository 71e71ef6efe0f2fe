using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>Validation of pod specs and pod templates (Kubernetes' <c>ValidatePodSpec</c> and its helpers).</summary>
public static class PodSpecValidation
{
    private static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];
    private static readonly string[] TerminationMessagePolicies = ["FallbackToLogsOnError", "File"];
    private static readonly string[] TaintEffects = ["NoExecute", "NoSchedule", "PreferNoSchedule"];
    private static readonly string[] ProbeHandlers = ["exec", "httpGet", "tcpSocket", "grpc"];

    /// <summary>Validates a pod template (a missing one counts as empty): its labels and annotations, then its spec.</summary>
    public static void ValidateTemplate(JsonObject? template, string path, List<FieldError> errors)
    {
        template ??= new JsonObject();
        LabelValidation.ValidateLabels(JsonTree.Get(template, "metadata", "labels"), path + ".metadata.labels", errors);
        LabelValidation.ValidateAnnotations(JsonTree.Get(template, "metadata", "annotations"), path + ".metadata.annotations", errors);
        ValidateSpec(template["spec"] as JsonObject ?? new JsonObject(), path + ".spec", errors);
    }

    /// <summary>Validates a pod spec.</summary>
    public static void ValidateSpec(JsonObject spec, string path, List<FieldError> errors)
    {
        var volumeNames = ValidateVolumes(spec["volumes"] as JsonArray, path + ".volumes", errors);
        var containerNames = new HashSet<string>(StringComparer.Ordinal);
        var containers = spec["containers"] as JsonArray;
        if (containers is null || containers.Count == 0)
        {
            errors.Add(FieldError.Required(path + ".containers"));
        }
        ValidateContainers(spec["initContainers"] as JsonArray, path + ".initContainers", volumeNames, containerNames, isInit: true, errors);
        ValidateContainers(containers, path + ".containers", volumeNames, containerNames, isInit: false, errors);
        // Ephemeral containers are containers too: names unique across all three lists.
        ValidateContainers(spec["ephemeralContainers"] as JsonArray, path + ".ephemeralContainers", volumeNames, containerNames, isInit: false, errors);

        var restartPolicy = JsonTree.GetString(spec, "restartPolicy") ?? "";
        if (restartPolicy.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".restartPolicy"));
        }
        else if (!RestartPolicies.Contains(restartPolicy))
        {
            errors.Add(FieldError.NotSupported(path + ".restartPolicy", restartPolicy, RestartPolicies));
        }
        var dnsPolicy = JsonTree.GetString(spec, "dnsPolicy") ?? "";
        if (dnsPolicy.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".dnsPolicy"));
        }
        else if (!DnsPolicies.Contains(dnsPolicy))
        {
            errors.Add(FieldError.NotSupported(path + ".dnsPolicy", dnsPolicy, DnsPolicies));
        }
        if (dnsPolicy == "None" && spec["dnsConfig"] is null)
        {
            errors.Add(FieldError.Required(path + ".dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"));
        }
        LabelValidation.ValidateLabels(spec["nodeSelector"], path + ".nodeSelector", errors);
        if (JsonTree.GetString(spec, "serviceAccountName") is { Length: > 0 } serviceAccount)
        {
            foreach (var message in NameSyntax.IsDns1123Subdomain(serviceAccount))
            {
                errors.Add(FieldError.Invalid(path + ".serviceAccountName", serviceAccount, message));
            }
        }
        if (JsonTree.GetString(spec, "nodeName") is { Length: > 0 } nodeName)
        {
            foreach (var message in NameSyntax.IsDns1123Subdomain(nodeName))
            {
                errors.Add(FieldError.Invalid(path + ".nodeName", nodeName, message));
            }
        }
        foreach (var field in new[] { "hostname", "subdomain" })
        {
            if (JsonTree.GetString(spec, field) is { Length: > 0 } value)
            {
                foreach (var message in NameSyntax.IsDns1123Label(value))
                {
                    errors.Add(FieldError.Invalid($"{path}.{field}", value, message));
                }
            }
        }
        if (JsonTree.GetInt(spec, "terminationGracePeriodSeconds") is < 0 and var grace)
        {
            errors.Add(FieldError.Invalid(path + ".terminationGracePeriodSeconds", grace, "must be greater than or equal to 0"));
        }
        if (JsonTree.GetInt(spec, "activeDeadlineSeconds") is { } deadline && (deadline < 1 || deadline > int.MaxValue))
        {
            errors.Add(FieldError.Invalid(path + ".activeDeadlineSeconds", deadline, "must be between 1 and 2147483647, inclusive"));
        }
        ValidateTolerations(spec["tolerations"] as JsonArray, path + ".tolerations", errors);
    }

    private static HashSet<string> ValidateVolumes(JsonArray? volumes, string path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var volume in JsonTree.Objects(volumes))
        {
            var volumePath = $"{path}[{i++}]";
            var name = JsonTree.GetString(volume, "name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required(volumePath + ".name"));
            }
            else
            {
                foreach (var message in NameSyntax.IsDns1123Label(name))
                {
                    errors.Add(FieldError.Invalid(volumePath + ".name", name, message));
                }
                if (!names.Add(name))
                {
                    errors.Add(FieldError.Duplicate(volumePath + ".name", JsonValue.Create(name)));
                }
            }
            var sources = volume.Select(p => p.Key).Where(k => k != "name").ToList();
            if (sources.Count == 0)
            {
                errors.Add(FieldError.Required(volumePath, "must specify a volume type"));
            }
            else if (sources.Count > 1)
            {
                errors.Add(FieldError.Forbidden($"{volumePath}.{sources[1]}", "may not specify more than 1 volume type"));
            }
            if (JsonTree.GetObject(volume, "persistentVolumeClaim") is { } claim && string.IsNullOrEmpty(JsonTree.GetString(claim, "claimName")))
            {
                errors.Add(FieldError.Required(volumePath + ".persistentVolumeClaim.claimName"));
            }
            if (JsonTree.GetObject(volume, "hostPath") is { } hostPath && string.IsNullOrEmpty(JsonTree.GetString(hostPath, "path")))
            {
                errors.Add(FieldError.Required(volumePath + ".hostPath.path"));
            }
        }
        return names;
    }

    private static void ValidateContainers(JsonArray? containers, string path, HashSet<string> volumes, HashSet<string> names, bool isInit, List<FieldError> errors)
    {
        var i = 0;
        foreach (var container in JsonTree.Objects(containers))
        {
            var containerPath = $"{path}[{i++}]";
            var name = JsonTree.GetString(container, "name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required(containerPath + ".name"));
            }
            else
            {
                foreach (var message in NameSyntax.IsDns1123Label(name))
                {
                    errors.Add(FieldError.Invalid(containerPath + ".name", name, message));
                }
                if (!names.Add(name))
                {
                    errors.Add(FieldError.Duplicate(containerPath + ".name", JsonValue.Create(name)));
                }
            }
            var image = JsonTree.GetString(container, "image") ?? "";
            if (image.Length == 0)
            {
                errors.Add(FieldError.Required(containerPath + ".image"));
            }
            ValidatePorts(container["ports"] as JsonArray, containerPath + ".ports", errors);
            ValidateEnv(container["env"] as JsonArray, containerPath + ".env", errors);
            ValidateVolumeMounts(container["volumeMounts"] as JsonArray, containerPath + ".volumeMounts", volumes, errors);
            ValidateResources(container["resources"] as JsonObject, containerPath + ".resources", errors);

            var pullPolicy = JsonTree.GetString(container, "imagePullPolicy") ?? "";
            if (pullPolicy.Length == 0)
            {
                errors.Add(FieldError.Required(containerPath + ".imagePullPolicy"));
            }
            else if (!PullPolicies.Contains(pullPolicy))
            {
                errors.Add(FieldError.NotSupported(containerPath + ".imagePullPolicy", pullPolicy, PullPolicies));
            }
            var messagePolicy = JsonTree.GetString(container, "terminationMessagePolicy") ?? "";
            if (messagePolicy.Length == 0)
            {
                errors.Add(FieldError.Required(containerPath + ".terminationMessagePolicy", "must be 'File' or 'FallbackToLogsOnError'"));
            }
            else if (!TerminationMessagePolicies.Contains(messagePolicy))
            {
                errors.Add(FieldError.Invalid(containerPath + ".terminationMessagePolicy", messagePolicy, "must be 'File' or 'FallbackToLogsOnError'"));
            }

            var sidecar = isInit && JsonTree.GetString(container, "restartPolicy") == "Always";
            foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
            {
                if (container[probe] is not JsonObject p)
                {
                    continue;
                }
                var probePath = $"{containerPath}.{probe}";
                if (isInit && !sidecar)
                {
                    errors.Add(FieldError.Forbidden(probePath, "may not be set for init containers without restartPolicy=Always"));
                    continue;
                }
                ValidateProbe(p, probePath, errors);
                if (probe != "readinessProbe" && JsonTree.GetInt(p, "successThreshold") is { } success && success != 1)
                {
                    errors.Add(FieldError.Invalid(probePath + ".successThreshold", success, "must be 1"));
                }
            }
            if (isInit && JsonTree.GetString(container, "restartPolicy") is { } containerRestart && containerRestart != "Always")
            {
                errors.Add(FieldError.NotSupported(containerPath + ".restartPolicy", containerRestart, ["Always"]));
            }
        }
    }

    private static void ValidatePorts(JsonArray? ports, string path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var port in JsonTree.Objects(ports))
        {
            var portPath = $"{path}[{i++}]";
            var name = JsonTree.GetString(port, "name") ?? "";
            if (name.Length > 0)
            {
                var messages = NameSyntax.IsValidPortName(name);
                foreach (var message in messages)
                {
                    errors.Add(FieldError.Invalid(portPath + ".name", name, message));
                }
                if (messages.Count == 0 && !names.Add(name))
                {
                    errors.Add(FieldError.Duplicate(portPath + ".name", JsonValue.Create(name)));
                }
            }
            var containerPort = JsonTree.GetInt(port, "containerPort") ?? 0;
            if (containerPort == 0)
            {
                errors.Add(FieldError.Required(portPath + ".containerPort"));
            }
            else
            {
                foreach (var message in NameSyntax.IsValidPortNumber(containerPort))
                {
                    errors.Add(FieldError.Invalid(portPath + ".containerPort", containerPort, message));
                }
            }
            var hostPort = JsonTree.GetInt(port, "hostPort") ?? 0;
            if (hostPort != 0)
            {
                foreach (var message in NameSyntax.IsValidPortNumber(hostPort))
                {
                    errors.Add(FieldError.Invalid(portPath + ".hostPort", hostPort, message));
                }
            }
            ValidateProtocol(port, portPath + ".protocol", errors);
        }
    }

    /// <summary>Protocol must be set and one of SCTP, TCP, UDP.</summary>
    internal static void ValidateProtocol(JsonObject port, string path, List<FieldError> errors)
    {
        var protocol = JsonTree.GetString(port, "protocol") ?? "";
        if (protocol.Length == 0)
        {
            errors.Add(FieldError.Required(path));
        }
        else if (!Protocols.Contains(protocol))
        {
            errors.Add(FieldError.NotSupported(path, protocol, Protocols));
        }
    }

    private static void ValidateEnv(JsonArray? env, string path, List<FieldError> errors)
    {
        var i = 0;
        foreach (var variable in JsonTree.Objects(env))
        {
            var variablePath = $"{path}[{i++}]";
            var name = JsonTree.GetString(variable, "name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required(variablePath + ".name"));
            }
            else if (name.Any(c => c < 32 || c > 126 || c == '='))
            {
                errors.Add(FieldError.Invalid(variablePath + ".name", name, "a valid environment variable name must consist only of printable ASCII characters other than '='"));
            }
            if (variable["valueFrom"] is JsonObject valueFrom)
            {
                if (JsonTree.GetString(variable, "value") is { Length: > 0 })
                {
                    errors.Add(FieldError.Invalid(variablePath + ".valueFrom", "", "may not be specified when `value` is not empty"));
                }
                var sources = valueFrom.Count;
                if (sources == 0)
                {
                    errors.Add(FieldError.Invalid(variablePath + ".valueFrom", "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
                }
                else if (sources > 1)
                {
                    errors.Add(FieldError.Invalid(variablePath + ".valueFrom", "", "may not have more than one field specified at a time"));
                }
            }
        }
    }

    private static void ValidateVolumeMounts(JsonArray? mounts, string path, HashSet<string> volumes, List<FieldError> errors)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var mount in JsonTree.Objects(mounts))
        {
            var mountPath = $"{path}[{i++}]";
            var name = JsonTree.GetString(mount, "name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required(mountPath + ".name"));
            }
            else if (!volumes.Contains(name))
            {
                errors.Add(FieldError.NotFound(mountPath + ".name", JsonValue.Create(name)));
            }
            var target = JsonTree.GetString(mount, "mountPath") ?? "";
            if (target.Length == 0)
            {
                errors.Add(FieldError.Required(mountPath + ".mountPath"));
            }
            else if (!paths.Add(target))
            {
                errors.Add(FieldError.Invalid(mountPath + ".mountPath", target, "must be unique"));
            }
        }
    }

    private static void ValidateResources(JsonObject? resources, string path, List<FieldError> errors)
    {
        if (resources is null)
        {
            return;
        }
        var limits = ReadList(resources["limits"] as JsonObject, path + ".limits", errors);
        var requests = ReadList(resources["requests"] as JsonObject, path + ".requests", errors);
        foreach (var (name, request) in requests)
        {
            if (!limits.TryGetValue(name, out var limit))
            {
                continue;
            }
            var overcommittable = name is "cpu" or "memory" or "ephemeral-storage";
            if (!overcommittable && request.CompareTo(limit) != 0)
            {
                errors.Add(FieldError.Invalid($"{path}.requests[{name}]", request.ToString(), $"must be equal to {name} limit of {limit}"));
            }
            else if (request > limit)
            {
                errors.Add(FieldError.Invalid($"{path}.requests[{name}]", request.ToString(), $"must be less than or equal to {name} limit of {limit}"));
            }
        }
    }

    private static Dictionary<string, Quantity> ReadList(JsonObject? list, string path, List<FieldError> errors)
    {
        var result = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        if (list is null)
        {
            return result;
        }
        foreach (var (name, value) in list)
        {
            var text = JsonTree.AsString(value) ?? value?.ToJsonString() ?? "";
            if (!Quantity.TryParse(text, out var quantity))
            {
                errors.Add(FieldError.Invalid($"{path}[{name}]", text, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
                continue;
            }
            if (quantity < Quantity.Zero)
            {
                errors.Add(FieldError.Invalid($"{path}[{name}]", quantity.ToString(), "must be greater than or equal to 0"));
            }
            result[name] = quantity;
        }
        return result;
    }

    private static void ValidateProbe(JsonObject probe, string path, List<FieldError> errors)
    {
        var handlers = ProbeHandlers.Where(probe.ContainsKey).ToList();
        if (handlers.Count == 0)
        {
            errors.Add(FieldError.Required(path, "must specify a handler type"));
        }
        else if (handlers.Count > 1)
        {
            errors.Add(FieldError.Forbidden($"{path}.{handlers[1]}", "may not specify more than 1 handler type"));
        }
        foreach (var field in new[] { "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold" })
        {
            if (JsonTree.GetInt(probe, field) is < 0 and var value)
            {
                errors.Add(FieldError.Invalid($"{path}.{field}", value, "must be greater than or equal to 0"));
            }
        }
        foreach (var handler in new[] { "httpGet", "tcpSocket" })
        {
            if (JsonTree.GetObject(probe, handler) is { } action)
            {
                ValidatePortNumberOrName(action["port"], $"{path}.{handler}.port", errors);
            }
        }
    }

    /// <summary>An int-or-string port: a number 1–65535 or an IANA port name.</summary>
    internal static void ValidatePortNumberOrName(JsonNode? port, string path, List<FieldError> errors)
    {
        if (JsonTree.AsInt(port) is { } number)
        {
            foreach (var message in NameSyntax.IsValidPortNumber(number))
            {
                errors.Add(FieldError.Invalid(path, number, message));
            }
        }
        else if (JsonTree.AsString(port) is { } name)
        {
            foreach (var message in NameSyntax.IsValidPortName(name))
            {
                errors.Add(FieldError.Invalid(path, name, message));
            }
        }
        else
        {
            errors.Add(FieldError.Invalid(path, port, "must contain an int or a string"));
        }
    }

    private static void ValidateTolerations(JsonArray? tolerations, string path, List<FieldError> errors)
    {
        var i = 0;
        foreach (var toleration in JsonTree.Objects(tolerations))
        {
            var tolerationPath = $"{path}[{i++}]";
            var key = JsonTree.GetString(toleration, "key") ?? "";
            if (key.Length > 0)
            {
                foreach (var message in NameSyntax.IsQualifiedName(key))
                {
                    errors.Add(FieldError.Invalid(tolerationPath + ".key", key, message));
                }
            }
            var op = JsonTree.GetString(toleration, "operator") ?? "";
            var value = JsonTree.GetString(toleration, "value") ?? "";
            if (key.Length == 0 && op != "Exists")
            {
                errors.Add(FieldError.Invalid(tolerationPath + ".operator", op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            }
            switch (op)
            {
                case "" or "Equal":
                    foreach (var message in NameSyntax.IsValidLabelValue(value))
                    {
                        errors.Add(FieldError.Invalid(tolerationPath + ".operator", value, message));
                    }
                    break;
                case "Exists":
                    if (value.Length > 0)
                    {
                        errors.Add(FieldError.Invalid(tolerationPath + ".operator", value, "value must be empty when `operator` is 'Exists'"));
                    }
                    break;
                default:
                    errors.Add(FieldError.NotSupported(tolerationPath + ".operator", op, ["Equal", "Exists"]));
                    break;
            }
            var effect = JsonTree.GetString(toleration, "effect") ?? "";
            if (toleration["tolerationSeconds"] is not null && effect != "NoExecute")
            {
                errors.Add(FieldError.Invalid(tolerationPath + ".effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }
            if (effect.Length > 0 && !TaintEffects.Contains(effect))
            {
                errors.Add(FieldError.NotSupported(tolerationPath + ".effect", effect, TaintEffects));
            }
        }
    }
}
