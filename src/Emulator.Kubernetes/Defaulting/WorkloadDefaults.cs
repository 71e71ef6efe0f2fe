using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>Defaults of the apps/v1 workloads (<c>pkg/apis/apps/v1/defaults.go</c>).</summary>
public static class WorkloadDefaults
{
    /// <summary>Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600.</summary>
    public static void ApplyDeployment(KubeObject deployment)
    {
        var spec = deployment.EnsureSpec();
        JsonTree.SetDefault(spec, "replicas", 1);
        var strategy = JsonTree.Ensure(spec, "strategy");
        JsonTree.SetDefaultString(strategy, "type", "RollingUpdate");
        if (JsonTree.GetString(strategy, "type") == "RollingUpdate")
        {
            var rollingUpdate = JsonTree.Ensure(strategy, "rollingUpdate");
            JsonTree.SetDefault(rollingUpdate, "maxUnavailable", "25%");
            JsonTree.SetDefault(rollingUpdate, "maxSurge", "25%");
        }
        JsonTree.SetDefault(spec, "revisionHistoryLimit", 10);
        JsonTree.SetDefault(spec, "progressDeadlineSeconds", 600);
        ApplyTemplate(spec);
    }

    /// <summary>ReplicaSet: replicas 1.</summary>
    public static void ApplyReplicaSet(KubeObject replicaSet)
    {
        var spec = replicaSet.EnsureSpec();
        JsonTree.SetDefault(spec, "replicas", 1);
        ApplyTemplate(spec);
    }

    /// <summary>
    /// StatefulSet: replicas 1, podManagementPolicy OrderedReady, updateStrategy RollingUpdate with partition 0
    /// (only when the type was unset or rollingUpdate given), revisionHistoryLimit 10, PVC retention Retain/Retain.
    /// </summary>
    public static void ApplyStatefulSet(KubeObject statefulSet)
    {
        var spec = statefulSet.EnsureSpec();
        JsonTree.SetDefaultString(spec, "podManagementPolicy", "OrderedReady");
        var strategy = JsonTree.Ensure(spec, "updateStrategy");
        if (string.IsNullOrEmpty(JsonTree.GetString(strategy, "type")))
        {
            strategy["type"] = "RollingUpdate";
            JsonTree.SetDefault(strategy, "rollingUpdate", new JsonObject());
        }
        if (JsonTree.GetString(strategy, "type") == "RollingUpdate" && strategy["rollingUpdate"] is JsonObject rollingUpdate)
        {
            JsonTree.SetDefault(rollingUpdate, "partition", 0);
        }
        var retention = JsonTree.Ensure(spec, "persistentVolumeClaimRetentionPolicy");
        JsonTree.SetDefaultString(retention, "whenDeleted", "Retain");
        JsonTree.SetDefaultString(retention, "whenScaled", "Retain");
        JsonTree.SetDefault(spec, "replicas", 1);
        JsonTree.SetDefault(spec, "revisionHistoryLimit", 10);
        ApplyTemplate(spec);
        foreach (var claim in JsonTree.Objects(spec["volumeClaimTemplates"] as JsonArray))
        {
            JsonTree.SetDefaultString(claim, "apiVersion", "v1");
            JsonTree.SetDefaultString(claim, "kind", "PersistentVolumeClaim");
            StorageDefaults.ApplyClaim(claim);
        }
    }

    /// <summary>DaemonSet: updateStrategy RollingUpdate with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10.</summary>
    public static void ApplyDaemonSet(KubeObject daemonSet)
    {
        var spec = daemonSet.EnsureSpec();
        var strategy = JsonTree.Ensure(spec, "updateStrategy");
        JsonTree.SetDefaultString(strategy, "type", "RollingUpdate");
        if (JsonTree.GetString(strategy, "type") == "RollingUpdate")
        {
            var rollingUpdate = JsonTree.Ensure(strategy, "rollingUpdate");
            JsonTree.SetDefault(rollingUpdate, "maxUnavailable", 1);
            JsonTree.SetDefault(rollingUpdate, "maxSurge", 0);
        }
        JsonTree.SetDefault(spec, "revisionHistoryLimit", 10);
        ApplyTemplate(spec);
    }

    /// <summary>
    /// Applies pod spec defaults to <c>spec.template.spec</c>, creating it when missing: in Kubernetes the
    /// template is a struct that always exists and is always defaulted.
    /// </summary>
    internal static void ApplyTemplate(JsonObject spec) => PodSpecDefaults.Apply(JsonTree.Ensure(spec, "template", "spec"));
}
