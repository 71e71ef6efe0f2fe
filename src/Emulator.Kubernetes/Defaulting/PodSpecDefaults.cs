using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>
/// Defaults of a pod spec wherever it appears (pods and every pod template), as Kubernetes'
/// <c>SetDefaults_PodSpec</c>, <c>SetDefaults_Container</c>, <c>SetDefaults_Probe</c>, <c>SetDefaults_Volume</c>, ….
/// </summary>
public static class PodSpecDefaults
{
    /// <summary>Default <c>terminationGracePeriodSeconds</c>.</summary>
    public const int TerminationGracePeriodSeconds = 30;

    /// <summary>Default scheduler name.</summary>
    public const string DefaultSchedulerName = "default-scheduler";

    /// <summary>Default file mode of secret, configMap, downwardAPI and projected volumes (0644).</summary>
    public const int DefaultVolumeMode = 420;

    private static readonly string[] VolumeSources =
    [
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
        "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
        "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
        "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
    ];

    /// <summary>Applies pod spec defaults in place.</summary>
    public static void Apply(JsonObject spec)
    {
        JsonTree.SetDefaultString(spec, "dnsPolicy", "ClusterFirst");
        JsonTree.SetDefaultString(spec, "restartPolicy", "Always");
        JsonTree.SetDefault(spec, "securityContext", new JsonObject());
        JsonTree.SetDefault(spec, "terminationGracePeriodSeconds", TerminationGracePeriodSeconds);
        JsonTree.SetDefaultString(spec, "schedulerName", DefaultSchedulerName);

        var hostNetwork = JsonTree.GetBool(spec, "hostNetwork") == true;
        foreach (var list in new[] { "initContainers", "containers", "ephemeralContainers" })
        {
            foreach (var container in JsonTree.Objects(spec[list] as JsonArray))
            {
                ApplyContainer(container, hostNetwork);
            }
        }
        foreach (var volume in JsonTree.Objects(spec["volumes"] as JsonArray))
        {
            ApplyVolume(volume);
        }
    }

    /// <summary>Applies container defaults in place (image pull policy, termination message, ports, probes, env).</summary>
    public static void ApplyContainer(JsonObject container, bool hostNetwork = false)
    {
        if (string.IsNullOrEmpty(JsonTree.GetString(container, "imagePullPolicy")))
        {
            container["imagePullPolicy"] = DefaultPullPolicy(JsonTree.GetString(container, "image") ?? "");
        }
        JsonTree.SetDefault(container, "resources", new JsonObject());
        JsonTree.SetDefaultString(container, "terminationMessagePath", "/dev/termination-log");
        JsonTree.SetDefaultString(container, "terminationMessagePolicy", "File");
        foreach (var port in JsonTree.Objects(container["ports"] as JsonArray))
        {
            JsonTree.SetDefaultString(port, "protocol", "TCP");
            // With hostNetwork the host port is the container port.
            if (hostNetwork && (JsonTree.GetInt(port, "hostPort") ?? 0) == 0 && JsonTree.GetInt(port, "containerPort") is { } containerPort)
            {
                port["hostPort"] = containerPort;
            }
        }
        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            if (container[probe] is JsonObject p)
            {
                ApplyProbe(p);
            }
        }
        if (container["lifecycle"] is JsonObject lifecycle)
        {
            foreach (var hook in new[] { "postStart", "preStop" })
            {
                if (JsonTree.GetObject(lifecycle, hook, "httpGet") is { } httpGet)
                {
                    ApplyHttpGet(httpGet);
                }
            }
        }
        foreach (var env in JsonTree.Objects(container["env"] as JsonArray))
        {
            if (JsonTree.GetObject(env, "valueFrom", "fieldRef") is { } fieldRef)
            {
                JsonTree.SetDefaultString(fieldRef, "apiVersion", "v1");
            }
            if (JsonTree.GetObject(env, "valueFrom", "resourceFieldRef") is { } resourceFieldRef)
            {
                JsonTree.SetDefault(resourceFieldRef, "divisor", "0");
            }
        }
    }

    /// <summary>
    /// <c>Always</c> for images tagged <c>:latest</c> or untagged (and without a digest), else <c>IfNotPresent</c>.
    /// </summary>
    public static string DefaultPullPolicy(string image)
    {
        var at = image.IndexOf('@');
        var hasDigest = at >= 0;
        var name = hasDigest ? image[..at] : image;
        var lastSlash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        var tag = colon > lastSlash ? name[(colon + 1)..] : "";
        if (tag.Length == 0 && !hasDigest)
        {
            tag = "latest";
        }
        return tag == "latest" ? "Always" : "IfNotPresent";
    }

    /// <summary>Probe defaults: timeout 1 s, period 10 s, success 1, failure 3; HTTP path <c>/</c>, scheme HTTP.</summary>
    public static void ApplyProbe(JsonObject probe)
    {
        SetZeroDefault(probe, "timeoutSeconds", 1);
        SetZeroDefault(probe, "periodSeconds", 10);
        SetZeroDefault(probe, "successThreshold", 1);
        SetZeroDefault(probe, "failureThreshold", 3);
        if (probe["httpGet"] is JsonObject httpGet)
        {
            ApplyHttpGet(httpGet);
        }
        if (probe["grpc"] is JsonObject grpc)
        {
            JsonTree.SetDefault(grpc, "service", "");
        }
    }

    private static void ApplyHttpGet(JsonObject httpGet)
    {
        JsonTree.SetDefaultString(httpGet, "path", "/");
        JsonTree.SetDefaultString(httpGet, "scheme", "HTTP");
    }

    // Probe thresholds are int32 (not pointers) in Kubernetes: zero means unset.
    private static void SetZeroDefault(JsonObject obj, string key, int value)
    {
        if ((JsonTree.GetInt(obj, key) ?? 0) == 0)
        {
            obj[key] = value;
        }
    }

    /// <summary>Volume defaults: no source means <c>emptyDir: {}</c>; file modes 0644; hostPath type <c>""</c>.</summary>
    public static void ApplyVolume(JsonObject volume)
    {
        if (!VolumeSources.Any(volume.ContainsKey))
        {
            volume["emptyDir"] = new JsonObject();
        }
        foreach (var source in new[] { "secret", "configMap", "downwardAPI", "projected" })
        {
            if (volume[source] is JsonObject s)
            {
                JsonTree.SetDefault(s, "defaultMode", DefaultVolumeMode);
            }
        }
        if (volume["hostPath"] is JsonObject hostPath)
        {
            JsonTree.SetDefault(hostPath, "type", "");
        }
    }
}
