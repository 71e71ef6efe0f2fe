using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>
/// Scheme defaults (<c>SetDefaults_*</c> of the v1 API groups) of the kinds beyond workloads: ReplicationController,
/// LimitRange, RBAC bindings, NetworkPolicy, PriorityClass, HorizontalPodAutoscaler, CSIDriver and admission webhooks.
/// </summary>
public static class BuiltInKindDefaults
{
    private const string RbacGroup = "rbac.authorization.k8s.io";

    /// <summary>ReplicationController: selector and object labels from the template's labels, one replica, pod spec defaults.</summary>
    public static void ApplyReplicationController(KubeObject controller)
    {
        var spec = controller.EnsureSpec();
        if (JsonTree.GetObject(spec, "template", "metadata", "labels") is { } labels)
        {
            if (spec["selector"] is not JsonObject { Count: > 0 })
            {
                spec["selector"] = labels.DeepClone();
            }
            if (controller.Metadata["labels"] is not JsonObject { Count: > 0 })
            {
                controller.Metadata["labels"] = labels.DeepClone();
            }
        }
        JsonTree.SetDefault(spec, "replicas", 1);
        if (spec["template"] is JsonObject)
        {
            WorkloadDefaults.ApplyTemplate(spec);
        }
    }

    /// <summary>PodTemplate: the pod spec defaults of its template (a top-level <c>template</c>, as in a workload's spec).</summary>
    public static void ApplyPodTemplate(KubeObject podTemplate)
    {
        if (podTemplate.Document["template"] is JsonObject)
        {
            WorkloadDefaults.ApplyTemplate(podTemplate.Document);
        }
    }

    /// <summary>
    /// LimitRange items of type Container: the default limit falls back to max, the default request to the default
    /// limit, then to min.
    /// </summary>
    public static void ApplyLimitRange(KubeObject limitRange)
    {
        foreach (var item in JsonTree.Objects(JsonTree.GetArray(limitRange.Document, "spec", "limits")))
        {
            if (JsonTree.GetString(item, "type") != "Container")
            {
                continue;
            }
            FillMissing(item, "default", item["max"] as JsonObject);
            FillMissing(item, "defaultRequest", item["default"] as JsonObject);
            FillMissing(item, "defaultRequest", item["min"] as JsonObject);
        }
    }

    private static void FillMissing(JsonObject item, string field, JsonObject? from)
    {
        if (from is not { Count: > 0 })
        {
            return;
        }
        var target = item[field] as JsonObject ?? new JsonObject();
        foreach (var (resource, value) in from)
        {
            if (!target.ContainsKey(resource))
            {
                target[resource] = value?.DeepClone();
            }
        }
        item[field] = target;
    }

    /// <summary>RoleBinding/ClusterRoleBinding: roleRef's apiGroup, and each subject's (empty for ServiceAccounts, RBAC's for users and groups).</summary>
    public static void ApplyBinding(KubeObject binding)
    {
        if (binding.Document["roleRef"] is JsonObject roleRef && string.IsNullOrEmpty(JsonTree.GetString(roleRef, "apiGroup")))
        {
            roleRef["apiGroup"] = RbacGroup;
        }
        foreach (var subject in JsonTree.Objects(binding.Document["subjects"] as JsonArray))
        {
            if (!string.IsNullOrEmpty(JsonTree.GetString(subject, "apiGroup")))
            {
                continue;
            }
            switch (JsonTree.GetString(subject, "kind"))
            {
                case "ServiceAccount":
                    subject["apiGroup"] = "";
                    break;
                case "User" or "Group":
                    subject["apiGroup"] = RbacGroup;
                    break;
            }
        }
    }

    /// <summary>NetworkPolicy: policyTypes Ingress (plus Egress with egress rules); ports' protocol TCP.</summary>
    public static void ApplyNetworkPolicy(KubeObject policy)
    {
        var spec = policy.EnsureSpec();
        if (spec["policyTypes"] is not JsonArray { Count: > 0 })
        {
            var types = new JsonArray("Ingress");
            if (spec["egress"] is JsonArray { Count: > 0 })
            {
                types.Add("Egress");
            }
            spec["policyTypes"] = types;
        }
        foreach (var (rules, _) in new[] { ("ingress", "from"), ("egress", "to") })
        {
            foreach (var rule in JsonTree.Objects(spec[rules] as JsonArray))
            {
                foreach (var port in JsonTree.Objects(rule["ports"] as JsonArray))
                {
                    JsonTree.SetDefaultString(port, "protocol", "TCP");
                }
            }
        }
    }

