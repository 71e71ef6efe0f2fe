using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>Validation of the apps/v1 kinds (<c>pkg/apis/apps/validation</c>).</summary>
public static class WorkloadValidation
{
    /// <summary>Deployment spec.</summary>
    public static void ValidateDeployment(KubeObject deployment, List<FieldError> errors)
    {
        var spec = deployment.Spec ?? new JsonObject();
        FieldChecks.Nonnegative(spec, "replicas", "spec.replicas", errors);
        RequireNonEmptySelector(spec, "deployment", errors);
        FieldChecks.SelectorMatchesTemplate(spec, "spec", errors, skipWhenEmpty: true);
        ValidateTemplateForReplicas(spec, "ReplicaSet", errors);
        ValidateStrategy(spec["strategy"] as JsonObject ?? new JsonObject(), errors);
        FieldChecks.Nonnegative(spec, "minReadySeconds", "spec.minReadySeconds", errors);
        FieldChecks.Nonnegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", errors);
        if (JsonTree.GetInt(spec, "progressDeadlineSeconds") is { } deadline)
        {
            FieldChecks.Nonnegative(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds", errors);
            if (deadline <= (JsonTree.GetInt(spec, "minReadySeconds") ?? 0))
            {
                errors.Add(FieldError.Invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
            }
        }
    }

    /// <summary>ReplicaSet spec.</summary>
    public static void ValidateReplicaSet(KubeObject replicaSet, List<FieldError> errors)
    {
        var spec = replicaSet.Spec ?? new JsonObject();
        FieldChecks.Nonnegative(spec, "replicas", "spec.replicas", errors);
        FieldChecks.Nonnegative(spec, "minReadySeconds", "spec.minReadySeconds", errors);
        // Kubernetes reuses the Deployment wording here.
        RequireNonEmptySelector(spec, "deployment", errors);
        FieldChecks.SelectorMatchesTemplate(spec, "spec", errors, skipWhenEmpty: true);
        ValidateTemplateForReplicas(spec, "ReplicaSet", errors);
    }

    /// <summary>StatefulSet spec.</summary>
    public static void ValidateStatefulSet(KubeObject statefulSet, List<FieldError> errors)
    {
        var spec = statefulSet.Spec ?? new JsonObject();
        var policy = JsonTree.GetString(spec, "podManagementPolicy") ?? "";
        if (policy.Length == 0)
        {
            errors.Add(FieldError.Required("spec.podManagementPolicy"));
        }
        else if (policy is not ("OrderedReady" or "Parallel"))
        {
            errors.Add(FieldError.Invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"));
        }
        var strategy = spec["updateStrategy"] as JsonObject ?? new JsonObject();
        switch (JsonTree.GetString(strategy, "type") ?? "")
        {
            case "":
                errors.Add(FieldError.Required("spec.updateStrategy"));
                break;
            case "OnDelete":
                if (strategy["rollingUpdate"] is not null)
                {
                    errors.Add(FieldError.Invalid("spec.updateStrategy.rollingUpdate", strategy["rollingUpdate"], "only allowed for updateStrategy 'RollingUpdate'"));
                }
                break;
            case "RollingUpdate":
                if (strategy["rollingUpdate"] is JsonObject rollingUpdate)
                {
                    FieldChecks.Nonnegative(rollingUpdate, "partition", "spec.updateStrategy.rollingUpdate.partition", errors);
                    if (rollingUpdate["maxUnavailable"] is { } maxUnavailable)
                    {
                        FieldChecks.PositiveIntOrPercent(maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", errors);
                        if (FieldChecks.IntOrPercentValue(maxUnavailable) == 0)
                        {
                            errors.Add(FieldError.Invalid("spec.updateStrategy.rollingUpdate.maxUnavailable", maxUnavailable, "must be greater than 0"));
                        }
                        FieldChecks.NotMoreThan100Percent(maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", errors);
                    }
                }
                break;
            default:
                errors.Add(FieldError.Invalid("spec.updateStrategy", strategy, "must be 'RollingUpdate' or 'OnDelete'"));
                break;
        }
        if (spec["persistentVolumeClaimRetentionPolicy"] is JsonObject retention)
        {
            foreach (var field in new[] { "whenDeleted", "whenScaled" })
            {
                var value = JsonTree.GetString(retention, field) ?? "";
                if (value is not ("Retain" or "Delete"))
                {
                    errors.Add(FieldError.NotSupported($"spec.persistentVolumeClaimRetentionPolicy.{field}", value, ["Retain", "Delete"]));
                }
            }
        }
        FieldChecks.Nonnegative(spec, "replicas", "spec.replicas", errors);
        FieldChecks.Nonnegative(spec, "minReadySeconds", "spec.minReadySeconds", errors);
        if (spec["ordinals"] is JsonObject ordinals)
        {
            FieldChecks.Nonnegative(ordinals, "start", "spec.ordinals.start", errors);
        }
        RequireNonEmptySelector(spec, "statefulset", errors);
        FieldChecks.SelectorMatchesTemplate(spec, "spec", errors, skipWhenEmpty: true);
        PodSpecValidation.ValidateTemplate(TemplateWithClaimVolumes(spec), "spec.template", errors);
        var restartPolicy = JsonTree.GetString(spec, "template", "spec", "restartPolicy") ?? "";
        if (restartPolicy != "Always")
        {
            errors.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restartPolicy, ["Always"]));
        }
        if (JsonTree.Get(spec, "template", "spec", "activeDeadlineSeconds") is not null)
        {
            errors.Add(FieldError.Forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"));
        }
    }

    /// <summary>
    /// The StatefulSet's template as its pods get it: each volumeClaimTemplate is a volume of the pod (a claim of that
    /// name), so containers may mount it by the template's name. Appended after the template's own volumes, so the
    /// paths of errors in those stay as the user wrote them.
    /// </summary>
    private static JsonObject? TemplateWithClaimVolumes(JsonObject spec)
    {
        if (spec["template"] is not JsonObject template || JsonTree.GetArray(spec, "volumeClaimTemplates") is not { Count: > 0 } claims)
        {
            return spec["template"] as JsonObject;
        }
        var copy = (JsonObject)template.DeepClone();
        var podSpec = JsonTree.Ensure(copy, "spec");
        var volumes = podSpec["volumes"] as JsonArray ?? [];
        podSpec["volumes"] = volumes;
        var named = JsonTree.Objects(volumes).Select(v => JsonTree.GetString(v, "name")).ToHashSet(StringComparer.Ordinal);
        foreach (var name in JsonTree.Objects(claims).Select(c => JsonTree.GetString(c, "metadata", "name")))
        {
            if (name is { Length: > 0 } && named.Add(name))
            {
                volumes.Add(new JsonObject { ["name"] = name, ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = name } });
            }
        }
        return copy;
    }

    /// <summary>DaemonSet spec.</summary>
    public static void ValidateDaemonSet(KubeObject daemonSet, List<FieldError> errors)
    {
        var spec = daemonSet.Spec ?? new JsonObject();
        // Unlike the other workloads, a missing DaemonSet selector is reported only as a template mismatch.
        LabelValidation.ValidateSelector(spec["selector"], "spec.selector", errors);
        FieldChecks.SelectorMatchesTemplate(spec, "spec", errors, skipWhenEmpty: false);
        if (spec["selector"] is JsonObject selector && FieldChecks.IsEmptySelector(selector))
        {
            errors.Add(FieldError.Invalid("spec.selector", selector, "empty selector is invalid for daemonset"));
        }
        PodSpecValidation.ValidateTemplate(spec["template"] as JsonObject, "spec.template", errors);
        var restartPolicy = JsonTree.GetString(spec, "template", "spec", "restartPolicy") ?? "";
        if (restartPolicy != "Always")
        {
            errors.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restartPolicy, ["Always"]));
        }
        if (JsonTree.GetInt(spec, "template", "spec", "activeDeadlineSeconds") is { } deadline)
        {
            errors.Add(FieldError.Invalid("spec.template.spec.activeDeadlineSeconds", deadline, "activeDeadlineSeconds in DaemonSet is not Supported"));
        }
        FieldChecks.Nonnegative(spec, "minReadySeconds", "spec.minReadySeconds", errors);
        FieldChecks.Nonnegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", errors);
        var strategy = spec["updateStrategy"] as JsonObject ?? new JsonObject();
        switch (JsonTree.GetString(strategy, "type") ?? "")
        {
            case "OnDelete":
                break;
            case "RollingUpdate":
                if (strategy["rollingUpdate"] is not JsonObject rollingUpdate)
                {
                    errors.Add(FieldError.Required("spec.updateStrategy.rollingUpdate"));
                    break;
                }
                var surge = rollingUpdate["maxSurge"];
                var unavailable = rollingUpdate["maxUnavailable"];
                FieldChecks.PositiveIntOrPercent(unavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", errors);
                FieldChecks.PositiveIntOrPercent(surge, "spec.updateStrategy.rollingUpdate.maxSurge", errors);
                if (FieldChecks.IntOrPercentValue(unavailable) == 0 && FieldChecks.IntOrPercentValue(surge) == 0)
                {
                    errors.Add(FieldError.Invalid("spec.updateStrategy.rollingUpdate.maxUnavailable", unavailable, "may not be 0 when `maxSurge` is 0"));
                }
                if (FieldChecks.IntOrPercentValue(unavailable) != 0 && FieldChecks.IntOrPercentValue(surge) != 0)
                {
                    errors.Add(FieldError.Invalid("spec.updateStrategy.rollingUpdate.maxSurge", surge, "may not be set when maxUnavailable is non-zero"));
                }
                FieldChecks.NotMoreThan100Percent(unavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", errors);
                break;
            case var other:
                errors.Add(FieldError.NotSupported("spec.updateStrategy.type", other, ["OnDelete", "RollingUpdate"]));
                break;
        }
    }

    /// <summary>ControllerRevision: data required, revision non-negative.</summary>
    public static void ValidateControllerRevision(KubeObject revision, List<FieldError> errors)
    {
        if (revision.Document["data"] is null)
        {
            errors.Add(FieldError.Required("data", "data is mandatory"));
        }
        FieldChecks.Nonnegative(revision.Document, "revision", "revision", errors);
    }

    /// <summary>Deployment, ReplicaSet and DaemonSet updates: the selector is immutable.</summary>
    public static void ValidateSelectorUpdate(KubeObject updated, KubeObject old, List<FieldError> errors) =>
        MetadataValidation.Immutable(JsonTree.Get(updated.Document, "spec", "selector"), JsonTree.Get(old.Document, "spec", "selector"), "spec.selector", errors);

    /// <summary>
    /// StatefulSet updates may only change replicas, ordinals, template, updateStrategy, revisionHistoryLimit,
    /// persistentVolumeClaimRetentionPolicy and minReadySeconds.
    /// </summary>
    public static void ValidateStatefulSetUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        string[] mutable = ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];
        var newSpec = (updated.Spec?.DeepClone() as JsonObject) ?? new JsonObject();
        var oldSpec = (old.Spec?.DeepClone() as JsonObject) ?? new JsonObject();
        foreach (var field in mutable)
        {
            newSpec.Remove(field);
            oldSpec.Remove(field);
        }
        if (!JsonTree.DeepEquals(newSpec, oldSpec))
        {
            errors.Add(FieldError.Forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
        }
    }

    private static void RequireNonEmptySelector(JsonObject spec, string kindWord, List<FieldError> errors)
    {
        if (spec["selector"] is not JsonObject selector)
        {
            errors.Add(FieldError.Required("spec.selector"));
            // A missing selector selects nothing, so the template labels cannot match it either.
            errors.Add(FieldError.Invalid("spec.template.metadata.labels", JsonTree.Get(spec, "template", "metadata", "labels")?.DeepClone(), "`selector` does not match template `labels`"));
            return;
        }
        LabelValidation.ValidateSelector(selector, "spec.selector", errors);
        if (FieldChecks.IsEmptySelector(selector))
        {
            errors.Add(FieldError.Invalid("spec.selector", selector, $"empty selector is invalid for {kindWord}"));
        }
    }

    private static void ValidateTemplateForReplicas(JsonObject spec, string owner, List<FieldError> errors)
    {
        PodSpecValidation.ValidateTemplate(spec["template"] as JsonObject, "spec.template", errors);
        var restartPolicy = JsonTree.GetString(spec, "template", "spec", "restartPolicy") ?? "";
        if (restartPolicy != "Always")
        {
            errors.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restartPolicy, ["Always"]));
        }
        if (JsonTree.GetInt(spec, "template", "spec", "activeDeadlineSeconds") is { } deadline)
        {
            errors.Add(FieldError.Invalid("spec.template.spec.activeDeadlineSeconds", deadline, $"activeDeadlineSeconds in {owner} is not Supported"));
        }
    }

