using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>
/// What the API server adds on create only, after scheme defaulting: the kind strategies'
/// <c>PrepareForCreate</c> and the default admission plugins (ServiceAccount, DefaultTolerationSeconds, Priority).
/// Call after <c>metadata.uid</c> is assigned (Jobs need it for their selector).
/// </summary>
public static class CreateDefaults
{
    /// <summary>Seconds the default not-ready/unreachable tolerations allow.</summary>
    public const int DefaultTolerationSeconds = 300;

    /// <summary>Applies the create-time additions in place.</summary>
    public static void Apply(KubeObject obj)
    {
        switch ((obj.GroupVersionKind.Group, obj.Kind))
        {
            case ("", "Pod"):
                ApplyPod(obj);
                break;
            case ("", "Namespace"):
                var spec = obj.EnsureSpec();
                if (spec["finalizers"] is not JsonArray { Count: > 0 })
                {
                    spec["finalizers"] = new JsonArray("kubernetes");
                }
                break;
            case ("", "Service"):
                ApplyService(obj);
                break;
            case ("batch", "Job"):
                BatchDefaults.GenerateJobSelector(obj);
                break;
            case ("", "PersistentVolumeClaim" or "PersistentVolume"):
                StorageDefaults.AddProtectionFinalizer(obj);
                break;
            // Kinds whose strategy resets the status on create; their status structs print these non-omitempty zeros.
            case ("", "ReplicationController"):
                obj.Document["status"] = new JsonObject { ["replicas"] = 0 };
                break;
            case ("policy", "PodDisruptionBudget"):
                obj.Document["status"] = new JsonObject { ["disruptionsAllowed"] = 0, ["currentHealthy"] = 0, ["desiredHealthy"] = 0, ["expectedPods"] = 0 };
                break;
            case ("autoscaling", "HorizontalPodAutoscaler"):
                obj.Document["status"] = new JsonObject { ["desiredReplicas"] = 0 };
                break;
            case ("networking.k8s.io", "Ingress"):
                obj.Document["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
                break;
            case ("", "ResourceQuota"):
                // Only the quota controller (and admission's charges) may say what is used.
                obj.Document["status"] = new JsonObject();
                break;
        }
    }

    /// <summary>
    /// Pod: <c>serviceAccountName</c>/<c>serviceAccount</c> <c>default</c> and the projected token volume mounted in
    /// every container (<see cref="ServiceAccountDefaults.MountToken"/>), the not-ready and unreachable
    /// <c>NoExecute</c> tolerations for 300 s (unless already tolerated), priority 0 with preemptionPolicy
    /// PreemptLowerPriority, and status phase Pending with its QoS class.
    /// </summary>
    public static void ApplyPod(KubeObject pod)
    {
        var spec = pod.EnsureSpec();
        if (string.IsNullOrEmpty(JsonTree.GetString(spec, "serviceAccountName")))
        {
            spec["serviceAccountName"] = JsonTree.GetString(spec, "serviceAccount") is { Length: > 0 } legacy ? legacy : "default";
        }
        spec["serviceAccount"] = JsonTree.GetString(spec, "serviceAccountName");
        ServiceAccountDefaults.MountToken(pod, pod.Uid ?? $"{pod.Namespace}/{pod.Name}");

        var tolerations = spec["tolerations"] as JsonArray;
        foreach (var key in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
        {
            if (!Tolerates(tolerations, key))
            {
                tolerations ??= (JsonArray)(spec["tolerations"] = new JsonArray());
                tolerations.Add(new JsonObject
                {
                    ["key"] = key,
                    ["operator"] = "Exists",
                    ["effect"] = "NoExecute",
                    ["tolerationSeconds"] = DefaultTolerationSeconds,
                });
            }
        }

        if (spec["priority"] is null && string.IsNullOrEmpty(JsonTree.GetString(spec, "priorityClassName")))
        {
            spec["priority"] = 0;
        }
        JsonTree.SetDefaultString(spec, "preemptionPolicy", "PreemptLowerPriority");

        // Whatever status a client sent is replaced, as the pod strategy does on create.
        pod.Document["status"] = new JsonObject
        {
            ["phase"] = "Pending",
            ["qosClass"] = QualityOfService.Classify(spec),
        };
    }

    private static bool Tolerates(JsonArray? tolerations, string key) =>
        JsonTree.Objects(tolerations).Any(t =>
        {
            var effect = JsonTree.GetString(t, "effect");
            var tKey = JsonTree.GetString(t, "key");
            var op = JsonTree.GetString(t, "operator") ?? "Equal";
            return (string.IsNullOrEmpty(effect) || effect == "NoExecute")
                && ((tKey == key) || (string.IsNullOrEmpty(tKey) && op == "Exists"));
        });

    /// <summary>Service (not ExternalName): ipFamilyPolicy SingleStack, ipFamilies [IPv4]. ClusterIP allocation is the store's job.</summary>
    public static void ApplyService(KubeObject service)
    {
        var spec = service.EnsureSpec();
        if (JsonTree.GetString(spec, "type") == "ExternalName")
        {
            return;
        }
        JsonTree.SetDefault(spec, "ipFamilyPolicy", "SingleStack");
        if (spec["ipFamilies"] is not JsonArray { Count: > 0 })
        {
            spec["ipFamilies"] = new JsonArray("IPv4");
        }
    }
}