    /// <summary>PriorityClass: preemptionPolicy PreemptLowerPriority.</summary>
    public static void ApplyPriorityClass(KubeObject priorityClass) =>
        JsonTree.SetDefaultString(priorityClass.Document, "preemptionPolicy", "PreemptLowerPriority");

    /// <summary>
    /// HorizontalPodAutoscaler (autoscaling/v2): minReplicas 1; without metrics, 80% average CPU utilization; a given
    /// behavior gets the default rules for what it leaves out (scale up: no stabilization, the larger of 4 pods or 100%
    /// per 15 s; scale down: 100% per 15 s, its stabilization window left to the controller's default).
    /// </summary>
    public static void ApplyHorizontalPodAutoscaler(KubeObject autoscaler)
    {
        var spec = autoscaler.EnsureSpec();
        if (spec["behavior"] is JsonObject behavior)
        {
            var scaleUp = JsonTree.Ensure(behavior, "scaleUp");
            JsonTree.SetDefault(scaleUp, "stabilizationWindowSeconds", 0);
            JsonTree.SetDefaultString(scaleUp, "selectPolicy", "Max");
            JsonTree.SetDefault(scaleUp, "policies", new JsonArray(
                new JsonObject { ["type"] = "Pods", ["value"] = 4, ["periodSeconds"] = 15 },
                new JsonObject { ["type"] = "Percent", ["value"] = 100, ["periodSeconds"] = 15 }));
            var scaleDown = JsonTree.Ensure(behavior, "scaleDown");
            JsonTree.SetDefaultString(scaleDown, "selectPolicy", "Max");
            JsonTree.SetDefault(scaleDown, "policies", new JsonArray(new JsonObject { ["type"] = "Percent", ["value"] = 100, ["periodSeconds"] = 15 }));
        }
        JsonTree.SetDefault(spec, "minReplicas", 1);
        if (spec["metrics"] is not JsonArray { Count: > 0 })
        {
            spec["metrics"] = new JsonArray(new JsonObject
            {
                ["type"] = "Resource",
                ["resource"] = new JsonObject
                {
                    ["name"] = "cpu",
                    ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = 80 },
                },
            });
        }
    }

    /// <summary>CSIDriver: attach required, no pod info, persistent volumes, fsGroup policy ReadWriteOnceWithFSType.</summary>
    public static void ApplyCsiDriver(KubeObject driver)
    {
        var spec = driver.EnsureSpec();
        JsonTree.SetDefault(spec, "attachRequired", true);
        JsonTree.SetDefault(spec, "podInfoOnMount", false);
        if (spec["volumeLifecycleModes"] is not JsonArray { Count: > 0 })
        {
            spec["volumeLifecycleModes"] = new JsonArray("Persistent");
        }
        JsonTree.SetDefault(spec, "storageCapacity", false);
        JsonTree.SetDefaultString(spec, "fsGroupPolicy", "ReadWriteOnceWithFSType");
        JsonTree.SetDefault(spec, "requiresRepublish", false);
        JsonTree.SetDefault(spec, "seLinuxMount", false);
    }

    /// <summary>
    /// Admission webhooks: failurePolicy Fail, matchPolicy Equivalent, empty namespace and object selectors, a 10 s
    /// timeout, rules scoped <c>*</c>, service port 443; mutating ones reinvocationPolicy Never.
    /// </summary>
    public static void ApplyWebhooks(KubeObject configuration, bool mutating)
    {
        foreach (var webhook in JsonTree.Objects(configuration.Document["webhooks"] as JsonArray))
        {
            JsonTree.SetDefaultString(webhook, "failurePolicy", "Fail");
            JsonTree.SetDefaultString(webhook, "matchPolicy", "Equivalent");
            JsonTree.SetDefault(webhook, "namespaceSelector", new JsonObject());
            JsonTree.SetDefault(webhook, "objectSelector", new JsonObject());
            JsonTree.SetDefault(webhook, "timeoutSeconds", 10);
            if (mutating)
            {
                JsonTree.SetDefaultString(webhook, "reinvocationPolicy", "Never");
            }
            foreach (var rule in JsonTree.Objects(webhook["rules"] as JsonArray))
            {
                JsonTree.SetDefaultString(rule, "scope", "*");
            }
            if (JsonTree.GetObject(webhook, "clientConfig", "service") is { } service)
            {
                JsonTree.SetDefault(service, "port", 443);
            }
        }
    }
}