    private static void ValidateStrategy(JsonObject strategy, List<FieldError> errors)
    {
        switch (JsonTree.GetString(strategy, "type") ?? "")
        {
            case "Recreate":
                if (strategy["rollingUpdate"] is not null)
                {
                    errors.Add(FieldError.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
                }
                break;
            case "RollingUpdate":
                if (strategy["rollingUpdate"] is not JsonObject rollingUpdate)
                {
                    errors.Add(FieldError.Required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
                    break;
                }
                var unavailable = rollingUpdate["maxUnavailable"];
                var surge = rollingUpdate["maxSurge"];
                FieldChecks.PositiveIntOrPercent(unavailable, "spec.strategy.rollingUpdate.maxUnavailable", errors);
                FieldChecks.PositiveIntOrPercent(surge, "spec.strategy.rollingUpdate.maxSurge", errors);
                if (FieldChecks.IntOrPercentValue(unavailable) == 0 && FieldChecks.IntOrPercentValue(surge) == 0)
                {
                    errors.Add(FieldError.Invalid("spec.strategy.rollingUpdate.maxUnavailable", unavailable ?? JsonValue.Create(0), "may not be 0 when `maxSurge` is 0"));
                }
                FieldChecks.NotMoreThan100Percent(unavailable, "spec.strategy.rollingUpdate.maxUnavailable", errors);
                break;
            default:
                errors.Add(FieldError.NotSupported("spec.strategy", strategy, ["Recreate", "RollingUpdate"]));
                break;
        }
    }
}
